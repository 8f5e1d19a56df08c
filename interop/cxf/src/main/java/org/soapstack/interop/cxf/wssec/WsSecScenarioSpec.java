package org.soapstack.interop.cxf.wssec;

import javax.xml.namespace.QName;

import org.soapstack.interop.cxf.contract.PingContract;

/**
 * One plain WS-Security scenario of SCENARIOS.md: its name, family and transport. The
 * security itself is the policy of port {@code <name>_IPingService} in the family's WSDL.
 *
 * @param tls             served and called over HTTPS (the transport-binding scenario)
 * @param securedResponse the response carries a wsse:Security header (all but UserName,
 *                        whose policy only puts a UsernameToken into the request)
 * @param encrypted       the body is encrypted (used by the client to sanity-check responses)
 */
public record WsSecScenarioSpec(String name, WsSecFamily family, boolean tls, boolean securedResponse,
                                boolean encrypted) {

    /** The WSDL port (and so the policy) of this scenario. */
    public QName port() {
        return new QName(PingContract.TNS, name + "_IPingService");
    }

    /** The endpoint path on a peer: /wssec10/NAME or /wssec11/NAME. */
    public String path() {
        return "/" + family.id() + "/" + name;
    }

    /** The report's case name. */
    public String caseName() {
        return name + "@" + family.id();
    }
}
