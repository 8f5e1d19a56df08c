package org.soapstack.interop.metro.contract;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlRootElement;
import jakarta.xml.bind.annotation.XmlType;

/** Wrapper element {@code tns:failResponse} (empty; fail always faults). */
@XmlRootElement(name = "failResponse", namespace = PingContract.TNS)
@XmlAccessorType(XmlAccessType.FIELD)
@XmlType(name = "")
public class FailResponse {
}
