package org.soapstack.interop.cxf.rm;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.apache.cxf.interceptor.InterceptorProvider;
import org.apache.cxf.message.Exchange;
import org.apache.cxf.message.Message;
import org.apache.cxf.message.MessageUtils;
import org.soapstack.interop.cxf.wire.BodyTap;

/**
 * Captures every SOAP message a bus sends or receives, byte for byte, and keeps what each
 * said about reliable messaging ({@link RmWireMessage}), in wire order. Installed on the bus
 * (not per endpoint or client): CXF's RM layer sends CreateSequence, LastMessage,
 * CloseSequence and TerminateSequence through internal clients and endpoints of its own,
 * whose chains only share the bus interceptors.
 */
public final class RmWireLog {
    private final Predicate<String> pathFilter;
    private final List<RmWireMessage> messages = new ArrayList<>();

    /** @param pathFilter which endpoint paths to keep (null: all) */
    public RmWireLog(Predicate<String> pathFilter) {
        this.pathFilter = pathFilter;
    }

    public void install(InterceptorProvider bus) {
        BodyTap.install(bus, this::add);
    }

    public synchronized List<RmWireMessage> messages() {
        return List.copyOf(messages);
    }

    /** The messages that name sequence {@code id} (Sequence, acks, body Identifier). */
    public synchronized List<RmWireMessage> about(String id) {
        List<RmWireMessage> out = new ArrayList<>();
        for (RmWireMessage m : messages) {
            if (names(m, id)) {
                out.add(m);
            }
        }
        return out;
    }

    static boolean names(RmWireMessage m, String id) {
        if (id == null) {
            return false;
        }
        if (id.equals(m.bodyIdentifier()) || m.sequence() != null && id.equals(m.sequence().identifier())
            || m.ackRequested().contains(id)) {
            return true;
        }
        return m.acks().stream().anyMatch(a -> id.equals(a.identifier()));
    }

    /** The other messages of the same exchange (the request of a response and vice versa). */
    public synchronized List<RmWireMessage> exchange(RmWireMessage m) {
        List<RmWireMessage> out = new ArrayList<>();
        for (RmWireMessage o : messages) {
            if (o != m && o.exchange() == m.exchange() && o.path().equals(m.path())) {
                out.add(o);
            }
        }
        return out;
    }

    private void add(Message message, String direction, byte[] body) {
        if (body.length == 0) {
            return; // 202 without content
        }
        String path = path(message);
        if (pathFilter != null && !pathFilter.test(path)) {
            return;
        }
        String role = MessageUtils.isRequestor(message) ? "client" : "server";
        Exchange ex = message.getExchange();
        RmWireMessage m = RmWireMessage.parse(role, direction, path, ex == null ? 0 : System.identityHashCode(ex), body);
        synchronized (this) {
            messages.add(m);
        }
    }

    private static String path(Message message) {
        Object address = address(message);
        if (address == null && message.getExchange() != null) {
            Exchange ex = message.getExchange();
            for (Message m : new Message[] {ex.getOutMessage(), ex.getInMessage()}) {
                if (m != null && m != message && address == null) {
                    address = address(m);
                }
            }
        }
        if (address == null) {
            return "";
        }
        try {
            String p = URI.create(address.toString()).getPath();
            return p == null ? "" : p;
        } catch (IllegalArgumentException e) {
            return address.toString();
        }
    }

    private static Object address(Message m) {
        Object a = m.get(Message.ENDPOINT_ADDRESS);
        if (a == null) {
            a = m.get(Message.REQUEST_URL);
        }
        return a;
    }
}
