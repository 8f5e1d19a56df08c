package org.soapstack.interop.cxf.rm;

/** Namespaces and element names of WS-ReliableMessaging 1.0 and 1.1. */
public final class RmNames {
    public static final String RM10_NS = "http://schemas.xmlsoap.org/ws/2005/02/rm";
    public static final String RM11_NS = "http://docs.oasis-open.org/ws-rx/wsrm/200702";

    public static final String CREATE_SEQUENCE = "CreateSequence";
    public static final String CREATE_SEQUENCE_RESPONSE = "CreateSequenceResponse";
    public static final String CLOSE_SEQUENCE = "CloseSequence";
    public static final String CLOSE_SEQUENCE_RESPONSE = "CloseSequenceResponse";
    public static final String TERMINATE_SEQUENCE = "TerminateSequence";
    public static final String TERMINATE_SEQUENCE_RESPONSE = "TerminateSequenceResponse";
    /** WS-RM 1.0 only: the action of a standalone last message (and the Sequence child). */
    public static final String LAST_MESSAGE = "LastMessage";
    public static final String SEQUENCE_ACKNOWLEDGEMENT = "SequenceAcknowledgement";
    public static final String ACK_REQUESTED = "AckRequested";

    private RmNames() {
    }

    public static boolean isRm(String ns) {
        return RM10_NS.equals(ns) || RM11_NS.equals(ns);
    }
}
