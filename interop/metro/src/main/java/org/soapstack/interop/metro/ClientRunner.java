package org.soapstack.interop.metro;

import java.io.Closeable;
import java.io.PrintStream;
import java.net.URL;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;

import com.sun.xml.ws.api.fastinfoset.FastInfosetFeature;
import com.sun.xml.ws.dump.MessageDumpingFeature;

import jakarta.xml.ws.BindingProvider;
import jakarta.xml.ws.Service;
import jakarta.xml.ws.WebServiceFeature;

import org.soapstack.interop.metro.contract.IPingService;

/**
 * Runs cases with a Metro client configured from the scenario's policy WSDL and prints one
 * JSON line per case. A case passes only if every check held and Metro itself logged no
 * warning or error while it ran (Metro logs, and does not throw, some protocol failures,
 * e.g. a Cancel that failed when the port closed).
 */
public final class ClientRunner {
    /** WS-Trust actions as they appear on the wire (both versions). */
    private static final String[] RST_SCT = {
        "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT\"", "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT<",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT\"", "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT<"};
    private static final String[] RSTR_SCT = {
        "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT<", "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT<",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal<"};
    private static final String[] RST_CANCEL = {
        "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT/Cancel<", "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT/Cancel<"};
    private static final String[] RSTR_CANCEL = {
        "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT/Cancel<", "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT/Cancel<"};

    /** SOAPSTACK_METRO_TRACE=1: copy every wire message of the client to stderr. */
    private static final boolean TRACE = "1".equals(System.getenv("SOAPSTACK_METRO_TRACE"));

    private final Wsdls wsdls;
    private final PeerLog log;
    private final PrintStream out;
    private final int timeoutSeconds;
    private int lossy;
    private String lossyTag = "";
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService exec = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metro-case");
        t.setDaemon(true);
        return t;
    });

    public ClientRunner(Wsdls wsdls, PeerLog log, PrintStream out, int timeoutSeconds) {
        this.wsdls = wsdls;
        this.log = log;
        this.out = out;
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * Makes the reliable-messaging cases run the lossy exchange ({@link RmLossy}) with n
     * messages, their texts tagged tag, instead of the wire-checked one.
     */
    void lossy(int n, String tag) {
        this.lossy = n;
        this.lossyTag = tag;
    }

    /** Runs the cases in order; returns true if all passed. */
    public boolean run(List<PeerCase> cases, String base, String tlsBase) {
        boolean all = true;
        for (PeerCase pc : cases) {
            log.drain();
            String reason;
            long start = System.nanoTime();
            try {
                Future<String> f = exec.submit(() -> runCase(pc, base, tlsBase));
                reason = f.get(3L * timeoutSeconds + 5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                reason = "the case did not finish in " + (3 * timeoutSeconds + 5) + " s";
            } catch (ExecutionException e) {
                reason = describe(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reason = "interrupted";
            }
            List<String> complaints = log.drain();
            if (reason.isEmpty() && !complaints.isEmpty()) {
                reason = "Metro logged: " + String.join(" | ", complaints);
            }
            all &= reason.isEmpty();
            System.err.printf("CASE %s %s in %.1f s%n", pc.name(), reason.isEmpty() ? "passed" : "failed",
                (System.nanoTime() - start) / 1e9);
            out.println(json(pc, reason));
            out.flush();
        }
        return all;
    }

    private String runCase(PeerCase pc, String base, String tlsBase) throws Exception {
        if (pc.wsdl() == null) {
            return "unknown case " + pc.name();
        }
        String address;
        if (pc.tls()) {
            if (tlsBase == null || tlsBase.isEmpty()) {
                return "this case needs --tls-base";
            }
            address = tlsBase + pc.path();
        } else {
            address = base + pc.path();
        }
        URL wsdl = wsdls.file(pc.wsdl(), Wsdls.Side.CLIENT).toUri().toURL();
        Service svc = Service.create(wsdl, pc.service());
        if (pc.rm() != null && lossy > 0) {
            return new RmLossy(pc, (dump, extra) -> port(svc, pc, address, dump, extra), lossy, lossyTag).run();
        }
        if (pc.rm() != null) {
            return new RmExchange(pc, random, timeoutSeconds, (dump, extra) -> port(svc, pc, address, dump, extra)).run();
        }
        MessageDumpingFeature dump = dumping();
        IPingService port = port(svc, pc, address, dump);
        int calls = pc.session() ? 2 : 1;
        List<String> wire = new ArrayList<>();
        try {
            for (int i = 1; i <= calls; i++) {
                String text = "hello from Metro " + HexFormat.of().formatHex(random.generateSeed(6)) + " <&> \u00e9\u4e2d";
                String got = port.echo(text);
                if (!text.equals(got)) {
                    return "echo " + i + " returned \"" + got + "\", want \"" + text + "\"";
                }
            }
            // Closing the port ends the session: Metro cancels every SCT it holds there
            // (SecurityClientTube.preDestroy), whatever the policy says; Metro 4 ignores
            // mssp:MustNotSendCancel (SP0100). So only a scenario that cancels closes the
            // port; the others leave it open (the JVM is short-lived).
            if (pc.cancel() || !pc.session()) {
                ((Closeable) port).close();
            }
        } finally {
            drain(pc, dump, wire);
        }
        return checkWire(pc, wire);
    }

    /** A message dumping feature whose messages {@link #drain} collects. */
    static MessageDumpingFeature dumping() {
        return new MessageDumpingFeature("org.soapstack.interop.metro.wire", Level.FINEST, true);
    }

    /** A port of the case at address (FastInfoset off, messages dumped to dump, timeouts set). */
    private IPingService port(Service svc, PeerCase pc, String address, MessageDumpingFeature dump,
            WebServiceFeature... extra) {
        List<WebServiceFeature> features = new ArrayList<>(List.of(new FastInfosetFeature(false), dump));
        features.addAll(List.of(extra));
        IPingService port = svc.getPort(pc.port(), IPingService.class, features.toArray(new WebServiceFeature[0]));
        Map<String, Object> rc = ((BindingProvider) port).getRequestContext();
        rc.put(BindingProvider.ENDPOINT_ADDRESS_PROPERTY, address);
        rc.put("com.sun.xml.ws.connect.timeout", timeoutSeconds * 1000);
        rc.put("com.sun.xml.ws.request.timeout", timeoutSeconds * 1000);
        return port;
    }

    static void drain(PeerCase pc, MessageDumpingFeature dump, List<String> wire) {
        for (String m; (m = dump.nextMessage()) != null; ) {
            wire.add(m);
            if (TRACE) {
                System.err.println("TRACE " + pc.name() + "\n" + m);
            }
        }
    }

    static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "; " + b;
    }

    /** Session bookkeeping on the wire: one RST/SCT + RSTR, and Cancel iff the scenario cancels. */
    static String checkWire(PeerCase pc, List<String> wire) {
        if (!pc.session()) {
            return "";
        }
        int rst = count(wire, RST_SCT);
        int rstr = count(wire, RSTR_SCT);
        int cancel = count(wire, RST_CANCEL);
        int cancelled = count(wire, RSTR_CANCEL);
        List<String> problems = new ArrayList<>();
        if (rst != 1 || rstr != 1) {
            problems.add("want one RST/SCT and one RSTR on the wire, saw " + rst + " and " + rstr);
        }
        if (pc.cancel() && (cancel != 1 || cancelled != 1)) {
            problems.add("the scenario cancels: want one Cancel and one RSTR/Cancel, saw " + cancel + " and " + cancelled);
        }
        if (!pc.cancel() && cancel != 0) {
            problems.add("the scenario does not cancel" + (pc.mustNotCancel() ? " (MustNotSendCancel)" : "")
                + ", but Metro sent " + cancel + " Cancel");
        }
        return String.join("; ", problems);
    }

    private static int count(List<String> wire, String[] needles) {
        int n = 0;
        for (String m : wire) {
            for (String s : needles) {
                if (m.contains(s)) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    static String describe(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (b.length() > 0) {
                b.append(": ");
            }
            String msg = c.getMessage();
            b.append(c.getClass().getSimpleName());
            if (msg != null) {
                b.append(" ").append(msg.replaceAll("\\s+", " ").trim());
            }
            if (c.getCause() == c) {
                break;
            }
        }
        String s = b.toString();
        return s.length() > 1500 ? s.substring(0, 1500) + "..." : s;
    }

    static String json(PeerCase pc, String reason) {
        return "{\"scenario\":" + quote(pc.scenario()) + ",\"version\":" + quote(pc.version())
            + ",\"pass\":" + reason.isEmpty() + ",\"reason\":" + quote(reason) + "}";
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
