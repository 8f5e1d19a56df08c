package org.soapstack.interop.metro.contract;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlType;

/** Wrapper element {@code tns:fail}. */
@XmlRootElement(name = "fail", namespace = PingContract.TNS)
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(name = "", propOrder = {"reason"})
public class Fail {
    @XmlElement(name = "reason", namespace = PingContract.TNS, nillable = true)
    protected String reason;

    public String getReason() {
        return reason;
    }

    public void setReason(String value) {
        this.reason = value;
    }
}
