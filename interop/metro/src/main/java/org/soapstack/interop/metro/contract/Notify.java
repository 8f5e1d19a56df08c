package org.soapstack.interop.metro.contract;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlType;

/** Wrapper element {@code tns:notify}. */
@XmlRootElement(name = "notify", namespace = PingContract.TNS)
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(name = "", propOrder = {"message"})
public class Notify {
    @XmlElement(name = "message", namespace = PingContract.TNS, nillable = true)
    protected String message;

    public String getMessage() {
        return message;
    }

    public void setMessage(String value) {
        this.message = value;
    }
}
