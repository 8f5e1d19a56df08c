package org.soapstack.interop.cxf.client;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.cxf.Bus;
import org.apache.cxf.BusFactory;
import org.apache.cxf.configuration.jsse.TLSClientParameters;
import org.apache.cxf.endpoint.Client;
import org.apache.cxf.frontend.ClientProxy;
import org.apache.cxf.jaxws.JaxWsProxyFactoryBean;
import org.apache.cxf.transport.http.HTTPConduit;
import org.apache.cxf.transport.http.HTTPConduitConfigurer;
import org.apache.cxf.transports.http.configuration.HTTPClientPolicy;
import org.apache.cxf.ws.addressing.WSAddressingFeature;
import org.soapstack.interop.cxf.contract.IPingService;
import org.soapstack.interop.cxf.sc.ScScenarioSpec;
import org.soapstack.interop.cxf.sc.ScVersion;
import org.soapstack.interop.cxf.wire.WireTap;
import org.soapstack.interop.cxf.wssec.Pki;
import org.soapstack.interop.cxf.wssec.SecurityProperties;

/**
 * Builds typed CXF clients for the WS-SecureConversation endpoints of one peer, configured
 * from the scenario's policy WSDL (sc200502.wsdl / sc13.wsdl) plus the client's security.*
 * properties (and their ".sct" bootstrap copies).
 *
 * <p>CXF's secure-conversation interceptors run the RST/RSTR (and Cancel) exchanges through
 * an STS client of their own, created on the bus of the application client. These ports
 * therefore live on a bus of their own, and the things that must also apply to those hidden
 * clients are bus-wide: the HTTP settings and the HTTPS trust (an {@link HTTPConduitConfigurer}),
 * the --trace/--record tap, and the {@link ScMessageLog} that counts RST and Cancel messages.
 */
public final class ScPorts implements AutoCloseable {
    private final String baseUrl;
    private final String tlsBaseUrl;
    private final long timeoutMillis;
    private final WireTap tap;
    private final Supplier<Pki> pki;
    private final ScMessageLog log = new ScMessageLog();
    private final boolean streaming;
    private Bus bus;

    /** @param streaming use CXF's streaming (StAX) WS-Security (ws-security.enable.streaming) */
    public ScPorts(String baseUrl, String tlsBaseUrl, long timeoutMillis, WireTap tap, Supplier<Pki> pki,
                   boolean streaming) {
        this.streaming = streaming;
        this.baseUrl = trim(baseUrl);
        this.tlsBaseUrl = trim(tlsBaseUrl);
        this.timeoutMillis = timeoutMillis;
        this.tap = tap;
        this.pki = pki;
    }

    private static String trim(String url) {
        return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Whether these ports use CXF's streaming (StAX) WS-Security. */
    public boolean streaming() {
        return streaming;
    }

    public ScMessageLog log() {
        return log;
    }

    private synchronized Bus bus() throws CheckFailure {
        if (bus != null) {
            return bus;
        }
        Pki keys = pki.get();
        HTTPClientPolicy policy = new HTTPClientPolicy();
        policy.setConnectionTimeout(timeoutMillis);
        policy.setReceiveTimeout(timeoutMillis);
        policy.setVersion("1.1"); // plain HTTP/1.1, no h2c upgrade attempt
        TLSClientParameters tls = new TLSClientParameters();
        try {
            tls.setTrustManagers(keys.trustManagers(Pki.CLIENT));
        } catch (GeneralSecurityException | IOException e) {
            throw new CheckFailure("cannot load the client trust store: " + e);
        }
        tls.setDisableCNCheck(false);

        Bus b = BusFactory.newInstance().createBus();
        // every conduit of the bus, including those of CXF's internal STS clients
        b.setExtension((HTTPConduitConfigurer) (name, address, conduit) -> {
            conduit.setClient(policy);
            if (address != null && address.startsWith("https:")) {
                conduit.setTlsClientParameters(tls);
            }
        }, HTTPConduitConfigurer.class);
        log.install(b);
        if (tap != null) {
            tap.install(b);
        }
        bus = b;
        return b;
    }

    public PingPort open(ScScenarioSpec spec, ScVersion version) throws CheckFailure {
        String base = spec.tls() ? tlsBaseUrl : baseUrl;
        if (base == null) {
            throw new CheckFailure(spec.caseName(version) + " runs over HTTPS: give --tls-base https://HOST:PORT");
        }
        Bus b = bus();
        Pki keys = pki.get();
        Map<String, Object> props = SecurityProperties.withSctVariants(SecurityProperties.client(keys));
        if (streaming) {
            props.put(SecurityProperties.ENABLE_STREAMING, "true");
        }

        JaxWsProxyFactoryBean factory = new JaxWsProxyFactoryBean();
        factory.setBus(b);
        factory.setServiceClass(IPingService.class);
        factory.setWsdlURL(version.wsdlUrl().toExternalForm());
        factory.setServiceName(version.service());
        factory.setEndpointName(spec.port());
        factory.setAddress(base + spec.path(version));
        factory.setProperties(props);
        // the policy's UsingAddressing engages addressing too; the feature makes sure the
        // per-call AddressingProperties (the version's namespace) are honoured
        factory.getFeatures().add(new WSAddressingFeature());
        IPingService proxy = factory.create(IPingService.class);

        Client client = ClientProxy.getClient(proxy);
        HTTPConduit conduit = (HTTPConduit) client.getConduit();
        if (conduit.getClient() == null || conduit.getClient().getReceiveTimeout() != timeoutMillis) {
            throw new CheckFailure("internal: the bus conduit configurer was not applied");
        }

        Observation observation = new Observation();
        ResponseRecorder.install(client, observation);
        return new PingPort(proxy, client, version, observation);
    }

    @Override
    public synchronized void close() {
        if (bus != null) {
            bus.shutdown(false);
            bus = null;
        }
    }
}
