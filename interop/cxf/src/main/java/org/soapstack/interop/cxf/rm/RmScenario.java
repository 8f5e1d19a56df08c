package org.soapstack.interop.cxf.rm;

import java.util.Optional;

import org.apache.cxf.ws.addressing.Names;
import org.apache.cxf.ws.addressing.VersionTransformer.Names200408;

/**
 * The WS-ReliableMessaging scenarios (the "rm" family of interop/SCENARIOS.md): a WS-RM
 * version with a WS-Addressing version. Each is one server endpoint, {@code /rm/<name>}
 * (SOAP 1.2), and one client case per {@link RmVersion} (request-reply, one-way).
 */
public enum RmScenario {
    /** WS-RM 1.0 (2005/02) with WS-Addressing 1.0 (WCF's wsHttpBinding reliableSession). */
    RM10("RM10", RmNames.RM10_NS, Names.WSA_NAMESPACE_NAME),
    /** WS-RM 1.0 (2005/02) with WS-Addressing 2004/08 (the member-submission pairing). */
    RM10_WSA200408("RM10-WSA200408", RmNames.RM10_NS, Names200408.WSA_NAMESPACE_NAME),
    /** WS-RM 1.1 (OASIS 2007/02) with WS-Addressing 1.0 (WCF's ws2007HttpBinding). */
    RM11("RM11", RmNames.RM11_NS, Names.WSA_NAMESPACE_NAME);

    /** Path of the status endpoint: echo(tag) answers the server's verdict on that tag. */
    public static final String STATUS_PATH = "/rm/status";

    private final String id;
    private final String rmNamespace;
    private final String wsaNamespace;

    RmScenario(String id, String rmNamespace, String wsaNamespace) {
        this.id = id;
        this.rmNamespace = rmNamespace;
        this.wsaNamespace = wsaNamespace;
    }

    /** The report name (RM10, RM10-WSA200408, RM11). */
    public String id() {
        return id;
    }

    public String rmNamespace() {
        return rmNamespace;
    }

    public String wsaNamespace() {
        return wsaNamespace;
    }

    public boolean rm11() {
        return RmNames.RM11_NS.equals(rmNamespace);
    }

    /** Endpoint path on a peer. */
    public String path() {
        return "/rm/" + id;
    }

    /** The action URI of an RM message of this version ("CreateSequence", ...). */
    public String action(String message) {
        return rmNamespace + "/" + message;
    }

    public static Optional<RmScenario> byPath(String path) {
        for (RmScenario s : values()) {
            if (path != null && path.endsWith(s.path())) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
