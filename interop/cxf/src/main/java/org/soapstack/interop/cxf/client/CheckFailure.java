package org.soapstack.interop.cxf.client;

/** A contract check that did not hold; the message is the report's reason. */
public final class CheckFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public CheckFailure(String reason) {
        super(reason);
    }
}
