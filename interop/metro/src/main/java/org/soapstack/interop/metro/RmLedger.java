package org.soapstack.interop.metro;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

import com.sun.xml.ws.api.message.Header;
import com.sun.xml.ws.api.message.MessageHeaders;
import com.sun.xml.ws.developer.JAXWSProperties;

import jakarta.xml.ws.handler.MessageContext;

/**
 * What the service's reliable endpoints delivered to the application, for the lossy tests
 * (the Go side's TestMetroReliableLossy). Their texts are {@code "lossy <tag> <caller>/<index>"};
 * for each tag the ledger keeps, in delivery order, the caller, the index and the WS-RM
 * sequence and message number the message arrived with (from the inbound headers: Metro's
 * RM tube reads the Sequence header and leaves it in the message). {@link #verdict} judges a
 * tag; the status endpoint ({@link #STATUS_PATH}, a plain endpoint, not reliable) answers
 * echo("tag n") with it.
 */
final class RmLedger {
    /** The path of the status endpoint. */
    static final String STATUS_PATH = "/rm/status";

    private static final Pattern TEXT = Pattern.compile("^lossy (\\S+) (\\d+)/(\\d+)$");
    private static final Pattern QUERY = Pattern.compile("^(\\S+) (\\d+)$");
    /** Deliveries kept per tag, and tags kept: bounded, the peer is long-lived in a test run. */
    private static final int MAX_PER_TAG = 100_000;
    private static final int MAX_TAGS = 64;

    private record Delivery(String sequence, long number, int caller, int index) {
    }

    private final Map<String, List<Delivery>> byTag = new LinkedHashMap<>();

    /** Called by the service for every echo and notify (in the request's thread). */
    void delivered(String text, MessageContext mc) {
        Matcher m = TEXT.matcher(text == null ? "" : text);
        if (!m.matches()) {
            return;
        }
        String seq = null;
        long number = -1;
        Object hl = mc == null ? null : mc.get(JAXWSProperties.INBOUND_HEADER_LIST_PROPERTY);
        if (hl instanceof MessageHeaders headers) {
            for (String ns : new String[] {RmExchange.RM10_NS, RmExchange.RM11_NS}) {
                Header h = headers.get(ns, "Sequence", false);
                if (h != null) {
                    Map<String, String> f = fields(h, ns);
                    seq = f.get("Identifier");
                    try {
                        number = Long.parseLong(f.getOrDefault("MessageNumber", "-1"));
                    } catch (NumberFormatException e) {
                        number = -2;
                    }
                }
            }
        }
        Delivery d = new Delivery(seq, number, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        synchronized (this) {
            String tag = m.group(1);
            if (!byTag.containsKey(tag) && byTag.size() >= MAX_TAGS) {
                byTag.remove(byTag.keySet().iterator().next());
            }
            List<Delivery> ds = byTag.computeIfAbsent(tag, k -> new ArrayList<>());
            if (ds.size() < MAX_PER_TAG) {
                ds.add(d);
            }
        }
    }

    /** The Identifier and MessageNumber children of a Sequence header, by local name. */
    private static Map<String, String> fields(Header h, String ns) {
        Map<String, String> out = new HashMap<>();
        try {
            XMLStreamReader r = h.readHeader();
            while (true) {
                int ev = r.getEventType();
                if (ev == XMLStreamConstants.START_ELEMENT && ns.equals(r.getNamespaceURI())
                        && (r.getLocalName().equals("Identifier") || r.getLocalName().equals("MessageNumber"))) {
                    out.put(r.getLocalName(), r.getElementText().trim());
                } else if (ev == XMLStreamConstants.END_ELEMENT && ns.equals(r.getNamespaceURI())
                        && r.getLocalName().equals("Sequence")) {
                    break;
                }
                if (!r.hasNext()) {
                    break;
                }
                r.next();
            }
            r.close();
        } catch (XMLStreamException e) {
            out.put("error", e.toString());
        }
        return out;
    }

    /**
     * "ok: ..." if the deliveries of the query's tag ("tag n") are right, else "fail: reasons":
     * n messages in all, each once; every one on a WS-RM sequence, and on each sequence the
     * message numbers in delivery order exactly 1, 2, 3, ... (every number delivered once, in
     * order, none missing); each caller's indices in delivery order exactly 0, 1, 2, ...
     */
    String verdict(String query) {
        Matcher q = QUERY.matcher(query == null ? "" : query.trim());
        if (!q.matches()) {
            return "fail: the query must be \"tag n\", got \"" + query + "\"";
        }
        String tag = q.group(1);
        int want = Integer.parseInt(q.group(2));
        List<Delivery> ds;
        synchronized (this) {
            ds = List.copyOf(byTag.getOrDefault(tag, List.of()));
        }
        List<String> p = new ArrayList<>();
        Map<String, Long> nextNumber = new LinkedHashMap<>();
        Map<Integer, Integer> nextIndex = new HashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Delivery d : ds) {
            String id = d.caller() + "/" + d.index();
            if (seen.merge(id, 1, Integer::sum) > 1) {
                p.add("message " + id + " delivered again");
            }
            if (d.sequence() == null) {
                p.add("message " + id + " delivered without a WS-RM Sequence header");
            } else {
                long wantNumber = nextNumber.getOrDefault(d.sequence(), 1L);
                if (d.number() != wantNumber) {
                    p.add("message " + id + " delivered as #" + d.number() + " of " + d.sequence() + ", want #" + wantNumber);
                }
                nextNumber.put(d.sequence(), Math.max(wantNumber, d.number()) + 1);
            }
            int wantIndex = nextIndex.getOrDefault(d.caller(), 0);
            if (d.index() != wantIndex) {
                p.add("caller " + d.caller() + "'s message " + d.index() + " delivered, want " + wantIndex);
            }
            nextIndex.put(d.caller(), Math.max(wantIndex, d.index()) + 1);
            if (p.size() > 20) {
                p.add("...");
                break;
            }
        }
        if (seen.size() != want) {
            p.add(seen.size() + " distinct messages delivered, want " + want);
        }
        List<String> seqs = new ArrayList<>();
        for (Map.Entry<String, Long> e : nextNumber.entrySet()) {
            seqs.add(e.getKey() + " 1.." + (e.getValue() - 1));
        }
        String summary = ds.size() + " deliveries from " + nextIndex.size() + " callers on " + seqs.size()
            + " sequences (" + String.join(", ", seqs) + ")";
        return p.isEmpty() ? "ok: " + summary : "fail: " + String.join("; ", p) + " (" + summary + ")";
    }
}
