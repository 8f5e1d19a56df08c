package org.soapstack.interop.metro;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.xml.transform.Source;
import javax.xml.transform.stream.StreamSource;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.sun.xml.ws.api.fastinfoset.FastInfosetFeature;

import jakarta.xml.ws.Endpoint;
import jakarta.xml.ws.soap.AddressingFeature;
import jakarta.xml.ws.soap.SOAPBinding;

/**
 * The Metro service: one JAX-WS endpoint per case, each configured by its port of the policy
 * WSDL (Metro's WSIT runtime reads WS-SecurityPolicy, WS-SC, WS-Trust and WS-Addressing from
 * it), and the plain status endpoint of the lossy reliable-messaging tests ({@link RmLedger}). Plain endpoints on an HTTP port, transport-security ones on an HTTPS port, both on the
 * JDK HTTP server, in one JVM.
 */
public final class PeerServer implements AutoCloseable {
    private final HttpServer http;
    private final HttpsServer https;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "metro-http");
        t.setDaemon(true);
        return t;
    });

    private PeerServer(HttpServer http, HttpsServer https) {
        this.http = http;
        this.https = https;
    }

    /** Starts every case of the catalogue. */
    public static PeerServer start(Catalog catalog, Wsdls wsdls, Path pki, int port, int tlsPort) throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", tlsPort), 64);
        https.setHttpsConfigurator(new HttpsConfigurator(sslContext(pki)));
        PeerServer s = new PeerServer(http, https);
        http.setExecutor(s.pool);
        https.setExecutor(s.pool);
        AtomicReference<String> last = new AtomicReference<>("");
        RmLedger ledger = new RmLedger();
        for (PeerCase pc : catalog.all()) {
            s.publish(pc, wsdls, last, ledger);
        }
        Endpoint status = Endpoint.create(SOAPBinding.SOAP12HTTP_BINDING, new RmStatusService(ledger),
            new FastInfosetFeature(false), new AddressingFeature(true, false));
        status.publish(http.createContext(RmLedger.STATUS_PATH));
        s.endpoints.add(status);
        http.start();
        https.start();
        return s;
    }

    private void publish(PeerCase pc, Wsdls wsdls, AtomicReference<String> last, RmLedger ledger) throws Exception {
        String binding = pc.soap12() ? SOAPBinding.SOAP12HTTP_BINDING : SOAPBinding.SOAP11HTTP_BINDING;
        Endpoint ep = Endpoint.create(binding, new PingServiceImpl(last, ledger), new FastInfosetFeature(false));
        Path wsdl = wsdls.file(pc.wsdl(), Wsdls.Side.SERVER);
        List<Source> metadata = new ArrayList<>();
        StreamSource src = new StreamSource(Files.newInputStream(wsdl), wsdl.toUri().toString());
        metadata.add(src);
        ep.setMetadata(metadata);
        Map<String, Object> props = new HashMap<>();
        props.put(Endpoint.WSDL_SERVICE, pc.service());
        props.put(Endpoint.WSDL_PORT, pc.port());
        ep.setProperties(props);
        ep.publish((pc.tls() ? https : http).createContext(pc.path()));
        endpoints.add(ep);
    }

    private static SSLContext sslContext(Path pki) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.resolve("service.p12"))) {
            ks.load(in, "password".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "password".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** "http://127.0.0.1:P". */
    public String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** "https://127.0.0.1:T". */
    public String tlsUrl() {
        return "https://127.0.0.1:" + https.getAddress().getPort();
    }

    @Override
    public void close() {
        for (Endpoint ep : endpoints) {
            try {
                ep.stop();
            } catch (RuntimeException e) {
                // stopping anyway
            }
        }
        http.stop(0);
        https.stop(0);
        pool.shutdownNow();
    }
}
