package org.soapstack.interop.metro.contract;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlType;

/** Wrapper element {@code tns:echo}. */
@XmlRootElement(name = "echo", namespace = PingContract.TNS)
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(name = "", propOrder = {"request"})
public class Echo {
    @XmlElement(name = "request", namespace = PingContract.TNS, nillable = true)
    protected String request;

    public String getRequest() {
        return request;
    }

    public void setRequest(String value) {
        this.request = value;
    }
}
