package org.soapstack.interop.cxf.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import jakarta.xml.soap.SOAPMessage;

import org.apache.cxf.interceptor.InterceptorProvider;
import org.apache.cxf.message.Exchange;
import org.apache.cxf.message.Message;
import org.apache.cxf.message.MessageUtils;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;

/**
 * Optional tracing of the raw SOAP messages: with --trace every message this peer sends or
 * receives is copied to stderr with its Content-Type and SOAPAction (long bodies shortened);
 * with --record DIR every body is also written, byte for byte, to its own file in DIR
 * ({@code NNN-client-out-wssec11-A.xml}: sequence number, side, direction, endpoint path).
 * With "plain" (--plain) every inbound message is also shown/recorded as the security layer
 * left it, i.e. decrypted ({@code NNN-server-in-sc13-_A.plain.xml}); these are serialised from
 * the DOM after WS-Security processing, so they are for reading, not for verifying signatures.
 * stdout is never used.
 */
public final class WireTap {
    /** Bodies longer than this are shortened in the trace. */
    private static final int MAX_SHOWN = 8192;

    private final PrintStream sink;
    private final Path recordDir;
    private final boolean plain;
    private final AtomicInteger sequence = new AtomicInteger();

    /**
     * @param sink      where the trace goes (null: no trace)
     * @param recordDir where bodies go (or null)
     * @param plain     also show/record inbound messages after WS-Security processing (decrypted)
     */
    public WireTap(PrintStream sink, Path recordDir, boolean plain) {
        this.sink = sink;
        this.recordDir = recordDir;
        this.plain = plain;
    }

    public WireTap(PrintStream sink, Path recordDir) {
        this(sink, recordDir, false);
    }

    public WireTap(PrintStream sink) {
        this(sink, null);
    }

    /** Adds the tap to all four chains (in, in-fault, out, out-fault) of a client or endpoint. */
    public void install(InterceptorProvider provider) {
        BodyTap.install(provider, (message, direction, body) -> dump(direction, message, body));
        if (plain) {
            provider.getInInterceptors().add(new Plain());
        }
    }

    private synchronized void dump(String direction, Message message, byte[] body) {
        dump(direction, message, body, "");
    }

    private synchronized void dump(String direction, Message message, byte[] body, String suffix) {
        String role = MessageUtils.isRequestor(message) ? "client" : "server";
        Object address = message.get(Message.ENDPOINT_ADDRESS);
        if (address == null) {
            address = message.get(Message.REQUEST_URL);
        }
        if (recordDir != null) {
            record(role, direction, address != null ? address : exchangeAddress(message), body, suffix);
        }
        if (sink == null) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("----- ").append(role).append(' ').append(direction).append(suffix);
        if (address != null) {
            sb.append(' ').append(address);
        }
        Object code = message.get(Message.RESPONSE_CODE);
        if (code != null) {
            sb.append(" HTTP ").append(code);
        }
        sb.append(" (").append(body.length).append(" bytes) -----\n");
        Object ct = message.get(Message.CONTENT_TYPE);
        if (ct != null) {
            sb.append("Content-Type: ").append(ct).append('\n');
        }
        Map<String, List<String>> headers = Headers.of(message);
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            if (h.getKey() != null && h.getKey().equalsIgnoreCase("SOAPAction")) {
                sb.append("SOAPAction: ").append(String.join(",", h.getValue())).append('\n');
            }
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.length() > MAX_SHOWN) {
            sb.append(text, 0, MAX_SHOWN / 2).append("\n...[")
                .append(text.length() - MAX_SHOWN).append(" chars elided]...\n")
                .append(text, text.length() - MAX_SHOWN / 2, text.length());
        } else {
            sb.append(text);
        }
        sb.append('\n');
        sink.print(sb);
        sink.flush();
    }

    /** The endpoint address of the other message of the exchange (for responses). */
    private static Object exchangeAddress(Message message) {
        Exchange ex = message.getExchange();
        if (ex == null) {
            return null;
        }
        for (Message m : new Message[] {ex.getOutMessage(), ex.getInMessage()}) {
            if (m != null && m != message) {
                Object a = m.get(Message.ENDPOINT_ADDRESS);
                if (a == null) {
                    a = m.get(Message.REQUEST_URL);
                }
                if (a != null) {
                    return a;
                }
            }
        }
        return null;
    }

    private void record(String role, String direction, Object address, byte[] body, String suffix) {
        String path = "unknown";
        if (address != null) {
            try {
                String p = URI.create(address.toString()).getPath();
                if (p != null && !p.isEmpty()) {
                    path = p.replaceAll("^/+", "").replaceAll("[^A-Za-z0-9._-]+", "-");
                }
            } catch (IllegalArgumentException ignored) {
                // keep "unknown"
            }
        }
        String name = String.format("%03d-%s-%s-%s%s.xml", sequence.incrementAndGet(), role, direction, path, suffix);
        try {
            Files.createDirectories(recordDir);
            Files.write(recordDir.resolve(name), body);
        } catch (IOException e) {
            System.err.println("warning: cannot record " + name + ": " + e);
        }
    }

    /** The inbound message as WS-Security left it (decrypted in place), serialised from the DOM. */
    private final class Plain extends AbstractPhaseInterceptor<Message> {
        Plain() {
            super(Phase.POST_PROTOCOL);
        }

        @Override
        public void handleMessage(Message message) {
            SOAPMessage soap = message.getContent(SOAPMessage.class);
            if (soap == null) {
                return;
            }
            try {
                Transformer t = TransformerFactory.newInstance().newTransformer();
                t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                t.transform(new DOMSource(soap.getSOAPPart()), new StreamResult(bytes));
                dump("in", message, bytes.toByteArray(), ".plain");
            } catch (Exception e) {
                System.err.println("warning: cannot show the decrypted message: " + e);
            }
        }
    }

    /** Access to the protocol headers map CXF keeps on a message. */
    private static final class Headers {
        @SuppressWarnings("unchecked")
        static Map<String, List<String>> of(Message message) {
            Object h = message.get(Message.PROTOCOL_HEADERS);
            return h instanceof Map ? (Map<String, List<String>>) h : Map.of();
        }
    }
}
