package org.soapstack.interop.metro;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.xml.parsers.DocumentBuilderFactory;

import com.sun.xml.ws.dump.MessageDumpingFeature;
import com.sun.xml.ws.rx.rm.api.ReliableMessagingFeature;
import com.sun.xml.ws.rx.rm.api.ReliableMessagingFeatureBuilder;
import com.sun.xml.ws.rx.rm.api.RmProtocolVersion;

import jakarta.xml.ws.WebServiceFeature;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import org.soapstack.interop.metro.contract.IPingService;
import org.soapstack.interop.metro.contract.PingContract;

/**
 * The exchange of a reliable-messaging case and its wire check. The sequential exchange is two
 * sessions (two ports): a one-way session (no Offer: Metro's {@code
 * disableOfferElementGeneration}) with two notifies, then a request-reply session as in the
 * captures (/work/shared/vectors/metro/rm*): echo of "last-notify" (returns the one-way
 * session's last text: it was delivered), echo, one-way notify, echo of "last-notify". Closing
 * a port makes Metro close and terminate its sequences (and cancel the secure session under
 * them). A "-Concurrent" case sends {@link Catalog#RM_CONCURRENT} echoes at once on one port.
 *
 * <p>The wire check reads the messages Metro's dumping tube saw (every attempt, so a
 * retransmission shows): exactly one CreateSequence and its response, the application
 * requests numbered 1..n on one sequence, each sent once (in order when sequential), the
 * replies numbered 1..m on the offered sequence, each once, then the close (RM 1.1:
 * CloseSequence and its response; RM 1.0: a LastMessage) and one TerminateSequence with its
 * answer.
 */
final class RmExchange {
    static final String RM10_NS = "http://schemas.xmlsoap.org/ws/2005/02/rm";
    static final String RM11_NS = "http://docs.oasis-open.org/ws-rx/wsrm/200702";
    private static final String WSA10_NS = "http://www.w3.org/2005/08/addressing";

    /** Opens a port of the case with its messages dumped to dump, plus extra features. */
    interface Ports {
        IPingService open(MessageDumpingFeature dump, WebServiceFeature... extra) throws Exception;
    }

    /** What one session does on its port; returns "" or what went wrong. */
    private interface Exchange {
        String run(IPingService port) throws Exception;
    }

    private final PeerCase pc;
    private final SecureRandom random;
    private final int timeoutSeconds;
    private final Ports ports;

    RmExchange(PeerCase pc, SecureRandom random, int timeoutSeconds, Ports ports) {
        this.pc = pc;
        this.random = random;
        this.timeoutSeconds = timeoutSeconds;
        this.ports = ports;
    }

    /** Runs the case; returns "" or why it failed. */
    String run() throws Exception {
        if (pc.concurrent() > 0) {
            Session all = new Session(false, pc.concurrent(), pc.concurrent());
            String reason = all.exchange(this::concurrent);
            return reason.isEmpty() ? all.closeAndCheck() : reason;
        }
        String[] oneWay = {text(1), text(2)};
        Session ow = new Session(true, oneWay.length, 0);
        String reason = ow.exchange(port -> {
            for (String t : oneWay) {
                port.notifyMessage(t);
            }
            return "";
        });
        if (!reason.isEmpty()) {
            return "one-way session: " + reason;
        }
        // Its messages are delivered and acknowledged; closing the port takes Metro 1-3 s
        // (see Wsdls.rmClientAssertion), so it closes while the next session runs.
        ExecutorService closer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metro-rm-close");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<String> owClosed = closer.submit(ow::closeAndCheck);
            String t3 = text(3);
            String t4 = text(4);
            Session rr = new Session(false, 4, 3);
            reason = rr.exchange(port -> {
                String got = port.echo(PingContract.LAST_NOTIFY);
                if (!oneWay[1].equals(got)) {
                    return "the one-way session's last notify was not delivered: last-notify returned \"" + got
                        + "\", want \"" + oneWay[1] + "\"";
                }
                got = port.echo(t3);
                if (!t3.equals(got)) {
                    return "echo returned \"" + got + "\", want \"" + t3 + "\"";
                }
                port.notifyMessage(t4);
                got = port.echo(PingContract.LAST_NOTIFY);
                if (!t4.equals(got)) {
                    return "the one-way notify was not delivered before the next echo: last-notify returned \"" + got
                        + "\", want \"" + t4 + "\"";
                }
                return "";
            });
            if (reason.isEmpty()) {
                reason = rr.closeAndCheck();
            }
            String owReason = owClosed.get(3L * timeoutSeconds, TimeUnit.SECONDS);
            return ClientRunner.join(owReason.isEmpty() ? "" : "one-way session: " + owReason,
                reason.isEmpty() ? "" : "request-reply session: " + reason);
        } finally {
            closer.shutdownNow();
        }
    }

    /** One session: a new port (one-way: no Offer) and what its wire must show. */
    private final class Session {
        private final MessageDumpingFeature dump = ClientRunner.dumping();
        private final IPingService port;
        private final int requests;
        private final int replies;
        private final List<String> wire = new ArrayList<>();

        /** requests: application messages on the client's sequence, replies: on the offered one. */
        Session(boolean oneWay, int requests, int replies) throws Exception {
            this.port = oneWay ? ports.open(dump, oneWayFeature()) : ports.open(dump);
            this.requests = requests;
            this.replies = replies;
        }

        /**
         * Runs exchange on the port. On failure the port is closed anyway (so no retransmission
         * of this case reaches the next one, and what Metro logs meanwhile counts for this
         * case) and the wire so far drained (for the trace).
         */
        String exchange(Exchange exchange) throws Exception {
            String reason;
            try {
                reason = exchange.run(port);
            } catch (Exception e) {
                abandon();
                throw e;
            }
            if (!reason.isEmpty()) {
                abandon();
            }
            return reason;
        }

        private void abandon() {
            try {
                ((Closeable) port).close();
            } catch (Exception e) {
                // the case fails already
            } finally {
                ClientRunner.drain(pc, dump, wire);
            }
        }

        /** Closes the port and checks the session's wire. */
        String closeAndCheck() throws Exception {
            try {
                close(port);
            } finally {
                ClientRunner.drain(pc, dump, wire);
            }
            return ClientRunner.join(check(pc, wire, requests, replies), ClientRunner.checkWire(pc, wire));
        }
    }

    /**
     * The RM feature of a one-way session: the policy's, without the Offer. A feature given to
     * getPort replaces the one Metro derives from the WSDL's policy, so it repeats what the
     * policy says that matters to a client (version, close timeout, SequenceSTR).
     */
    private WebServiceFeature oneWayFeature() {
        boolean rm11 = "rm11".equals(pc.rm());
        ReliableMessagingFeatureBuilder b = new ReliableMessagingFeatureBuilder(
            rm11 ? RmProtocolVersion.WSRM200702 : RmProtocolVersion.WSRM200502)
            .disableOfferElementGeneration()
            .closeSequenceOperationTimeout(Wsdls.RM_CLOSE_TIMEOUT_MS);
        if (rm11 && pc.session()) {
            b.securityBinding(ReliableMessagingFeature.SecurityBinding.STR);
        }
        return b.build();
    }

    /** Closes the port (close and terminate the sequences, cancel the session) and says how long it took. */
    private void close(IPingService port) throws Exception {
        long start = System.nanoTime();
        ((Closeable) port).close();
        System.err.printf("RMCLOSE %s: closing the port took %.1f s%n", pc.name(), (System.nanoTime() - start) / 1e9);
    }

    private String concurrent(IPingService port) throws Exception {
        int n = pc.concurrent();
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "metro-rm-call");
            t.setDaemon(true);
            return t;
        });
        try {
            List<String> texts = new ArrayList<>();
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                String t = text(i);
                texts.add(t);
                calls.add(pool.submit(() -> port.echo(t)));
            }
            for (int i = 0; i < n; i++) {
                String got = calls.get(i).get(timeoutSeconds, TimeUnit.SECONDS);
                if (!texts.get(i).equals(got)) {
                    return "concurrent echo " + (i + 1) + " returned \"" + got + "\", want \"" + texts.get(i) + "\"";
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return "";
    }

    private String text(int i) {
        return "reliable " + i + " from Metro " + HexFormat.of().formatHex(random.generateSeed(4)) + " <&> \u00e9\u4e2d";
    }

    /** One dumped message: direction, wsa:Action, the wsrm:Sequence header (if any). */
    record Msg(boolean request, String action, String seq, long number, boolean last) {
    }

    /** Parses the dumped messages ("Request message received in Tube ...:\n<xml>"). */
    static List<Msg> parse(List<String> wire, String rmNs) throws Exception {
        List<Msg> out = new ArrayList<>();
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        for (String m : wire) {
            boolean request = m.startsWith("Request");
            int at = m.indexOf('<');
            if (at < 0) {
                out.add(new Msg(request, "", null, 0, false)); // an empty response (one-way)
                continue;
            }
            Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(m.substring(at).getBytes(StandardCharsets.UTF_8)));
            Element header = child(doc.getDocumentElement(), null, "Header");
            String action = "";
            String seq = null;
            long number = 0;
            boolean last = false;
            if (header != null) {
                Element a = child(header, WSA10_NS, "Action");
                if (a != null) {
                    action = a.getTextContent().trim();
                }
                Element s = child(header, rmNs, "Sequence");
                if (s != null) {
                    Element id = child(s, rmNs, "Identifier");
                    Element num = child(s, rmNs, "MessageNumber");
                    seq = id == null ? "" : id.getTextContent().trim();
                    number = num == null ? -1 : Long.parseLong(num.getTextContent().trim());
                    last = child(s, rmNs, "LastMessage") != null;
                }
            }
            out.add(new Msg(request, action, seq, number, last));
        }
        return out;
    }

    private static Element child(Element parent, String ns, String local) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element el && local.equals(el.getLocalName()) && (ns == null || ns.equals(el.getNamespaceURI()))) {
                return el;
            }
        }
        return null;
    }

    /**
     * Checks the RM messages of one case: requests = the application requests the exchange
     * sent (numbered on the client's sequence), replies = those with a reply (numbered on the
     * offered sequence).
     */
    static String check(PeerCase pc, List<String> wire, int requests, int replies) {
        boolean rm11 = "rm11".equals(pc.rm());
        String ns = rm11 ? RM11_NS : RM10_NS;
        List<Msg> msgs;
        try {
            msgs = parse(wire, ns);
        } catch (Exception e) {
            return "cannot parse a dumped message: " + ClientRunner.describe(e);
        }
        List<String> problems = new ArrayList<>();
        expect(problems, msgs, true, ns + "/CreateSequence", 1);
        expect(problems, msgs, false, ns + "/CreateSequenceResponse", 1);
        expect(problems, msgs, true, ns + "/TerminateSequence", 1);
        if (rm11) {
            expect(problems, msgs, true, ns + "/CloseSequence", 1);
            expect(problems, msgs, false, ns + "/CloseSequenceResponse", 1);
            expect(problems, msgs, false, ns + "/TerminateSequenceResponse", 1);
        } else {
            expect(problems, msgs, true, ns + "/LastMessage", 1);
            if (replies > 0) {
                // Metro's RM 1.0 destination answers TerminateSequence with its own
                // TerminateSequence of the offered sequence
                expect(problems, msgs, false, ns + "/TerminateSequence", 1);
            }
        }
        numbers(problems, "requests", msgs, true, requests, pc.concurrent() == 0);
        numbers(problems, "replies", msgs, false, replies, pc.concurrent() == 0);
        return String.join("; ", problems);
    }

    private static void expect(List<String> problems, List<Msg> msgs, boolean request, String action, int want) {
        int n = 0;
        for (Msg m : msgs) {
            if (m.request() == request && m.action().equals(action)) {
                n++;
            }
        }
        if (n != want) {
            problems.add("want " + want + " " + action.substring(action.lastIndexOf('/') + 1)
                + (request ? "" : " answer") + ", saw " + n);
        }
    }

    /** The application messages of one direction (what: a plural noun): numbers 1..want on one sequence, each once. */
    private static void numbers(List<String> problems, String what, List<Msg> msgs, boolean request, int want,
            boolean ordered) {
        Map<Long, Integer> seen = new TreeMap<>();
        List<Long> order = new ArrayList<>();
        String seq = null;
        for (Msg m : msgs) {
            if (m.request() != request || m.seq() == null || m.last() || m.action().startsWith(RM10_NS)
                    || m.action().startsWith(RM11_NS)) {
                continue;
            }
            if (seq == null) {
                seq = m.seq();
            } else if (!seq.equals(m.seq())) {
                problems.add(what + " on two sequences: " + seq + " and " + m.seq());
                return;
            }
            seen.merge(m.number(), 1, Integer::sum);
            order.add(m.number());
        }
        List<String> bad = new ArrayList<>();
        for (long i = 1; i <= want; i++) {
            int c = seen.getOrDefault(i, 0);
            if (c != 1) {
                bad.add("#" + i + " ×" + c);
            }
        }
        if (seen.size() != want) {
            bad.add("numbers " + seen.keySet());
        }
        if (!bad.isEmpty()) {
            problems.add("want " + what + " #1..#" + want + " once each, saw " + String.join(", ", bad));
            return;
        }
        if (ordered) {
            for (int i = 0; i < order.size(); i++) {
                if (order.get(i) != i + 1) {
                    problems.add(what + " out of order: " + order);
                    return;
                }
            }
        }
    }
}
