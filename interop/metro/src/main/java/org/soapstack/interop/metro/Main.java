package org.soapstack.interop.metro;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * soapstack's Eclipse Metro interop peer.
 *
 * <pre>
 *   server   [--port N] [--tls-port N] [--pki DIR] [--verbose]
 *   client   --base URL [--tls-base URL] [--cases CASES] [--pki DIR] [--timeout S] [--verbose]
 *            [--lossy N --tag T]   (the rm cases run RmLossy: N messages, texts tagged T)
 *   selftest [--cases CASES] [--pki DIR] [--timeout S] [--verbose]
 *   list
 * </pre>
 *
 * stdout carries only the READY line (server) or one JSON line per case (client, selftest);
 * everything Metro prints goes to stderr.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] argv) throws Exception {
        PrintStream out = System.out;
        System.setOut(System.err);
        // TCP_NODELAY on the JDK HTTP server's connections (read once, when its first server is
        // made): without it a response whose headers and body go out in two writes waits for
        // the client's delayed ACK, about 40 ms per exchange on loopback.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        System.exit(run(argv, out));
    }

    static int run(String[] argv, PrintStream out) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: server|client|selftest|list [options]");
            return 2;
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                System.err.println("unexpected argument " + a);
                return 2;
            }
            if (a.equals("--verbose")) {
                opts.put("verbose", "true");
            } else if (i + 1 < argv.length) {
                opts.put(a.substring(2), argv[++i]);
            } else {
                System.err.println(a + " needs a value");
                return 2;
            }
        }
        boolean verbose = opts.containsKey("verbose");
        PeerLog log = PeerLog.install(System.err, verbose);
        // FastInfoset stays off: every endpoint and client port gets FastInfosetFeature(false).
        Catalog catalog = Catalog.load();
        String mode = argv[0];
        if (mode.equals("list")) {
            for (PeerCase pc : catalog.all()) {
                out.println(pc.name());
            }
            return 0;
        }
        Path pki = pkiDir(opts.get("pki"));
        Wsdls wsdls = new Wsdls(pki);
        int timeout = Integer.parseInt(opts.getOrDefault("timeout", "30"));
        switch (mode) {
            case "server" -> {
                PeerServer srv = PeerServer.start(catalog, wsdls, pki, Integer.parseInt(opts.getOrDefault("port", "0")),
                    Integer.parseInt(opts.getOrDefault("tls-port", "0")));
                log.drain();
                out.println("READY " + srv.url() + " " + srv.tlsUrl());
                out.flush();
                CountDownLatch done = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(srv::close));
                watchStdin(done);
                done.await();
                srv.close();
                return 0;
            }
            case "client", "selftest" -> {
                trustTestCA(pki);
                List<PeerCase> cases = catalog.select(opts.getOrDefault("cases", "all"));
                ClientRunner runner = new ClientRunner(wsdls, log, out, timeout);
                if (opts.containsKey("lossy")) {
                    runner.lossy(Integer.parseInt(opts.get("lossy")), opts.getOrDefault("tag", "lossy"));
                }
                if (mode.equals("client")) {
                    String base = opts.get("base");
                    if (base == null) {
                        System.err.println("client needs --base");
                        return 2;
                    }
                    return runner.run(cases, base, opts.get("tls-base")) ? 0 : 1;
                }
                try (PeerServer srv = PeerServer.start(catalog, wsdls, pki, 0, 0)) {
                    log.drain();
                    return runner.run(cases, srv.url(), srv.tlsUrl()) ? 0 : 1;
                }
            }
            default -> {
                System.err.println("unknown mode " + mode);
                return 2;
            }
        }
    }

    /** Stops the server when stdin reaches EOF, unless stdin is /dev/null. */
    private static void watchStdin(CountDownLatch done) {
        try {
            Path fd0 = Path.of("/proc/self/fd/0");
            if (Files.exists(fd0) && Files.readSymbolicLink(fd0).toString().equals("/dev/null")) {
                return;
            }
        } catch (Exception e) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // discard
                }
            } catch (Exception e) {
                // closed
            }
            done.countDown();
        }, "stdin-lifeline");
        t.setDaemon(true);
        t.start();
    }

    private static void trustTestCA(Path pki) {
        System.setProperty("javax.net.ssl.trustStore", pki.resolve("client-truststore.p12").toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "password");
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    }

    private static Path pkiDir(String flag) throws Exception {
        if (flag != null) {
            return Path.of(flag).toAbsolutePath();
        }
        String env = System.getenv("SOAPSTACK_PKI_DIR");
        if (env != null && !env.isEmpty()) {
            return Path.of(env).toAbsolutePath();
        }
        Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (Path d = jar.getParent(); d != null; d = d.getParent()) {
            Path cand = d.resolve("pki");
            if (Files.exists(cand.resolve("service.p12"))) {
                return cand;
            }
            cand = d.resolve("interop").resolve("pki");
            if (Files.exists(cand.resolve("service.p12"))) {
                return cand;
            }
        }
        throw new IllegalStateException("interop/pki not found; use --pki DIR or SOAPSTACK_PKI_DIR");
    }
}
