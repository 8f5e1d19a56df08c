package org.soapstack.interop.metro.contract;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;

/** Content of the fault detail element {@code tns:PingFault} (code, message). */
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(name = "PingFault", namespace = PingContract.TNS, propOrder = {"code", "message"})
public class PingFaultInfo {
    @XmlElement(name = "code", namespace = PingContract.TNS)
    protected int code;
    @XmlElement(name = "message", namespace = PingContract.TNS, nillable = true)
    protected String message;

    public PingFaultInfo() {
    }

    public PingFaultInfo(int code, String message) {
        this.code = code;
        this.message = message;
    }

    public int getCode() {
        return code;
    }

    public void setCode(int value) {
        this.code = value;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String value) {
        this.message = value;
    }
}
