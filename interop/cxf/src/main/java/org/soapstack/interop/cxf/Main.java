package org.soapstack.interop.cxf;

import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import org.soapstack.interop.cxf.client.ClientRunner;
import org.soapstack.interop.cxf.server.EndpointSpec;
import org.soapstack.interop.cxf.server.Lifeline;
import org.soapstack.interop.cxf.server.PeerServer;
import org.soapstack.interop.cxf.wire.WireTap;
import org.soapstack.interop.cxf.wssec.Pki;

/** Entry point of soapstack-cxf-peer.jar: "server", "client" or "list". */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    private static final String USAGE = String.join("\n",
        "usage:",
        "  soapstack-cxf-peer server [--port N] [--tls-port N] [--pki DIR] [--trace] [--record DIR] [--plain] [--verbose]",
        "      serves /soap11, /soap12, /wssec10/*, /wssec11/*, /sc200502/* and /sc13/* on 127.0.0.1:N and the HTTPS",
        "      endpoints on 127.0.0.1:TLSPORT (0 = a free port), prints",
        "      'READY http://127.0.0.1:PORT https://127.0.0.1:TLSPORT' and runs until stdin",
        "      closes or SIGTERM",
        "  soapstack-cxf-peer client --base URL [--tls-base URL] --cases LIST [--pki DIR]",
        "                            [--timeout SECONDS] [--streaming] [--trace] [--record DIR] [--plain] [--verbose]",
        "      --streaming runs the secure-conversation cases with CXF's streaming (StAX) WS-Security;",
        "      --ut-clear sends signed supporting UsernameTokens unencrypted (always.encrypted=false)",
        "      LIST is 'all', 'wssec', 'sc', or a comma list of Scenario@version or Scenario (or groups); prints",
        "      one JSON line per case; exit 0 if all passed, 1 otherwise",
        "  soapstack-cxf-peer selftest [--cases LIST] [--pki DIR] [--timeout SECONDS] [--trace] [--record DIR] [--plain] [--verbose]",
        "      starts the server on free ports and runs the cases (default all) against it",
        "  soapstack-cxf-peer list",
        "      prints every known case (Scenario@version), one per line",
        "  --trace copies every SOAP message to stderr; --record DIR writes every message body",
        "  exactly to its own file in DIR; --plain adds every inbound message as WS-Security left",
        "  it (decrypted, *.plain.xml) to both; --pki defaults to $SOAPSTACK_PKI_DIR,",
        "  else interop/pki found from the jar's location");

    private Main() {
    }

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    static int run(String[] argv) {
        if (argv.length == 0) {
            System.err.println(USAGE);
            return EXIT_USAGE;
        }
        try {
            switch (argv[0]) {
                case "server":
                    return server(Args.parse(argv, 1, Set.of("port", "tls-port", "pki", "record"),
                        Set.of("trace", "verbose", "plain")));
                case "client":
                    return client(Args.parse(argv, 1, Set.of("base", "tls-base", "cases", "timeout", "pki", "record"),
                        Set.of("trace", "verbose", "plain", "streaming", "ut-clear")));
                case "selftest":
                    return selftest(Args.parse(argv, 1, Set.of("timeout", "cases", "pki", "record"),
                        Set.of("trace", "verbose", "plain", "streaming", "ut-clear")));
                case "list":
                    ClientRunner.allCaseNames().forEach(System.out::println);
                    return EXIT_OK;
                case "help":
                case "--help":
                case "-h":
                    System.out.println(USAGE);
                    return EXIT_OK;
                default:
                    System.err.println("unknown command " + argv[0] + "\n" + USAGE);
                    return EXIT_USAGE;
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + "\n" + USAGE);
            return EXIT_USAGE;
        }
    }

    private static WireTap tap(Args args) {
        String record = args.get("record", null);
        if (!args.flag("trace") && record == null) {
            return null;
        }
        return new WireTap(args.flag("trace") ? System.err : null,
            record == null ? null : java.nio.file.Path.of(record), args.flag("plain"));
    }

    private static int server(Args args) {
        Logging.configure(args.flag("verbose"), false);
        ServerComplaints.install(System.err);
        int port = (int) args.longValue("port", 0, 0, 65535);
        int tlsPort = (int) args.longValue("tls-port", 0, 0, 65535);
        PeerServer server;
        try {
            Pki pki = Pki.locate(args.get("pki", null));
            server = PeerServer.start(port, tlsPort, EndpointSpec.all(), tap(args), pki);
        } catch (Exception e) {
            System.err.println("error: cannot start server: " + e);
            return EXIT_FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "shutdown"));
        Lifeline.watchStdin(() -> System.exit(EXIT_OK));

        PrintStream out = System.out;
        // the plain HTTP URL stays first: callers that predate HTTPS read only that
        out.println("READY " + server.baseUrl() + " " + server.tlsBaseUrl());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return EXIT_OK;
    }

    private static int selftest(Args args) {
        Logging.configure(args.flag("verbose"), true);
        long timeout = args.longValue("timeout", 30, 1, 3600);
        WireTap tap = tap(args);
        String cases = args.get("cases", "all");
        try {
            Pki pki = Pki.locate(args.get("pki", null));
            try (PeerServer server = PeerServer.start(0, 0, EndpointSpec.all(), tap, pki)) {
                ClientRunner runner = new ClientRunner(server.baseUrl(), server.tlsBaseUrl(), timeout,
                    tap, System.out, () -> pki, args.flag("streaming")).usernameTokenInClear(args.flag("ut-clear"));
                return runner.run(cases) ? EXIT_OK : EXIT_FAILED;
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            System.err.println("error: selftest: " + e);
            return EXIT_FAILED;
        }
    }

    private static int client(Args args) {
        Logging.configure(args.flag("verbose"), true);
        String base = args.require("base");
        String cases = args.require("cases");
        String tlsBase = args.get("tls-base", null);
        long timeout = args.longValue("timeout", 30, 1, 3600);
        String pkiDir = args.get("pki", null);
        ClientRunner runner = new ClientRunner(base, tlsBase, timeout, tap(args), System.out,
            () -> Pki.locate(pkiDir), args.flag("streaming")).usernameTokenInClear(args.flag("ut-clear"));
        return runner.run(cases) ? EXIT_OK : EXIT_FAILED;
    }
}
