package org.soapstack.interop.cxf.rm;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What one SOAP message on the wire said about reliable messaging, parsed from its bytes:
 * the WS-Addressing version and Action, the WS-RM headers (Sequence, SequenceAcknowledgement,
 * AckRequested) and the body (an RM message, an application message with its text, or a
 * fault). Built by {@link RmWireLog} for every message a bus sends or receives.
 *
 * @param role      "client" or "server" (which side of the exchange this bus is)
 * @param direction "in" or "out"
 * @param path      the endpoint path ("/rm/RM10")
 * @param exchange  identity of the CXF exchange (a request and its response share it)
 */
public record RmWireMessage(String role, String direction, String path, int exchange,
                            String wsaNamespace, String action, String rmNamespace,
                            Sequence sequence, List<Ack> acks, List<String> ackRequested,
                            String body, String bodyIdentifier, boolean offer, String acksTo,
                            String text, String parseError) {

    /** A wsrm:Sequence header. */
    public record Sequence(String identifier, long number, boolean lastMessage) {
        @Override
        public String toString() {
            return identifier + "#" + number + (lastMessage ? "+LastMessage" : "");
        }
    }

    /**
     * A wsrm:SequenceAcknowledgement header: its ranges as "lower-upper", None and Final
     * (1.1). CXF's 1.1 acknowledgements carry {@code <wsrm:None/>} after the ranges, which
     * the 1.1 schema does not allow; it is kept apart so the ranges can be checked.
     */
    public record Ack(String identifier, List<String> ranges, boolean none, boolean fin) {
        @Override
        public String toString() {
            return identifier + " " + String.join(",", ranges) + (none ? "+None" : "") + (fin ? "+Final" : "");
        }
    }

    private static final String SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/";
    private static final String SOAP12 = "http://www.w3.org/2003/05/soap-envelope";
    private static final String WSA10 = "http://www.w3.org/2005/08/addressing";
    private static final String WSA200408 = "http://schemas.xmlsoap.org/ws/2004/08/addressing";

    public boolean in() {
        return "in".equals(direction);
    }

    public boolean out() {
        return "out".equals(direction);
    }

    /** True if the body is the RM message {@code name} ("CreateSequence", ...). */
    public boolean is(String name) {
        return name.equals(body);
    }

    /** An application message (echo, echoResponse, notify); body is "app:<element>". */
    public boolean application() {
        return body != null && body.startsWith("app:");
    }

    public boolean fault() {
        return "Fault".equals(body);
    }

    /** A short form for reports: "out CreateSequence", "in echoResponse seq=urn:…#1 ack=…". */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(direction).append(' ').append(body == null || body.isEmpty() ? "(empty)" : body);
        if (bodyIdentifier != null) {
            sb.append('[').append(bodyIdentifier).append(']');
        }
        if (sequence != null) {
            sb.append(" seq=").append(sequence);
        }
        if (!acks.isEmpty()) {
            sb.append(" ack=").append(acks);
        }
        if (!ackRequested.isEmpty()) {
            sb.append(" ackRequested=").append(ackRequested);
        }
        if (parseError != null) {
            sb.append(" unparsed: ").append(parseError);
        }
        return sb.toString();
    }

    /** Parses a message body; never throws (a message that does not parse says so). */
    public static RmWireMessage parse(String role, String direction, String path, int exchange, byte[] bytes) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            Document doc = b.parse(new ByteArrayInputStream(bytes));
            return of(role, direction, path, exchange, doc.getDocumentElement());
        } catch (Exception e) {
            return new RmWireMessage(role, direction, path, exchange, null, null, null, null, List.of(), List.of(),
                "", null, false, null, null, e.toString());
        }
    }

    private static RmWireMessage of(String role, String direction, String path, int exchange, Element env) {
        String wsaNs = null;
        String action = null;
        String rmNs = null;
        Sequence seq = null;
        List<Ack> acks = new ArrayList<>();
        List<String> ackRequested = new ArrayList<>();
        Element header = child(env, "Header");
        for (Element h : children(header)) {
            String ns = h.getNamespaceURI();
            if (WSA10.equals(ns) || WSA200408.equals(ns)) {
                wsaNs = ns;
                if ("Action".equals(h.getLocalName())) {
                    action = h.getTextContent().trim();
                }
                continue;
            }
            if (!RmNames.isRm(ns)) {
                continue;
            }
            rmNs = ns;
            switch (h.getLocalName()) {
                case "Sequence" -> {
                    long n = -1;
                    try {
                        n = Long.parseLong(text(child(h, "MessageNumber")));
                    } catch (NumberFormatException ignored) {
                        // reported as -1
                    }
                    seq = new Sequence(text(child(h, "Identifier")), n, child(h, "LastMessage") != null);
                }
                case "SequenceAcknowledgement" -> {
                    List<String> ranges = new ArrayList<>();
                    for (Element r : children(h)) {
                        if ("AcknowledgementRange".equals(r.getLocalName())) {
                            ranges.add(r.getAttribute("Lower") + "-" + r.getAttribute("Upper"));
                        }
                    }
                    acks.add(new Ack(text(child(h, "Identifier")), ranges, child(h, "None") != null,
                        child(h, "Final") != null));
                }
                case "AckRequested" -> ackRequested.add(text(child(h, "Identifier")));
                default -> {
                }
            }
        }
        Element bodyEl = child(env, "Body");
        List<Element> content = children(bodyEl);
        String body = "";
        String bodyId = null;
        boolean offer = false;
        String acksTo = null;
        String text = null;
        if (!content.isEmpty()) {
            Element first = content.get(0);
            body = first.getLocalName();
            String ns = first.getNamespaceURI();
            if (RmNames.isRm(ns)) {
                rmNs = ns;
                bodyId = text(child(first, "Identifier"));
                Element offerEl = child(first, "Offer");
                offer = offerEl != null;
                if (offer) {
                    bodyId = text(child(offerEl, "Identifier")); // CreateSequence: the offered id
                }
                Element at = child(first, "AcksTo");
                if (at != null) {
                    Element addr = child(at, "Address");
                    acksTo = addr == null ? text(at) : text(addr);
                }
            } else if ("Fault".equals(body) && (SOAP11.equals(ns) || SOAP12.equals(ns))) {
                text = first.getTextContent().trim();
            } else {
                text = first.getTextContent();
            }
            if (!RmNames.isRm(ns) && !"Fault".equals(body)) {
                body = "app:" + body;
            }
        } else if (action != null && action.endsWith("/" + RmNames.LAST_MESSAGE)) {
            body = RmNames.LAST_MESSAGE; // WS-RM 1.0's standalone LastMessage has an empty body
        } else if (action != null && action.endsWith("/" + RmNames.SEQUENCE_ACKNOWLEDGEMENT)) {
            body = RmNames.SEQUENCE_ACKNOWLEDGEMENT;
        } else if (action != null && action.endsWith("/" + RmNames.ACK_REQUESTED)) {
            body = RmNames.ACK_REQUESTED;
        }
        return new RmWireMessage(role, direction, path, exchange, wsaNs, action, rmNs, seq, List.copyOf(acks),
            List.copyOf(ackRequested), body, bodyId, offer, acksTo, text, null);
    }

    private static Element child(Element parent, String local) {
        for (Element e : children(parent)) {
            if (local.equals(e.getLocalName())) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        if (parent == null) {
            return out;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element) {
                out.add((Element) n);
            }
        }
        return out;
    }

    private static String text(Element e) {
        return e == null ? null : e.getTextContent().trim();
    }
}
