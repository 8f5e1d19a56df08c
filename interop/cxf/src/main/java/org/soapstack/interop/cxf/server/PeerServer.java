package org.soapstack.interop.cxf.server;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.cxf.Bus;
import org.apache.cxf.BusFactory;
import org.apache.cxf.configuration.jsse.TLSServerParameters;
import org.apache.cxf.configuration.security.ClientAuthentication;
import org.apache.cxf.endpoint.Server;
import org.apache.cxf.jaxws.JaxWsServerFactoryBean;
import org.apache.cxf.message.Message;
import org.apache.cxf.transport.http_jetty.JettyHTTPServerEngineFactory;
import org.apache.cxf.ws.addressing.WSAddressingFeature;
import org.soapstack.interop.cxf.contract.IPingService;
import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.rm.RmConfig;
import org.soapstack.interop.cxf.rm.RmLedger;
import org.soapstack.interop.cxf.rm.RmScenario;
import org.soapstack.interop.cxf.rm.RmWireLog;
import org.soapstack.interop.cxf.wire.WireTap;
import org.soapstack.interop.cxf.wssec.Pki;
import org.soapstack.interop.cxf.wssec.SecurityProperties;

/**
 * Publishes the endpoints on 127.0.0.1: plain HTTP on one port and, when some endpoint needs
 * it, HTTPS (the interop/pki service certificate) on a second port. CXF runs one Jetty
 * engine per port inside the same bus.
 */
public final class PeerServer implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    private static final int BIND_ATTEMPTS = 10;

    private final Bus bus;
    private final List<Server> servers = new ArrayList<>();
    private final int port;
    private final int tlsPort;

    private PeerServer(Bus bus, int port, int tlsPort) {
        this.bus = bus;
        this.port = port;
        this.tlsPort = tlsPort;
    }

    /**
     * Starts the server; port 0 picks a free port (retrying if it is taken meanwhile), for
     * the HTTP and the HTTPS port alike. {@code pki} may be null if no endpoint needs it.
     */
    public static PeerServer start(int requestedPort, int requestedTlsPort, List<EndpointSpec> specs,
                                   WireTap tap, Pki pki) throws IOException {
        IOException last = null;
        boolean anyFree = requestedPort == 0 || requestedTlsPort == 0;
        int attempts = anyFree ? BIND_ATTEMPTS : 1;
        boolean needTls = specs.stream().anyMatch(EndpointSpec::tls);
        for (int i = 0; i < attempts; i++) {
            int port = requestedPort == 0 ? freePort() : requestedPort;
            int tlsPort = !needTls ? -1 : requestedTlsPort == 0 ? freePort(port) : requestedTlsPort;
            Bus bus = BusFactory.newInstance().createBus();
            PeerServer server = new PeerServer(bus, port, tlsPort);
            try {
                if (needTls) {
                    server.configureTls(pki);
                }
                server.publish(specs, tap, pki);
                return server;
            } catch (RuntimeException e) {
                server.close();
                if (!isBindFailure(e)) {
                    throw e;
                }
                last = new IOException("cannot bind " + HOST + ":" + port
                    + (needTls ? " / " + tlsPort : "") + ": " + e, e);
            }
        }
        throw last;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://" + HOST + ":" + port;
    }

    /** The HTTPS base URL, or null if no endpoint is served over HTTPS. */
    public String tlsBaseUrl() {
        return tlsPort < 0 ? null : "https://" + HOST + ":" + tlsPort;
    }

    /** TLS parameters of the HTTPS port: the service key, no client certificate. */
    private void configureTls(Pki pki) throws IOException {
        if (pki == null) {
            throw new IllegalStateException("HTTPS endpoints need the test PKI");
        }
        try {
            TLSServerParameters tls = new TLSServerParameters();
            tls.setKeyManagers(pki.keyManagers(Pki.SERVICE));
            ClientAuthentication clientAuth = new ClientAuthentication();
            clientAuth.setWant(false);
            clientAuth.setRequired(false);
            tls.setClientAuthentication(clientAuth);
            // Jetty checks the Host header against the certificate by default; clients use
            // 127.0.0.1 (an IP SAN of the certificate) and send no SNI.
            tls.setSniHostCheck(false);
            JettyHTTPServerEngineFactory engines = bus.getExtension(JettyHTTPServerEngineFactory.class);
            engines.setTLSServerParametersForPort(HOST, tlsPort, tls);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e, e);
        }
    }

    private void publish(List<EndpointSpec> specs, WireTap tap, Pki pki) {
        AtomicReference<String> lastNotify = new AtomicReference<>("");
        Map<String, Object> security = null;
        Map<String, Object> scSecurity = null;
        RmLedger ledger = null;
        if (specs.stream().anyMatch(s -> s.rm() != null)) {
            RmWireLog wire = new RmWireLog(p -> RmScenario.byPath(p).isPresent());
            wire.install(bus);
            ledger = new RmLedger(wire);
            publishRmStatus(ledger);
        }
        for (EndpointSpec spec : specs) {
            JaxWsServerFactoryBean sf = new JaxWsServerFactoryBean();
            sf.setBus(bus);
            sf.setServiceClass(IPingService.class);
            sf.setServiceBean(new PingServiceImpl(lastNotify, spec.rm() == null ? null : ledger));
            sf.setWsdlLocation(resource(spec.wsdlResource()));
            sf.setServiceName(spec.service());
            sf.setEndpointName(spec.port());
            sf.setAddress((spec.tls() ? tlsBaseUrl() : baseUrl()) + spec.path());

            if (spec.addressing()) {
                WSAddressingFeature addressing = new WSAddressingFeature();
                addressing.setAddressingRequired(false);
                sf.getFeatures().add(addressing);
            }
            if (spec.rm() != null) {
                sf.getFeatures().add(RmConfig.server());
            }

            Map<String, Object> props = new HashMap<>();
            // Run notify before answering 202, so a following echo("last-notify") sees it.
            // Not on the rm endpoints: with robust one-way CXF's RM destination skips its
            // duplicate check (DestinationSequence.applyDeliveryAssurance), so a
            // retransmitted request would be delivered twice.
            if (spec.rm() == null) {
                props.put(Message.ROBUST_ONEWAY, Boolean.TRUE);
            }
            if (spec.security()) {
                if (pki == null) {
                    throw new IllegalStateException("WS-Security endpoints need the test PKI");
                }
                if (security == null) {
                    security = SecurityProperties.server(pki);
                    scSecurity = SecurityProperties.withSctVariants(security);
                }
                props.putAll(spec.secureConversation() ? scSecurity : security);
                if (spec.streaming()) {
                    props.put(SecurityProperties.ENABLE_STREAMING, "true");
                }
            }
            sf.setProperties(props);

            sf.getOutFaultInterceptors().add(new SenderFaultCodeInterceptor());
            servers.add(sf.create());
        }
        if (tap != null) {
            // on the bus, not per endpoint: CXF's secure-conversation interceptors answer an
            // RST (and Cancel) through an STS endpoint of their own, whose chains only share
            // the bus interceptors
            tap.install(bus);
        }
    }

    /** The rm status endpoint: a plain (not reliable) Soap12Port whose echo(tag) is the verdict. */
    private void publishRmStatus(RmLedger ledger) {
        JaxWsServerFactoryBean sf = new JaxWsServerFactoryBean();
        sf.setBus(bus);
        sf.setServiceClass(IPingService.class);
        sf.setServiceBean(new RmStatusService(ledger));
        sf.setWsdlLocation(resource(PingContract.WSDL_RESOURCE));
        sf.setServiceName(PingContract.SERVICE);
        sf.setEndpointName(PingContract.SOAP12_PORT);
        sf.setAddress(baseUrl() + RmScenario.STATUS_PATH);
        WSAddressingFeature addressing = new WSAddressingFeature();
        addressing.setAddressingRequired(false);
        sf.getFeatures().add(addressing);
        servers.add(sf.create());
    }

    private static String resource(String name) {
        URL url = PeerServer.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalStateException("missing classpath resource " + name);
        }
        return url.toExternalForm();
    }

    @Override
    public void close() {
        for (Server s : servers) {
            try {
                s.stop();
                s.destroy();
            } catch (RuntimeException ignored) {
                // shutting down anyway
            }
        }
        servers.clear();
        bus.shutdown(true);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    private static int freePort(int other) throws IOException {
        int p;
        do {
            p = freePort();
        } while (p == other);
        return p;
    }

    private static boolean isBindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException) {
                return true;
            }
            String m = c.getMessage();
            if (m != null && (m.contains("Address already in use") || m.contains("Failed to bind"))) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }
}
