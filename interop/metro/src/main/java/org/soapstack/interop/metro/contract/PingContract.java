package org.soapstack.interop.metro.contract;

/** Names fixed by interop/CONTRACT.md. Everything else in the peer refers to these. */
public final class PingContract {
    public static final String TNS = "http://InteropBaseAddress/interop";

    public static final String ECHO_ACTION = TNS + "/IPingService/echo";
    public static final String ECHO_RESPONSE_ACTION = TNS + "/IPingService/echoResponse";
    public static final String FAIL_ACTION = TNS + "/IPingService/fail";
    public static final String FAIL_RESPONSE_ACTION = TNS + "/IPingService/failResponse";
    public static final String FAIL_FAULT_ACTION = TNS + "/IPingService/failPingFaultFault";
    public static final String NOTIFY_ACTION = TNS + "/IPingService/notify";

    /** The echo text that asks for the last notified text instead of an echo. */
    public static final String LAST_NOTIFY = "last-notify";
    /** The code carried in every PingFault detail. */
    public static final int PING_FAULT_CODE = 42;

    private PingContract() {
    }

}
