package org.soapstack.interop.cxf.client;

import java.util.Map;

import jakarta.xml.ws.BindingProvider;

import org.apache.cxf.Bus;
import org.apache.cxf.BusFactory;
import org.apache.cxf.endpoint.Client;
import org.apache.cxf.frontend.ClientProxy;
import org.apache.cxf.jaxws.JaxWsProxyFactoryBean;
import org.apache.cxf.ws.addressing.MAPAggregator;
import org.apache.cxf.ws.addressing.WSAddressingFeature;
import org.apache.cxf.ws.rm.RMManager;
import org.soapstack.interop.cxf.contract.IPingService;
import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.rm.RmConfig;
import org.soapstack.interop.cxf.rm.RmScenario;
import org.soapstack.interop.cxf.rm.RmVersion;
import org.soapstack.interop.cxf.rm.RmWireLog;
import org.soapstack.interop.cxf.wire.WireTap;

/**
 * Builds reliable CXF clients of the rm endpoints of a peer. CXF keeps its WS-RM settings in
 * one RMManager per bus (the Offer, the namespaces), so every session gets a bus of its own,
 * with an {@link RmWireLog} (and the --trace/--record tap) on it: the bus interceptors are
 * the only ones that see the CreateSequence, CloseSequence and TerminateSequence messages
 * CXF sends through internal clients.
 */
public final class RmPorts {
    private final String baseUrl;
    private final long timeoutMillis;
    private final WireTap tap;

    public RmPorts(String baseUrl, long timeoutMillis, WireTap tap) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeoutMillis = timeoutMillis;
        this.tap = tap;
    }

    /** One reliable session's client: its typed proxy, its bus and what its bus saw. */
    public static final class Session implements AutoCloseable {
        private final Bus bus;
        private final IPingService proxy;
        private final Client client;
        private final RmWireLog log;

        Session(Bus bus, IPingService proxy, Client client, RmWireLog log) {
            this.bus = bus;
            this.proxy = proxy;
            this.client = client;
            this.log = log;
        }

        public IPingService service() {
            return proxy;
        }

        public RmWireLog log() {
            return log;
        }

        /** Marks the next application message as the last of the sequence (CXF's way to end it). */
        public void lastMessageNext() {
            requestContext().put(RMManager.WSRM_LAST_MESSAGE_PROPERTY, Boolean.TRUE);
        }

        Map<String, Object> requestContext() {
            return ((BindingProvider) proxy).getRequestContext();
        }

        @Override
        public void close() {
            try {
                client.destroy();
            } finally {
                bus.shutdown(false);
            }
        }
    }

    /** A new reliable session client of {@code scenario}'s endpoint, for {@code version}. */
    public Session open(RmScenario scenario, RmVersion version) {
        Bus bus = BusFactory.newInstance().createBus();
        RmWireLog log = new RmWireLog(null);
        log.install(bus);
        if (tap != null) {
            tap.install(bus);
        }
        JaxWsProxyFactoryBean factory = new JaxWsProxyFactoryBean();
        factory.setBus(bus);
        factory.setServiceClass(IPingService.class);
        factory.setWsdlURL(PingContract.wsdlUrl().toExternalForm());
        factory.setServiceName(PingContract.SERVICE);
        factory.setEndpointName(PingContract.SOAP12_PORT);
        factory.setAddress(baseUrl + scenario.path());
        factory.getFeatures().add(new WSAddressingFeature());
        factory.getFeatures().add(RmConfig.client(scenario, version));
        IPingService proxy = factory.create(IPingService.class);

        Client client = ClientProxy.getClient(proxy);
        PingPorts.http11(client, timeoutMillis);

        Session s = new Session(bus, proxy, client, log);
        Map<String, Object> ctx = s.requestContext();
        // the application messages' WS-Addressing version, and the RM layer's versions
        ctx.put(MAPAggregator.ADDRESSING_NAMESPACE, scenario.wsaNamespace());
        ctx.put(RMManager.WSRM_VERSION_PROPERTY, scenario.rmNamespace());
        ctx.put(RMManager.WSRM_WSA_VERSION_PROPERTY, scenario.wsaNamespace());
        return s;
    }
}
