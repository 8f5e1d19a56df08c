package org.soapstack.interop.cxf.wire;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import org.apache.cxf.interceptor.AttachmentOutInterceptor;
import org.apache.cxf.interceptor.Fault;
import org.apache.cxf.interceptor.InterceptorProvider;
import org.apache.cxf.interceptor.StaxOutInterceptor;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;

/**
 * Hands every SOAP message body a client, endpoint or bus sends or receives, byte for byte, to
 * a {@link Sink}: inbound bodies are read whole at RECEIVE (and replaced by a replayable copy),
 * outbound ones are teed and handed over when the transport closes the stream. Each install
 * gets interceptors with ids of their own, so several taps (--trace, the RM wire log) can sit
 * on the same chain.
 */
public final class BodyTap {
    /** Receives one message body; direction is "in" or "out". Must not throw. */
    public interface Sink {
        void body(Message message, String direction, byte[] body);
    }

    private BodyTap() {
    }

    /** Adds the tap to all four chains (in, in-fault, out, out-fault) of {@code provider}. */
    public static void install(InterceptorProvider provider, Sink sink) {
        String id = BodyTap.class.getName() + "#" + System.identityHashCode(sink);
        provider.getInInterceptors().add(new In(id, sink));
        provider.getInFaultInterceptors().add(new In(id, sink));
        provider.getOutInterceptors().add(new Out(id, sink));
        provider.getOutFaultInterceptors().add(new Out(id, sink));
    }

    private static final class In extends AbstractPhaseInterceptor<Message> {
        private final Sink sink;

        In(String id, Sink sink) {
            super(id + ".in", Phase.RECEIVE);
            this.sink = sink;
        }

        @Override
        public void handleMessage(Message message) throws Fault {
            InputStream in = message.getContent(InputStream.class);
            // a response turned fault passes the in and the in-fault chain: hand it over once
            if (in == null || message.put(getId(), Boolean.TRUE) != null) {
                return;
            }
            try {
                byte[] body = in.readAllBytes();
                sink.body(message, "in", body);
                message.setContent(InputStream.class, new ByteArrayInputStream(body));
            } catch (IOException e) {
                throw new Fault(e);
            }
        }
    }

    private static final class Out extends AbstractPhaseInterceptor<Message> {
        private final Sink sink;

        Out(String id, Sink sink) {
            super(id + ".out", Phase.PRE_STREAM);
            addBefore(StaxOutInterceptor.class.getName());
            addBefore(AttachmentOutInterceptor.class.getName());
            this.sink = sink;
        }

        @Override
        public void handleMessage(Message message) throws Fault {
            OutputStream os = message.getContent(OutputStream.class);
            if (os != null) {
                message.setContent(OutputStream.class, new Tee(os, message, sink));
            }
        }
    }

    private static final class Tee extends FilterOutputStream {
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
        private final Message message;
        private final Sink sink;
        private boolean closed;

        Tee(OutputStream target, Message message, Sink sink) {
            super(target);
            this.message = message;
            this.sink = sink;
        }

        @Override
        public void write(int b) throws IOException {
            copy.write(b);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            copy.write(b, off, len);
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                // hand over before closing: on a client, closing sends and runs the response chain
                sink.body(message, "out", copy.toByteArray());
            }
            out.close();
        }
    }
}
