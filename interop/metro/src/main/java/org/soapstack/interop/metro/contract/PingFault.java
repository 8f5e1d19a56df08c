package org.soapstack.interop.metro.contract;

import jakarta.xml.ws.WebFault;

/** The declared fault of {@code fail}; the SOAP fault reason is {@link #getMessage()}. */
@WebFault(name = "PingFault", targetNamespace = PingContract.TNS,
    faultBean = "org.soapstack.interop.metro.contract.PingFaultInfo")
public class PingFault extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient PingFaultInfo faultInfo;

    public PingFault(String message, PingFaultInfo faultInfo) {
        super(message);
        this.faultInfo = faultInfo;
    }

    public PingFault(String message, PingFaultInfo faultInfo, Throwable cause) {
        super(message, cause);
        this.faultInfo = faultInfo;
    }

    public PingFaultInfo getFaultInfo() {
        return faultInfo;
    }
}
