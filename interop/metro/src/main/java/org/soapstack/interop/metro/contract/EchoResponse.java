package org.soapstack.interop.metro.contract;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlType;

/** Wrapper element {@code tns:echoResponse}. */
@XmlRootElement(name = "echoResponse", namespace = PingContract.TNS)
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(name = "", propOrder = {"echoResult"})
public class EchoResponse {
    @XmlElement(name = "echoResult", namespace = PingContract.TNS, nillable = true)
    protected String echoResult;

    public String getEchoResult() {
        return echoResult;
    }

    public void setEchoResult(String value) {
        this.echoResult = value;
    }
}
