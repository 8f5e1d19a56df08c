package org.soapstack.interop.cxf.rm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.cxf.message.Message;
import org.apache.cxf.phase.PhaseInterceptorChain;
import org.apache.cxf.ws.rm.RMContextUtils;
import org.apache.cxf.ws.rm.RMProperties;

/**
 * The server's record of what its reliable endpoints delivered to the application. The
 * texts of rm cases are {@code "rm <tag> <i>/<n>"}; for each tag the ledger keeps, in
 * delivery order, the index, the endpoint and the WS-RM sequence and message number the
 * message arrived with. {@link #verdict} judges a tag: each of 1..n delivered exactly once,
 * in order, on one sequence, message number = index, plus the wire checks of
 * {@link RmExchangeCheck} on the server's {@link RmWireLog} for that sequence. The status
 * endpoint ({@link RmScenario#STATUS_PATH}) answers echo(tag) with the verdict.
 */
public final class RmLedger {
    private static final Pattern TEXT = Pattern.compile("^rm (\\S+) (\\d+)/(\\d+)$");

    private record Delivery(RmScenario scenario, boolean oneWay, int index, int count, String sequence,
                            long number) {
    }

    private final Map<String, List<Delivery>> byTag = new HashMap<>();
    private final RmWireLog wire;

    public RmLedger(RmWireLog wire) {
        this.wire = wire;
    }

    public RmWireLog wire() {
        return wire;
    }

    /** The text of application message {@code i} of {@code n} of a case. */
    public static String text(String tag, int i, int n) {
        return "rm " + tag + " " + i + "/" + n;
    }

    /** Called by the service for every echo/notify on an rm endpoint (in the chain's thread). */
    public void delivered(String text, boolean oneWay) {
        Matcher m = TEXT.matcher(text == null ? "" : text);
        if (!m.matches()) {
            return;
        }
        Message msg = PhaseInterceptorChain.getCurrentMessage();
        String seq = null;
        long number = -1;
        RmScenario scenario = null;
        if (msg != null) {
            RMProperties rmps = RMContextUtils.retrieveRMProperties(msg, false);
            if (rmps != null && rmps.getSequence() != null) {
                seq = rmps.getSequence().getIdentifier().getValue();
                number = rmps.getSequence().getMessageNumber();
            }
            Object uri = msg.get(Message.REQUEST_URI);
            scenario = RmScenario.byPath(uri == null ? null : uri.toString()).orElse(null);
        }
        Delivery d = new Delivery(scenario, oneWay, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
            seq, number);
        synchronized (this) {
            byTag.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(d);
        }
    }

    /** "ok: ..." if the tag's session is all right, else "fail: reasons". */
    public String verdict(String tag) {
        List<Delivery> ds;
        synchronized (this) {
            ds = List.copyOf(byTag.getOrDefault(tag, List.of()));
        }
        if (ds.isEmpty()) {
            return "fail: nothing delivered for tag " + tag;
        }
        List<String> p = new ArrayList<>();
        Delivery first = ds.get(0);
        List<Integer> got = new ArrayList<>();
        for (Delivery d : ds) {
            got.add(d.index());
            if (d.sequence() == null) {
                p.add("message " + d.index() + " was delivered without a WS-RM sequence");
            } else if (!d.sequence().equals(first.sequence())) {
                p.add("message " + d.index() + " came on another sequence");
            }
            if (d.number() != d.index()) {
                p.add("message " + d.index() + " had message number " + d.number());
            }
        }
        List<Integer> want = new ArrayList<>();
        for (int i = 1; i <= first.count(); i++) {
            want.add(i);
        }
        if (!got.equals(want)) {
            p.add("delivered " + got + ", want " + want + " (each once, in order)");
        }
        if (first.scenario() == null) {
            p.add("delivered on an endpoint that is no rm scenario");
        } else if (first.sequence() != null) {
            RmVersion v = first.oneWay() ? RmVersion.ONE_WAY : RmVersion.REQUEST_REPLY;
            p.addAll(new RmExchangeCheck(first.scenario(), v, false, first.count()).problems(wire, first.sequence()));
        }
        List<String> failures = RmExchangeCheck.failures(p);
        String summary = "sequence " + first.sequence() + " delivered " + got;
        if (failures.isEmpty()) {
            return "ok: " + summary + (p.isEmpty() ? "" : "; " + String.join("; ", p));
        }
        return "fail: " + String.join("; ", p) + " (" + summary + ")";
    }
}
