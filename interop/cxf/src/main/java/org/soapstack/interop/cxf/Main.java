package org.soapstack.interop.cxf;

import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import org.soapstack.interop.cxf.client.ClientRunner;
import org.soapstack.interop.cxf.server.EndpointSpec;
import org.soapstack.interop.cxf.server.Lifeline;
import org.soapstack.interop.cxf.server.PeerServer;
import org.soapstack.interop.cxf.wire.WireTap;

/** Entry point of soapstack-cxf-peer.jar: "server", "client" or "list". */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    private static final String USAGE = String.join("\n",
        "usage:",
        "  soapstack-cxf-peer server [--port N] [--trace] [--verbose]",
        "      serves /soap11 and /soap12 on 127.0.0.1:N (0 = a free port), prints",
        "      'READY http://127.0.0.1:PORT' and runs until stdin closes or SIGTERM",
        "  soapstack-cxf-peer client --base URL --cases LIST [--timeout SECONDS] [--trace] [--verbose]",
        "      LIST is 'all' or a comma list of Scenario@version or Scenario; prints one JSON",
        "      line per case; exit 0 if all passed, 1 otherwise",
        "  soapstack-cxf-peer selftest [--timeout SECONDS] [--trace] [--verbose]",
        "      starts the server on a free port and runs every case against it",
        "  soapstack-cxf-peer list",
        "      prints every known case (Scenario@version), one per line",
        "  --trace copies every SOAP message to stderr");

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
                    return server(Args.parse(argv, 1, Set.of("port"), Set.of("trace", "verbose")));
                case "client":
                    return client(Args.parse(argv, 1, Set.of("base", "cases", "timeout"),
                        Set.of("trace", "verbose")));
                case "selftest":
                    return selftest(Args.parse(argv, 1, Set.of("timeout"), Set.of("trace", "verbose")));
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
        return args.flag("trace") ? new WireTap(System.err) : null;
    }

    private static int server(Args args) {
        Logging.configure(args.flag("verbose"), false);
        int port = (int) args.longValue("port", 0, 0, 65535);
        PeerServer server;
        try {
            server = PeerServer.start(port, EndpointSpec.FOUNDATION, tap(args));
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
        out.println("READY " + server.baseUrl());
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
        try (PeerServer server = PeerServer.start(0, EndpointSpec.FOUNDATION, tap)) {
            ClientRunner runner = new ClientRunner(server.baseUrl(), timeout, tap, System.out);
            return runner.run("all") ? EXIT_OK : EXIT_FAILED;
        } catch (Exception e) {
            System.err.println("error: selftest: " + e);
            return EXIT_FAILED;
        }
    }

    private static int client(Args args) {
        Logging.configure(args.flag("verbose"), true);
        String base = args.require("base");
        String cases = args.require("cases");
        long timeout = args.longValue("timeout", 30, 1, 3600);
        ClientRunner runner = new ClientRunner(base, timeout, tap(args), System.out);
        return runner.run(cases) ? EXIT_OK : EXIT_FAILED;
    }
}
