package org.soapstack.interop.cxf.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.xml.soap.SOAPBody;
import jakarta.xml.soap.SOAPMessage;

import org.apache.cxf.binding.soap.SoapBindingConstants;
import org.apache.cxf.binding.soap.SoapFault;
import org.apache.cxf.binding.soap.SoapMessage;
import org.apache.cxf.binding.soap.interceptor.Soap11FaultInInterceptor;
import org.apache.cxf.binding.soap.interceptor.Soap12FaultInInterceptor;
import org.apache.cxf.headers.Header;
import org.apache.cxf.interceptor.ClientFaultConverter;
import org.apache.cxf.interceptor.InterceptorProvider;
import org.apache.cxf.message.Message;
import org.apache.cxf.message.MessageUtils;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;
import org.apache.cxf.ws.addressing.AddressingProperties;
import org.apache.cxf.ws.addressing.ContextUtils;
import org.apache.cxf.ws.addressing.Names;
import org.apache.cxf.ws.addressing.VersionTransformer.Names200408;
import org.apache.cxf.ws.addressing.soap.MAPCodec;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The wsa:Action of every SOAP message a client bus sends or receives, in order: the
 * application calls and the RST/RSTR and Cancel exchanges that CXF's secure-conversation
 * interceptors run through their own STS client on the same bus, and for responses what their
 * body held once the security layer had decrypted it (so a CancelResponse can be told from a
 * fault). Also collects the warnings CXF's STS client logs instead of failing (it swallows a
 * failed Cancel: "Problem cancelling token"). Installed on the bus of the secure-conversation
 * cases (one case runs at a time; {@link #reset()} starts a case).
 */
public final class ScMessageLog {
    /**
     * One message: "out" or "in", its wsa:Action (SOAPAction if it had none, else ""), and for
     * responses a summary of the decrypted body ("RequestSecurityTokenResponse[RequestedTokenCancelled]",
     * "Fault: reason", ...).
     */
    public static final class Entry {
        private final String direction;
        private final String action;
        private volatile String body = "";
        /** The HTTP Content-Type of an outbound message (with its SOAP 1.2 action parameter). */
        private volatile String contentType = "";

        Entry(String direction, String action) {
            this.direction = direction;
            this.action = action;
        }

        public String direction() {
            return direction;
        }

        public String action() {
            return action;
        }

        public String body() {
            return body;
        }

        /** The Content-Type an outbound message was sent with ("" for inbound ones). */
        public String contentType() {
            return contentType;
        }

        @Override
        public String toString() {
            return direction + " " + action + (body.isEmpty() ? "" : " {" + body + "}");
        }
    }

    private static final String STS_CLIENT_LOGGER = "org.apache.cxf.ws.security.trust.STSClient";

    private final List<Entry> entries = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    /** Held so the handler stays attached to a logger that is not collected. */
    private Logger stsLogger;

    public synchronized void reset() {
        entries.clear();
        warnings.clear();
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** WARNING records CXF's STS client logged since the last reset (message and cause). */
    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The responses (in entries) with this wsa:Action. */
    public synchronized List<Entry> responses(String action) {
        return entries.stream().filter(e -> e.direction.equals("in") && e.action.equals(action)).toList();
    }

    /** The last in entry whose body is a SOAP fault, or null. */
    public synchronized Entry lastFault() {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).body.startsWith("Fault") || entries.get(i).body.equals("raw: Fault")) {
                return entries.get(i);
            }
        }
        return null;
    }

    /** The messages that went out with this wsa:Action. */
    public synchronized List<Entry> sentEntries(String action) {
        return entries.stream().filter(e -> e.direction.equals("out") && e.action.equals(action)).toList();
    }

    /** How many messages went out with this wsa:Action. */
    public synchronized long sent(String action) {
        return entries.stream().filter(e -> e.direction.equals("out") && e.action.equals(action)).count();
    }

    /** How many messages came in with this wsa:Action. */
    public synchronized long received(String action) {
        return entries.stream().filter(e -> e.direction.equals("in") && e.action.equals(action)).count();
    }

    private synchronized Entry add(String direction, String action) {
        Entry e = new Entry(direction, action == null ? "" : action);
        entries.add(e);
        return e;
    }

    private synchronized void warn(String w) {
        warnings.add(w);
    }

    public void install(InterceptorProvider provider) {
        provider.getOutInterceptors().add(new Out());
        provider.getInInterceptors().add(new Raw());
        provider.getInInterceptors().add(new In());
        provider.getInInterceptors().add(new Body());
        provider.getInFaultInterceptors().add(new Raw());
        provider.getInFaultInterceptors().add(new In());
        provider.getInFaultInterceptors().add(new FaultBody());
        synchronized (this) {
            if (stsLogger == null) {
                stsLogger = Logger.getLogger(STS_CLIENT_LOGGER);
                stsLogger.addHandler(new Handler() {
                    @Override
                    public void publish(LogRecord r) {
                        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                            Throwable t = r.getThrown();
                            warn(r.getMessage() + (t == null ? "" : ": " + t.getClass().getSimpleName()
                                + ": " + String.valueOf(t.getMessage()).replaceAll("\\s+", " ").trim()));
                        }
                    }

                    @Override
                    public void flush() {
                    }

                    @Override
                    public void close() {
                    }
                });
            }
        }
    }

    private static Entry current(Message message) {
        Object e = message.get(Entry.class.getName());
        return e instanceof Entry ? (Entry) e : null;
    }

    /** After the addressing layer has built the outbound headers, before they are written. */
    private final class Out extends AbstractPhaseInterceptor<Message> {
        Out() {
            super(Phase.WRITE);
        }

        @Override
        public void handleMessage(Message message) {
            if (!MessageUtils.isRequestor(message)) {
                return;
            }
            String action = null;
            AddressingProperties maps = ContextUtils.retrieveMAPs(message, false, true, false);
            if (maps != null && maps.getAction() != null) {
                action = maps.getAction().getValue();
            }
            if (action == null || action.isEmpty()) {
                Object sa = message.get(SoapBindingConstants.SOAP_ACTION);
                action = sa == null ? "" : sa.toString();
            }
            Entry e = add("out", action);
            Object ct = message.get(Message.CONTENT_TYPE);
            e.contentType = ct == null ? "" : ct.toString();
        }
    }

    /** The raw wsa:Action header of a response, before CXF's addressing layer reads it. */
    private final class In extends AbstractPhaseInterceptor<Message> {
        In() {
            super(Phase.PRE_PROTOCOL);
            addBefore(MAPCodec.class.getName());
        }

        @Override
        public void handleMessage(Message message) {
            if (!(message instanceof SoapMessage)
                || message.put(In.class.getName(), Boolean.TRUE) != null) {
                return;
            }
            String action = "";
            for (Header h : ((SoapMessage) message).getHeaders()) {
                String ns = h.getName().getNamespaceURI();
                if ("Action".equals(h.getName().getLocalPart())
                    && (Names.WSA_NAMESPACE_NAME.equals(ns) || Names200408.WSA_NAMESPACE_NAME.equals(ns))
                    && h.getObject() instanceof Element) {
                    action = ((Element) h.getObject()).getTextContent().trim();
                }
            }
            Entry e = add("in", action);
            Object raw = message.get(Raw.class.getName());
            if (raw != null) {
                e.body = raw.toString();
            }
            message.put(Entry.class.getName(), e);
        }
    }

    /**
     * What an unencrypted response body says, from the raw bytes: CXF's STS client may fail
     * on a CancelResponse before the body is parsed (see README), so this is the fallback.
     */
    private static final class Raw extends AbstractPhaseInterceptor<Message> {
        Raw() {
            super(Phase.RECEIVE);
        }

        @Override
        public void handleMessage(Message message) {
            InputStream in = message.getContent(InputStream.class);
            if (in == null || message.containsKey(Raw.class.getName())) {
                return;
            }
            try {
                byte[] bytes = in.readAllBytes();
                message.setContent(InputStream.class, new ByteArrayInputStream(bytes));
                String text = new String(bytes, StandardCharsets.UTF_8);
                int body = text.indexOf(":Body");
                String summary = "";
                if (body >= 0) {
                    String b = text.substring(body);
                    if (b.contains(":RequestedTokenCancelled")) {
                        summary = "raw: RequestedTokenCancelled";
                    } else if (b.contains(":Fault>")) {
                        summary = "raw: Fault";
                    } else if (b.contains(":EncryptedData")) {
                        summary = "raw: encrypted";
                    }
                }
                message.put(Raw.class.getName(), summary);
            } catch (IOException e) {
                message.put(Raw.class.getName(), "raw: unreadable " + e);
            }
        }
    }

    /** The response body after the security layer (decrypted), before policy verification. */
    private final class Body extends AbstractPhaseInterceptor<Message> {
        Body() {
            super(Phase.POST_PROTOCOL);
        }

        @Override
        public void handleMessage(Message message) {
            Entry e = current(message);
            SOAPMessage soap = message.getContent(SOAPMessage.class);
            if (e == null || soap == null) {
                return;
            }
            try {
                SOAPBody body = soap.getSOAPBody();
                Element first = firstElement(body);
                if (first == null) {
                    e.body = "(empty)";
                    return;
                }
                StringBuilder sb = new StringBuilder(first.getLocalName());
                List<String> marks = new ArrayList<>();
                for (String n : new String[] {"RequestedSecurityToken", "RequestedProofToken", "RequestedTokenCancelled"}) {
                    if (first.getElementsByTagNameNS("*", n).getLength() > 0) {
                        marks.add(n);
                    }
                }
                if (!marks.isEmpty()) {
                    sb.append(marks);
                }
                e.body = sb.toString();
            } catch (Exception ex) {
                e.body = "(unreadable: " + ex + ")";
            }
        }

        private Element firstElement(Node parent) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n.getNodeType() == Node.ELEMENT_NODE) {
                    return (Element) n;
                }
            }
            return null;
        }
    }

    /** A SOAP fault response: its reason (after the fault reader, before CXF converts it). */
    private final class FaultBody extends AbstractPhaseInterceptor<Message> {
        FaultBody() {
            super(Phase.UNMARSHAL);
            addAfter(Soap11FaultInInterceptor.class.getName());
            addAfter(Soap12FaultInInterceptor.class.getName());
            addBefore(ClientFaultConverter.class.getName());
        }

        @Override
        public void handleMessage(Message message) {
            Entry e = current(message);
            Exception ex = message.getContent(Exception.class);
            if (e != null && ex instanceof SoapFault) {
                e.body = "Fault: " + String.valueOf(ex.getMessage()).replaceAll("\\s+", " ").trim();
            }
        }
    }
}
