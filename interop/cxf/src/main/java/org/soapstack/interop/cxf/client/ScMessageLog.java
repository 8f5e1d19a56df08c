package org.soapstack.interop.cxf.client;

import java.util.ArrayList;
import java.util.List;

import org.apache.cxf.binding.soap.SoapBindingConstants;
import org.apache.cxf.binding.soap.SoapMessage;
import org.apache.cxf.headers.Header;
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

/**
 * The wsa:Action of every SOAP message a client bus sends or receives, in order: the
 * application calls and the RST/RSTR and Cancel exchanges that CXF's secure-conversation
 * interceptors run through their own STS client on the same bus. Installed on the bus of the
 * secure-conversation cases (one case runs at a time; {@link #reset()} starts a case).
 */
public final class ScMessageLog {
    /** One message: "out" or "in", and its wsa:Action (SOAPAction if it had none, else ""). */
    public record Entry(String direction, String action) {
        @Override
        public String toString() {
            return direction + " " + action;
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    public synchronized void reset() {
        entries.clear();
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** How many messages went out with this wsa:Action. */
    public synchronized long sent(String action) {
        return entries.stream().filter(e -> e.direction.equals("out") && e.action.equals(action)).count();
    }

    /** How many messages came in with this wsa:Action. */
    public synchronized long received(String action) {
        return entries.stream().filter(e -> e.direction.equals("in") && e.action.equals(action)).count();
    }

    private synchronized void add(String direction, String action) {
        entries.add(new Entry(direction, action == null ? "" : action));
    }

    public void install(InterceptorProvider provider) {
        provider.getOutInterceptors().add(new Out());
        provider.getInInterceptors().add(new In());
        provider.getInFaultInterceptors().add(new In());
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
            add("out", action);
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
            add("in", action);
        }
    }
}
