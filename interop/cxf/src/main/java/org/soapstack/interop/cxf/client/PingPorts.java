package org.soapstack.interop.cxf.client;

import org.apache.cxf.Bus;
import org.apache.cxf.endpoint.Client;
import org.apache.cxf.frontend.ClientProxy;
import org.apache.cxf.jaxws.JaxWsProxyFactoryBean;
import org.apache.cxf.transport.http.HTTPConduit;
import org.apache.cxf.transports.http.configuration.HTTPClientPolicy;
import org.apache.cxf.ws.addressing.WSAddressingFeature;
import org.soapstack.interop.cxf.contract.IPingService;
import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.wire.WireTap;

/** Builds typed, addressing-enabled CXF clients for the contract endpoints of one peer. */
public final class PingPorts {
    private final Bus bus;
    private final String baseUrl;
    private final long timeoutMillis;
    private final WireTap tap;

    public PingPorts(Bus bus, String baseUrl, long timeoutMillis, WireTap tap) {
        this.bus = bus;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeoutMillis = timeoutMillis;
        this.tap = tap;
    }

    /**
     * Sets the connect and receive timeouts of a client's HTTP conduit and pins HTTP/1.1 (no
     * h2c upgrade attempt); returns the conduit.
     */
    static HTTPConduit http11(Client client, long timeoutMillis) {
        HTTPConduit conduit = (HTTPConduit) client.getConduit();
        HTTPClientPolicy policy = new HTTPClientPolicy();
        policy.setConnectionTimeout(timeoutMillis);
        policy.setReceiveTimeout(timeoutMillis);
        policy.setVersion("1.1");
        conduit.setClient(policy);
        return conduit;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** A typed client of the foundation endpoint of one SOAP x WS-Addressing version. */
    public PingPort open(WireVersion version) {
        return open(version, version.path());
    }

    /** A typed client of another endpoint of the contract (e.g. /rm/status) at path. */
    public PingPort open(WireVersion version, String path) {
        JaxWsProxyFactoryBean factory = new JaxWsProxyFactoryBean();
        factory.setBus(bus);
        factory.setServiceClass(IPingService.class);
        factory.setWsdlURL(PingContract.wsdlUrl().toExternalForm());
        factory.setServiceName(PingContract.SERVICE);
        factory.setEndpointName(version.port());
        factory.setAddress(baseUrl + path);
        factory.getFeatures().add(new WSAddressingFeature());
        IPingService proxy = factory.create(IPingService.class);

        Client client = ClientProxy.getClient(proxy);
        http11(client, timeoutMillis);

        Observation observation = new Observation();
        ResponseRecorder.install(client, observation);
        if (tap != null) {
            tap.install(client);
        }
        return new PingPort(proxy, client, version, observation);
    }
}
