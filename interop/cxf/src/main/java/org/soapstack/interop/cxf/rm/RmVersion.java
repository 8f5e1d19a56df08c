package org.soapstack.interop.cxf.rm;

import org.soapstack.interop.cxf.client.CaseVersion;

/**
 * The {@code version} half of an rm case: the exchange pattern of the reliable session.
 * request-reply: echo calls on a sequence with an offered reply sequence; one-way: notify
 * calls on a sequence without an offer. Both SOAP 1.2; the WS-Addressing version is the
 * scenario's ({@link RmScenario#wsaNamespace()}).
 */
public enum RmVersion implements CaseVersion {
    REQUEST_REPLY("request-reply"),
    ONE_WAY("one-way");

    private final String id;

    RmVersion(String id) {
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean soap12() {
        return true;
    }

    /** Not fixed by the version: the scenario picks it. */
    @Override
    public String wsaNamespace() {
        return null;
    }

    public boolean oneWay() {
        return this == ONE_WAY;
    }
}
