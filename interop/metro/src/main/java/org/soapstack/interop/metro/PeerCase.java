package org.soapstack.interop.metro;

import javax.xml.namespace.QName;

/**
 * One case of the matrix: a scenario at a version, served by one port of a policy WSDL.
 *
 * @param scenario  scenario name (SCENARIOS.md), e.g. {@code _XD}
 * @param version   version name: wssec10, wssec11, sc200502, sc13
 * @param wsdl      the policy WSDL (a {@link Wsdls} document)
 * @param service   WSDL service
 * @param port      WSDL port of the scenario
 * @param path      endpoint path on the peer, e.g. {@code /sc13/_XD}
 * @param tls       the scenario runs over HTTPS
 * @param soap12    SOAP 1.2 (else 1.1)
 * @param session   a secure-conversation scenario (RST/RSTR first)
 * @param cancel    the client sends Cancel when done (sc-scenarios.txt: yes)
 * @param mustNotCancel the policy says MustNotSendCancel
 * @param rm        the WS-RM version of a reliable-messaging case ({@code rm10}, {@code rm11}), or null
 * @param concurrent the number of echoes a reliable case sends at once (0: the sequential exchange)
 */
public record PeerCase(String scenario, String version, String wsdl, QName service, QName port,
        String path, boolean tls, boolean soap12, boolean session, boolean cancel, boolean mustNotCancel,
        String rm, int concurrent) {

    /** "Scenario@version". */
    public String name() {
        return scenario + "@" + version;
    }
}
