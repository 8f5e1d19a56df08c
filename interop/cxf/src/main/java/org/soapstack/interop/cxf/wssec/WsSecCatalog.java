package org.soapstack.interop.cxf.wssec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every plain WS-Security scenario of SCENARIOS.md, in its order, then the binding scenarios
 * the plugfest tables lack (family ws2007http).
 */
public final class WsSecCatalog {
    /** The --cases group that selects all of them. */
    public static final String GROUP = "wssec";

    private static final List<WsSecScenarioSpec> ALL;

    static {
        List<WsSecScenarioSpec> l = new ArrayList<>();
        WsSecFamily f10 = WsSecFamily.WSSEC10;
        l.add(new WsSecScenarioSpec("UserName", f10, false, false, false));
        l.add(new WsSecScenarioSpec("UserNameOverTransport", f10, true, true, false));
        l.add(new WsSecScenarioSpec("MutualCertificate10SignEncrypt", f10, false, true, true));
        l.add(new WsSecScenarioSpec("MutualCertificate10SignEncryptRsa15TripleDes", f10, false, true, true));
        for (String name : new String[] {
            "A", "A-NoTimestamp", "AD", "A-ES", "AD-ES",
            "UX", "UX-NoTimestamp", "UXD", "UX-SEES", "UXD-SEES",
            "X", "X-NoTimestamp", "X-AES128", "X-AES256", "X-TripleDES", "XD", "XD-ES", "XD-SEES"}) {
            l.add(new WsSecScenarioSpec(name, WsSecFamily.WSSEC11, false, true, true));
        }
        // ws2007HttpBinding TransportWithMessageCredential/Certificate (package binding's
        // CertificateOverTransport): HTTPS, a Timestamp endorsed by the client certificate.
        l.add(new WsSecScenarioSpec("CertificateOverTransport", WsSecFamily.WS2007HTTP, true, true, false));
        ALL = Collections.unmodifiableList(l);
    }

    private WsSecCatalog() {
    }

    public static List<WsSecScenarioSpec> all() {
        return ALL;
    }
}
