package org.soapstack.interop.cxf.client;

import javax.xml.namespace.QName;

/**
 * The {@code version} half of a case name ({@code Scenario@version}): the SOAP version and
 * the WS-Addressing version (if any) its messages use. The foundation scenarios run in the
 * four {@link WireVersion}s; the WS-Security scenarios in their family (wssec10, wssec11).
 */
public interface CaseVersion {
    /** The report name, e.g. {@code soap12-wsa10} or {@code wssec11}. */
    String id();

    boolean soap12();

    /** Namespace of the WS-Addressing headers the client writes; null for none. */
    String wsaNamespace();

    /** The fault code the contract's declared fault must carry in this SOAP version. */
    default QName senderFaultCode() {
        return soap12() ? new QName(WireVersion.SOAP12_ENV, "Sender")
            : new QName(WireVersion.SOAP11_ENV, "Client");
    }
}
