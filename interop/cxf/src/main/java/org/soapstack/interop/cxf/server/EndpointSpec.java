package org.soapstack.interop.cxf.server;

import java.util.ArrayList;
import java.util.List;

import javax.xml.namespace.QName;

import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.rm.RmScenario;
import org.soapstack.interop.cxf.sc.ScCatalog;
import org.soapstack.interop.cxf.sc.ScScenarioSpec;
import org.soapstack.interop.cxf.sc.ScVersion;
import org.soapstack.interop.cxf.wssec.WsSecCatalog;
import org.soapstack.interop.cxf.wssec.WsSecScenarioSpec;

/**
 * One endpoint the server publishes: a path on the shared HTTP (or HTTPS) server, the WSDL
 * and port it implements, and how it is configured.
 *
 * @param wsdlResource classpath location of the WSDL
 * @param tls          served on the HTTPS connector instead of the plain HTTP one
 * @param security     a WS-Security endpoint: gets the security.* properties of the service
 *                     (the policies themselves come from the WSDL)
 * @param addressing   add CXF's WS-Addressing feature (optional addressing, both versions);
 *                     the WS-Security endpoints get addressing from their policy instead
 * @param secureConversation a WS-SecureConversation endpoint: also gets the ".sct" variants of
 *                     the security properties (used for the bootstrap RST/RSTR exchange)
 * @param streaming    uses CXF's streaming (StAX) WS-Security (ws-security.enable.streaming)
 * @param rm           a WS-ReliableMessaging endpoint of this scenario (null: none); the server
 *                     then also publishes the status endpoint {@link RmScenario#STATUS_PATH}
 */
public record EndpointSpec(String path, String wsdlResource, QName service, QName port,
                           boolean tls, boolean security, boolean addressing,
                           boolean secureConversation, boolean streaming, RmScenario rm) {

    /** Path prefix of the streaming (StAX) copies of the secure-conversation endpoints. */
    public static final String STREAMING_PREFIX = "/stax";

    /**
     * Scenarios CXF's own streaming server does not run (WSSCTest: "StAX Policy Validation
     * error" / "Endorsing derived keys not supported"); they get no streaming endpoint.
     */
    public static final java.util.Set<String> NO_STREAMING_SERVER =
        java.util.Set.of("SecureConversation_MutualCertificate10SignEncrypt");

    public EndpointSpec(String path, String wsdlResource, QName service, QName port,
                        boolean tls, boolean security, boolean addressing, boolean secureConversation) {
        this(path, wsdlResource, service, port, tls, security, addressing, secureConversation, false);
    }

    public EndpointSpec(String path, String wsdlResource, QName service, QName port,
                        boolean tls, boolean security, boolean addressing, boolean secureConversation,
                        boolean streaming) {
        this(path, wsdlResource, service, port, tls, security, addressing, secureConversation, streaming, null);
    }

    /** The WS-ReliableMessaging endpoints (/rm/RM10, /rm/RM10-WSA200408, /rm/RM11; SOAP 1.2). */
    public static List<EndpointSpec> reliable() {
        List<EndpointSpec> l = new ArrayList<>();
        for (RmScenario s : RmScenario.values()) {
            l.add(new EndpointSpec(s.path(), PingContract.WSDL_RESOURCE, PingContract.SERVICE,
                PingContract.SOAP12_PORT, false, false, true, false, false, s));
        }
        return l;
    }

    /** The foundation endpoints of interop/CONTRACT.md. */
    public static final List<EndpointSpec> FOUNDATION = List.of(
        foundation("/soap11", PingContract.SOAP11_PORT),
        foundation("/soap12", PingContract.SOAP12_PORT));

    private static EndpointSpec foundation(String path, QName port) {
        return new EndpointSpec(path, PingContract.WSDL_RESOURCE, PingContract.SERVICE, port,
            false, false, true, false);
    }

    /** The plain WS-Security endpoints (/wssec10/NAME, /wssec11/NAME). */
    public static List<EndpointSpec> wssec() {
        List<EndpointSpec> l = new ArrayList<>();
        for (WsSecScenarioSpec s : WsSecCatalog.all()) {
            l.add(new EndpointSpec(s.path(), s.family().wsdlResource(), s.family().service(),
                s.port(), s.tls(), true, false, false));
        }
        return l;
    }

    /** The WS-SecureConversation endpoints (/sc200502/NAME, /sc13/NAME). */
    public static List<EndpointSpec> sc() {
        List<EndpointSpec> l = new ArrayList<>();
        for (ScVersion v : ScVersion.values()) {
            for (ScScenarioSpec s : ScCatalog.all()) {
                l.add(new EndpointSpec(s.path(v), v.wsdlResource(), v.service(), s.port(), s.tls(),
                    true, false, true));
            }
        }
        return l;
    }

    /** The streaming copies of the WS-SecureConversation endpoints (/stax/sc200502/NAME, ...). */
    public static List<EndpointSpec> scStreaming() {
        List<EndpointSpec> l = new ArrayList<>();
        for (ScVersion v : ScVersion.values()) {
            for (ScScenarioSpec s : ScCatalog.all()) {
                if (NO_STREAMING_SERVER.contains(s.name())) {
                    continue;
                }
                l.add(new EndpointSpec(STREAMING_PREFIX + s.path(v), v.wsdlResource(), v.service(), s.port(),
                    s.tls(), true, false, true, true));
            }
        }
        return l;
    }

    /** Everything the server publishes. */
    public static List<EndpointSpec> all() {
        List<EndpointSpec> l = new ArrayList<>(FOUNDATION);
        l.addAll(wssec());
        l.addAll(sc());
        l.addAll(scStreaming());
        l.addAll(reliable());
        return l;
    }
}
