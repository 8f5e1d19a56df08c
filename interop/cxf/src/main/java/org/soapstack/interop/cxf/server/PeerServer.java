package org.soapstack.interop.cxf.server;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.cxf.Bus;
import org.apache.cxf.BusFactory;
import org.apache.cxf.endpoint.Server;
import org.apache.cxf.jaxws.JaxWsServerFactoryBean;
import org.apache.cxf.message.Message;
import org.apache.cxf.ws.addressing.WSAddressingFeature;
import org.soapstack.interop.cxf.contract.IPingService;
import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.wire.WireTap;

/** Publishes the contract endpoints on one Jetty server bound to 127.0.0.1. */
public final class PeerServer implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    private static final int BIND_ATTEMPTS = 10;

    private final Bus bus;
    private final List<Server> servers = new ArrayList<>();
    private final int port;

    private PeerServer(Bus bus, int port) {
        this.bus = bus;
        this.port = port;
    }

    /** Starts the server; port 0 picks a free port (retrying if it is taken meanwhile). */
    public static PeerServer start(int requestedPort, List<EndpointSpec> specs, WireTap tap)
        throws IOException {
        IOException last = null;
        int attempts = requestedPort == 0 ? BIND_ATTEMPTS : 1;
        for (int i = 0; i < attempts; i++) {
            int port = requestedPort == 0 ? freePort() : requestedPort;
            Bus bus = BusFactory.newInstance().createBus();
            PeerServer server = new PeerServer(bus, port);
            try {
                server.publish(specs, tap);
                return server;
            } catch (RuntimeException e) {
                server.close();
                if (!isBindFailure(e)) {
                    throw e;
                }
                last = new IOException("cannot bind " + HOST + ":" + port + ": " + e, e);
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

    private void publish(List<EndpointSpec> specs, WireTap tap) {
        AtomicReference<String> lastNotify = new AtomicReference<>("");
        for (EndpointSpec spec : specs) {
            JaxWsServerFactoryBean sf = new JaxWsServerFactoryBean();
            sf.setBus(bus);
            sf.setServiceClass(IPingService.class);
            sf.setServiceBean(new PingServiceImpl(lastNotify));
            sf.setWsdlLocation(PingContract.wsdlUrl().toExternalForm());
            sf.setServiceName(PingContract.SERVICE);
            sf.setEndpointName(spec.port());
            sf.setAddress(baseUrl() + spec.path());

            WSAddressingFeature addressing = new WSAddressingFeature();
            addressing.setAddressingRequired(false);
            sf.getFeatures().add(addressing);

            Map<String, Object> props = new HashMap<>();
            // Run notify before answering 202, so a following echo("last-notify") sees it.
            props.put(Message.ROBUST_ONEWAY, Boolean.TRUE);
            sf.setProperties(props);

            sf.getOutFaultInterceptors().add(new SenderFaultCodeInterceptor());
            if (tap != null) {
                tap.install(sf);
            }
            servers.add(sf.create());
        }
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
