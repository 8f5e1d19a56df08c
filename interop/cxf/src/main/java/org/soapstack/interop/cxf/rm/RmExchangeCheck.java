package org.soapstack.interop.cxf.rm;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.cxf.ws.addressing.Names;
import org.apache.cxf.ws.addressing.VersionTransformer.Names200408;

/**
 * Checks one reliable session as one side saw it on the wire ({@link RmWireLog}): the
 * sequence was created by one CreateSequence (with an Offer iff request-reply, AcksTo the
 * anonymous URI), the application messages carried numbers 1..n in order (retransmissions
 * allowed), the destination acknowledged exactly 1..n, the sequence was closed (WS-RM 1.0:
 * LastMessage, as a Sequence child or a standalone LastMessage message; 1.1: CloseSequence
 * and its response) and terminated (1.1: with its response), in that order; every message of
 * the session is in the scenario's WS-RM and WS-Addressing namespaces; no fault. The same
 * checks run on the client's log (the source sends) and on the server's (the source's
 * messages come in).
 */
public final class RmExchangeCheck {
    private final RmScenario scenario;
    private final RmVersion version;
    private final boolean clientSide;
    private final int count;

    /**
     * @param clientSide the log is the client's (the sequence source sends "out")
     * @param count      application messages the client sent
     */
    public RmExchangeCheck(RmScenario scenario, RmVersion version, boolean clientSide, int count) {
        this.scenario = scenario;
        this.version = version;
        this.clientSide = clientSide;
        this.count = count;
    }

    /** The sequence the source's first CreateSequenceResponse named, or null. */
    public static String sequenceOf(List<RmWireMessage> log, boolean clientSide) {
        String dir = clientSide ? "in" : "out";
        for (RmWireMessage m : log) {
            if (m.direction().equals(dir) && m.is(RmNames.CREATE_SEQUENCE_RESPONSE)) {
                return m.bodyIdentifier();
            }
        }
        return null;
    }

    /** The problems found with sequence {@code id} in {@code log}; empty if it is all right. */
    public List<String> problems(RmWireLog log, String id) {
        List<String> p = new ArrayList<>();
        if (id == null) {
            p.add("no CreateSequenceResponse seen");
            return p;
        }
        String srcDir = clientSide ? "out" : "in";
        String dstDir = clientSide ? "in" : "out";
        List<RmWireMessage> about = log.about(id);
        // the CreateSequence is the request of the exchange whose response named the sequence
        RmWireMessage csr = null;
        for (RmWireMessage m : about) {
            if (m.direction().equals(dstDir) && m.is(RmNames.CREATE_SEQUENCE_RESPONSE)) {
                csr = m;
                break;
            }
        }
        List<RmWireMessage> session = new ArrayList<>();
        RmWireMessage cs = null;
        if (csr == null) {
            p.add("no CreateSequenceResponse for " + id);
        } else {
            for (RmWireMessage m : log.exchange(csr)) {
                if (m.direction().equals(srcDir) && m.is(RmNames.CREATE_SEQUENCE)) {
                    cs = m;
                }
            }
            if (cs == null) {
                p.add("no CreateSequence in the exchange of the CreateSequenceResponse");
            } else {
                session.add(cs);
                checkAction(p, cs, RmNames.CREATE_SEQUENCE);
                if (cs.offer() == version.oneWay()) {
                    p.add("CreateSequence " + (cs.offer() ? "offered" : "did not offer")
                        + " a reply sequence in a " + version.id() + " session");
                }
                String anon = scenario.wsaNamespace().equals(Names.WSA_NAMESPACE_NAME)
                    ? Names.WSA_ANONYMOUS_ADDRESS : Names200408.WSA_ANONYMOUS_ADDRESS;
                if (!anon.equals(cs.acksTo())) {
                    p.add("CreateSequence AcksTo " + cs.acksTo() + ", want " + anon);
                }
            }
            checkAction(p, csr, RmNames.CREATE_SEQUENCE_RESPONSE);
        }
        session.addAll(about);

        // application messages: numbers 1..n in order of first sending
        Set<Long> numbers = new LinkedHashSet<>();
        int sends = 0;
        boolean lastFlag = false;
        int firstApp = -1;
        int lastApp = -1;
        for (int i = 0; i < about.size(); i++) {
            RmWireMessage m = about.get(i);
            if (m.direction().equals(srcDir) && m.sequence() != null && id.equals(m.sequence().identifier())
                && m.application()) {
                sends++;
                numbers.add(m.sequence().number());
                lastFlag |= m.sequence().lastMessage();
                firstApp = firstApp < 0 ? i : firstApp;
                lastApp = i;
            }
        }
        List<Long> want = new ArrayList<>();
        for (long n = 1; n <= count; n++) {
            want.add(n);
        }
        if (!new ArrayList<>(numbers).equals(want)) {
            p.add("application message numbers " + numbers + ", want " + want);
        }
        if (sends > numbers.size()) {
            // allowed (a retransmission), but worth seeing in the report
            p.add("note: " + (sends - numbers.size()) + " retransmission(s)");
        }
        if (!version.oneWay()) {
            checkReplies(p, log, cs);
        }

        // A standalone WS-RM 1.0 LastMessage (WCF's way to close) takes the number after the
        // last application message; CXF marks the last application message instead.
        long lastNumber = count;
        for (RmWireMessage m : about) {
            if (m.direction().equals(srcDir) && m.is(RmNames.LAST_MESSAGE) && m.sequence() != null) {
                lastNumber = m.sequence().number();
                if (lastNumber != count + 1) {
                    p.add("the LastMessage message has number " + lastNumber + ", want " + (count + 1));
                }
            }
        }

        // acknowledgements of the sequence by its destination
        String lastAck = null;
        for (RmWireMessage m : about) {
            if (m.direction().equals(dstDir)) {
                for (RmWireMessage.Ack a : m.acks()) {
                    if (id.equals(a.identifier())) {
                        lastAck = String.join(",", a.ranges());
                    }
                }
            }
        }
        if (!("1-" + lastNumber).equals(lastAck)) {
            p.add("last SequenceAcknowledgement of the sequence " + (lastAck == null ? "missing" : lastAck)
                + ", want 1-" + lastNumber);
        }

        // close and terminate
        int close = -1;
        if (scenario.rm11()) {
            close = index(about, srcDir, RmNames.CLOSE_SEQUENCE);
            if (close < 0) {
                p.add("no CloseSequence");
            } else if (index(about, dstDir, RmNames.CLOSE_SEQUENCE_RESPONSE) < 0) {
                p.add("no CloseSequenceResponse");
            }
        } else {
            close = index(about, srcDir, RmNames.LAST_MESSAGE);
            if (close < 0 && lastFlag) {
                close = lastApp;
            }
            if (close < 0) {
                p.add("no LastMessage (neither a Sequence/LastMessage nor a LastMessage message)");
            }
        }
        int term = index(about, srcDir, RmNames.TERMINATE_SEQUENCE);
        if (term < 0) {
            p.add("no TerminateSequence");
        } else if (scenario.rm11() && index(about, dstDir, RmNames.TERMINATE_SEQUENCE_RESPONSE) < 0) {
            p.add("no TerminateSequenceResponse");
        }
        if (firstApp >= 0 && close >= 0 && close < firstApp || close >= 0 && term >= 0 && term < close) {
            p.add("out of order: the close or terminate came before the messages it ends");
        }

        // versions and faults
        for (RmWireMessage m : session) {
            if (m.parseError() != null) {
                p.add("unparsable message: " + m.parseError());
                continue;
            }
            if (m.wsaNamespace() != null && !scenario.wsaNamespace().equals(m.wsaNamespace())) {
                p.add(m.direction() + " " + m.body() + " in WS-Addressing " + m.wsaNamespace());
            }
            if (m.rmNamespace() != null && !scenario.rmNamespace().equals(m.rmNamespace())) {
                p.add(m.direction() + " " + m.body() + " in WS-RM " + m.rmNamespace());
            }
            if (m.fault()) {
                p.add(m.direction() + " fault: " + m.text());
            }
        }
        for (RmWireMessage m : log.messages()) {
            if (m.fault() && !session.contains(m)) {
                p.add(m.direction() + " fault: " + m.text());
            }
        }
        return p;
    }

    /** Problems that fail the case (the "note:" entries only inform). */
    public static List<String> failures(List<String> problems) {
        return problems.stream().filter(s -> !s.startsWith("note:")).toList();
    }

    /** Request-reply: the replies run on the offered sequence, numbered 1..n. */
    private void checkReplies(List<String> p, RmWireLog log, RmWireMessage cs) {
        String dstDir = clientSide ? "in" : "out";
        Set<Long> numbers = new LinkedHashSet<>();
        String offered = cs == null ? null : cs.bodyIdentifier();
        for (RmWireMessage m : log.messages()) {
            if (m.direction().equals(dstDir) && m.application() && m.sequence() != null
                && (cs == null || m.path().equals(cs.path()))) {
                if (offered == null) {
                    offered = m.sequence().identifier();
                }
                if (offered.equals(m.sequence().identifier())) {
                    numbers.add(m.sequence().number());
                }
            }
        }
        if (offered == null) {
            p.add("the replies carried no Sequence header (offered sequence unused)");
            return;
        }
        List<Long> want = new ArrayList<>();
        for (long n = 1; n <= count; n++) {
            want.add(n);
        }
        if (!new ArrayList<>(numbers).equals(want)) {
            p.add("reply numbers " + numbers + " on the offered sequence, want " + want);
        }
    }

    private void checkAction(List<String> p, RmWireMessage m, String message) {
        String want = scenario.action(message);
        if (!want.equals(m.action())) {
            p.add(m.direction() + " " + message + " has wsa:Action " + m.action() + ", want " + want);
        }
    }

    private static int index(List<RmWireMessage> msgs, String dir, String body) {
        for (int i = 0; i < msgs.size(); i++) {
            if (msgs.get(i).direction().equals(dir) && msgs.get(i).is(body)) {
                return i;
            }
        }
        return -1;
    }
}
