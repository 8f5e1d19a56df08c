package org.soapstack.interop.cxf.contract;

import java.net.URL;

import javax.xml.namespace.QName;

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

    public static final QName SERVICE = new QName(TNS, "PingService");
    public static final QName SOAP11_PORT = new QName(TNS, "Soap11Port");
    public static final QName SOAP12_PORT = new QName(TNS, "Soap12Port");

    /** Classpath location of the WSDL this peer is built from. */
    public static final String WSDL_RESOURCE = "wsdl/PingService.wsdl";

    private PingContract() {
    }

    public static URL wsdlUrl() {
        URL url = PingContract.class.getClassLoader().getResource(WSDL_RESOURCE);
        if (url == null) {
            throw new IllegalStateException("missing classpath resource " + WSDL_RESOURCE);
        }
        return url;
    }
}
