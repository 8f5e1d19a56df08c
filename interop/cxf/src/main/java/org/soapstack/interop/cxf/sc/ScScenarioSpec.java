package org.soapstack.interop.cxf.sc;

import javax.xml.namespace.QName;

import org.soapstack.interop.cxf.contract.PingContract;

/**
 * One WS-SecureConversation scenario of SCENARIOS.md, as listed in sc-scenarios.txt (generated
 * with the policies by interop/cxf/wsdl/gen-sc). The security itself is the policy of port
 * {@code <name>_IPingService} in the version's WSDL.
 *
 * @param bootstrap   A, UX, X, X10 or UNOT (the policy of the RST/RSTR exchange)
 * @param derivedKeys RequireDerivedKeys on the SCT (and the bootstrap's X.509 tokens)
 * @param order       SE, EBS, SEES, ESO or - (see gen-sc)
 * @param outerWss    10 or 11
 * @param cancel      whether the client sends Cancel when done
 */
public record ScScenarioSpec(String name, String bootstrap, boolean derivedKeys, String order,
                             int outerWss, Cancel cancel) {

    /** The cancel column of the table. */
    public enum Cancel {
        /** The client sends Cancel when done (the scenarios with a leading "_"). */
        YES,
        /** The client does not send Cancel; the policy does not forbid it. */
        NO,
        /** The policy says mssp:MustNotSendCancel; the client must not send it. */
        MUST_NOT;

        static Cancel parse(String s) {
            return switch (s) {
                case "yes" -> YES;
                case "no" -> NO;
                case "mustnot" -> MUST_NOT;
                default -> throw new IllegalArgumentException("bad cancel column " + s);
            };
        }
    }

    /** Served and called over HTTPS (the transport-binding scenario). */
    public boolean tls() {
        return "UNOT".equals(bootstrap);
    }

    /** The application messages are encrypted at the message level (all but UNOT). */
    public boolean encrypted() {
        return !tls();
    }

    /** The WSDL port (and so the policy) of this scenario. */
    public QName port() {
        return new QName(PingContract.TNS, name + "_IPingService");
    }

    /** The endpoint path on a peer: /sc200502/NAME or /sc13/NAME. */
    public String path(ScVersion version) {
        return "/" + version.id() + "/" + name;
    }

    /** The report's case name. */
    public String caseName(ScVersion version) {
        return name + "@" + version.id();
    }
}
