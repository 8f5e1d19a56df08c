package org.soapstack.interop.cxf.client;

import java.util.Objects;

/** Contract checks shared by scenarios; each throws {@link CheckFailure} with a clear reason. */
public final class Checks {
    private static final int SHOWN = 80;

    private Checks() {
    }

    public static void equal(String what, Object expected, Object actual) throws CheckFailure {
        if (!Objects.equals(expected, actual)) {
            throw new CheckFailure(what + ": expected " + show(expected) + ", got " + show(actual));
        }
    }

    /** Compares possibly huge texts and reports where they first differ. */
    public static void sameText(String what, String expected, String actual) throws CheckFailure {
        if (Objects.equals(expected, actual)) {
            return;
        }
        if (expected == null || actual == null) {
            equal(what, expected, actual);
        }
        int n = Math.min(expected.length(), actual.length());
        int i = 0;
        while (i < n && expected.charAt(i) == actual.charAt(i)) {
            i++;
        }
        throw new CheckFailure(what + ": differs at char " + i + " (expected length "
            + expected.length() + ", got " + actual.length() + "): expected "
            + show(expected.substring(i)) + ", got " + show(actual.substring(i)));
    }

    public static void isTrue(boolean condition, String reason) throws CheckFailure {
        if (!condition) {
            throw new CheckFailure(reason);
        }
    }

    /**
     * The response's media type fits its SOAP version, and its WS-Addressing headers are in
     * the request's version with the expected wsa:Action and wsa:RelatesTo = the request's
     * wsa:MessageID.
     */
    public static void reply(PingPort port, String expectedAction, String requestMessageId)
        throws CheckFailure {
        Observation seen = port.observed();
        contentType(port);
        if (seen.wsaNamespace() == null) {
            throw new CheckFailure("response carries no WS-Addressing headers");
        }
        equal("response WS-Addressing namespace", port.version().wsaNamespace(), seen.wsaNamespace());
        equal("response wsa:Action", expectedAction, seen.action());
        equal("response wsa:RelatesTo", requestMessageId, seen.relatesTo());
    }

    /** The response's media type fits its SOAP version. */
    public static void contentType(PingPort port) throws CheckFailure {
        String expectedType = port.version().soap12() ? "application/soap+xml" : "text/xml";
        String ct = port.observed().contentType();
        isTrue(ct != null && ct.toLowerCase(java.util.Locale.ROOT).startsWith(expectedType),
            "response Content-Type: expected " + expectedType + ", got " + show(ct));
    }

    /**
     * The response was secured at the message level as far as one can tell without
     * decrypting: a wsse:Security header, with encrypted parts if the policy encrypts, and
     * SignatureConfirmation if the policy requires it. (CXF's policy engine has verified
     * the details already, or the call would have failed.)
     */
    public static void secured(PingPort port, boolean encrypted) throws CheckFailure {
        Observation seen = port.observed();
        isTrue(seen.securityHeader(), "response carries no wsse:Security header");
        if (encrypted) {
            isTrue(seen.encryptedParts() > 0,
                "response's wsse:Security header references no encrypted part");
        }
    }

    /**
     * Explains a call that CXF failed: CXF drops a response whose RelatesTo does not match the
     * request ("Response message did not contain proper response data"). Returns null if
     * there is nothing to add.
     */
    static String diagnose(PingPort port) {
        Observation seen = port.observed();
        String sent = port.lastMessageId();
        if (!seen.responded() || sent == null || seen.wsaNamespace() == null) {
            return null;
        }
        if (!sent.equals(seen.relatesTo())) {
            return "response wsa:RelatesTo " + show(seen.relatesTo())
                + " does not match the request's wsa:MessageID " + show(sent);
        }
        return null;
    }

    static String show(Object o) {
        if (o == null) {
            return "null";
        }
        String s = o.toString();
        if (s.length() > SHOWN) {
            s = s.substring(0, SHOWN) + "...(" + s.length() + " chars)";
        }
        return "\"" + s + "\"";
    }
}
