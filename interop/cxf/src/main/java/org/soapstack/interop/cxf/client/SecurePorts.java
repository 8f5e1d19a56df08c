package org.soapstack.interop.cxf.client;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.function.Supplier;

import org.apache.cxf.Bus;
import org.apache.cxf.configuration.jsse.TLSClientParameters;
import org.apache.cxf.endpoint.Client;
import org.apache.cxf.frontend.ClientProxy;
import org.apache.cxf.jaxws.JaxWsProxyFactoryBean;
import org.apache.cxf.transport.http.HTTPConduit;
import org.apache.cxf.ws.addressing.WSAddressingFeature;
import org.soapstack.interop.cxf.contract.IPingService;
import org.soapstack.interop.cxf.wire.WireTap;
import org.soapstack.interop.cxf.wssec.Pki;
import org.soapstack.interop.cxf.wssec.SecurityProperties;
import org.soapstack.interop.cxf.wssec.WsSecScenarioSpec;

/**
 * Builds typed CXF clients for the plain WS-Security endpoints of one peer, configured from
 * the scenario's policy WSDL (CXF's policy engine does the security) plus the client's
 * security.* properties (interop/pki keys, user alice).
 */
public final class SecurePorts {
    private final Bus bus;
    private final String baseUrl;
    private final String tlsBaseUrl;
    private final long timeoutMillis;
    private final WireTap tap;
    private final Supplier<Pki> pki;
    private boolean usernameTokenInClear;

    public SecurePorts(Bus bus, String baseUrl, String tlsBaseUrl, long timeoutMillis, WireTap tap,
                       Supplier<Pki> pki) {
        this.bus = bus;
        this.baseUrl = trim(baseUrl);
        this.tlsBaseUrl = trim(tlsBaseUrl);
        this.timeoutMillis = timeoutMillis;
        this.tap = tap;
        this.pki = pki;
    }

    private static String trim(String url) {
        return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Sends signed supporting UsernameTokens unencrypted (always.encrypted=false). */
    public SecurePorts usernameTokenInClear(boolean v) {
        this.usernameTokenInClear = v;
        return this;
    }

    public PingPort open(WsSecScenarioSpec spec) throws CheckFailure {
        String base = spec.tls() ? tlsBaseUrl : baseUrl;
        if (base == null) {
            throw new CheckFailure(spec.caseName() + " runs over HTTPS: give --tls-base https://HOST:PORT");
        }
        Pki keys = pki.get();

        JaxWsProxyFactoryBean factory = new JaxWsProxyFactoryBean();
        factory.setBus(bus);
        factory.setServiceClass(IPingService.class);
        factory.setWsdlURL(spec.family().wsdlUrl().toExternalForm());
        factory.setServiceName(spec.family().service());
        factory.setEndpointName(spec.port());
        factory.setAddress(base + spec.path());
        java.util.Map<String, Object> props = SecurityProperties.client(keys);
        if (usernameTokenInClear) {
            props.put(org.apache.cxf.ws.security.SecurityConstants.ALWAYS_ENCRYPT_UT, "false");
        }
        factory.setProperties(props);
        if (spec.family().wsaNamespace() != null) {
            // the policy's UsingAddressing engages addressing too; the feature makes sure the
            // per-call AddressingProperties (2004/08 namespace) are honoured
            factory.getFeatures().add(new WSAddressingFeature());
        }
        IPingService proxy = factory.create(IPingService.class);

        Client client = ClientProxy.getClient(proxy);
        HTTPConduit conduit = PingPorts.http11(client, timeoutMillis);
        if (spec.tls()) {
            TLSClientParameters tls = new TLSClientParameters();
            try {
                tls.setTrustManagers(keys.trustManagers(Pki.CLIENT));
            } catch (GeneralSecurityException | IOException e) {
                throw new CheckFailure("cannot load the client trust store: " + e);
            }
            tls.setDisableCNCheck(false);
            conduit.setTlsClientParameters(tls);
        }

        Observation observation = new Observation();
        ResponseRecorder.install(client, observation);
        if (tap != null) {
            tap.install(client);
        }
        return new PingPort(proxy, client, spec.family(), observation);
    }
}
