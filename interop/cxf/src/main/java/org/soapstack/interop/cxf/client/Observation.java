package org.soapstack.interop.cxf.client;

import javax.xml.namespace.QName;

/**
 * What the client saw of the last response on a port, beyond the typed result: the raw
 * WS-Addressing headers (read before CXF's own addressing layer, which drops responses it
 * cannot correlate), the SOAP fault code and the Content-Type.
 */
public final class Observation {
    /** Value of {@link #wsaNamespace()} when a response mixes addressing versions. */
    public static final String MIXED = "(mixed WS-Addressing versions)";

    private volatile boolean responded;
    private volatile String wsaNamespace;
    private volatile String action;
    private volatile String relatesTo;
    private volatile String messageId;
    private volatile QName faultCode;
    private volatile String faultReason;
    private volatile String contentType;
    private volatile boolean securityHeader;
    private volatile int encryptedParts;
    private volatile int signatureConfirmations;

    void reset() {
        responded = false;
        wsaNamespace = null;
        action = null;
        relatesTo = null;
        messageId = null;
        faultCode = null;
        faultReason = null;
        contentType = null;
        securityHeader = false;
        encryptedParts = 0;
        signatureConfirmations = 0;
    }

    void securityHeader(int dataReferences, int confirmations) {
        securityHeader = true;
        encryptedParts += dataReferences;
        signatureConfirmations += confirmations;
    }

    void responded(String ct) {
        this.responded = true;
        this.contentType = ct;
    }

    void addressingHeader(String namespace, String localName, String value) {
        if (wsaNamespace == null) {
            wsaNamespace = namespace;
        } else if (!wsaNamespace.equals(namespace)) {
            wsaNamespace = MIXED;
        }
        switch (localName) {
            case "Action" -> action = value;
            case "RelatesTo" -> relatesTo = value;
            case "MessageID" -> messageId = value;
            default -> {
            }
        }
    }

    void fault(QName code, String reason) {
        this.faultCode = code;
        this.faultReason = reason;
    }

    /** True once a SOAP response (not a bare 202) reached the client. */
    public boolean responded() {
        return responded;
    }

    /** Namespace of the response's WS-Addressing headers; null if it had none. */
    public String wsaNamespace() {
        return wsaNamespace;
    }

    public String action() {
        return action;
    }

    public String relatesTo() {
        return relatesTo;
    }

    public String messageId() {
        return messageId;
    }

    /** SOAP fault code of the response (null if it was not a fault). */
    public QName faultCode() {
        return faultCode;
    }

    public String faultReason() {
        return faultReason;
    }

    public String contentType() {
        return contentType;
    }

    /** True if the response carried a wsse:Security header. */
    public boolean securityHeader() {
        return securityHeader;
    }

    /** Number of xenc:DataReference elements in the response's wsse:Security header. */
    public int encryptedParts() {
        return encryptedParts;
    }

    /** Number of wsse11:SignatureConfirmation elements in the response's Security header. */
    public int signatureConfirmations() {
        return signatureConfirmations;
    }
}
