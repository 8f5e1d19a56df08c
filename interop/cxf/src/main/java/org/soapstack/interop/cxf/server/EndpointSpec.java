package org.soapstack.interop.cxf.server;

import java.util.List;

import javax.xml.namespace.QName;

import org.soapstack.interop.cxf.contract.PingContract;

/**
 * One endpoint the server publishes: a path on the shared HTTP server and the WSDL port it
 * implements. Later scenario families (security, reliable messaging) add their own specs.
 */
public record EndpointSpec(String path, QName port) {

    /** The foundation endpoints of interop/CONTRACT.md. */
    public static final List<EndpointSpec> FOUNDATION = List.of(
        new EndpointSpec("/soap11", PingContract.SOAP11_PORT),
        new EndpointSpec("/soap12", PingContract.SOAP12_PORT));
}
