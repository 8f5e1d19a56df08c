package org.soapstack.interop.metro;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;

import com.sun.xml.ws.dump.MessageDumpingFeature;
import com.sun.xml.ws.rx.rm.api.ReliableMessagingFeature;
import com.sun.xml.ws.rx.rm.api.ReliableMessagingFeatureBuilder;
import com.sun.xml.ws.rx.rm.api.RmProtocolVersion;

import org.soapstack.interop.metro.contract.IPingService;

/**
 * The lossy exchange of a reliable-messaging case ({@code client --lossy N --tag T}): the Go
 * side puts a lossy proxy between this client and its service and judges the deliveries
 * itself. One request-reply session sends N messages one after the other ("rm T.Scenario.rr
 * k/N": every fifth a one-way notify, the others echoes whose reply must be the text sent),
 * then a one-way session (no Offer) N/4 notifies ("rm T.Scenario.ow k/M"). Both in order,
 * exactly once, with a short constant retransmission interval ({@link #RETRANSMISSION_MS}),
 * so that losses cost little time. Sequential: Metro's client stalls when request-reply
 * calls overlap on an in-order port (README).
 */
final class RmLossy {
    /** Metro's retransmission interval here (its default is 2000 ms). */
    static final long RETRANSMISSION_MS = 100;

    private final PeerCase pc;
    private final RmExchange.Ports ports;
    private final int n;
    private final String tag;

    RmLossy(PeerCase pc, RmExchange.Ports ports, int n, String tag) {
        this.pc = pc;
        this.ports = ports;
        this.n = n;
        this.tag = tag + "." + pc.scenario();
    }

    /** The RM feature of the lossy ports: the policy's, with short retransmissions. */
    private ReliableMessagingFeature feature(boolean oneWay) {
        boolean rm11 = "rm11".equals(pc.rm());
        ReliableMessagingFeatureBuilder b = new ReliableMessagingFeatureBuilder(
            rm11 ? RmProtocolVersion.WSRM200702 : RmProtocolVersion.WSRM200502)
            .deliveryAssurance(ReliableMessagingFeature.DeliveryAssurance.EXACTLY_ONCE)
            .enableOrderedDelivery()
            .messageRetransmissionInterval(RETRANSMISSION_MS)
            .retransmissionBackoffAlgorithm(ReliableMessagingFeature.BackoffAlgorithm.CONSTANT)
            .maxMessageRetransmissionCount(50)
            .closeSequenceOperationTimeout(Wsdls.RM_CLOSE_TIMEOUT_MS);
        if (oneWay) {
            b.disableOfferElementGeneration();
        }
        if (rm11 && pc.session()) {
            b.securityBinding(ReliableMessagingFeature.SecurityBinding.STR);
        }
        return b.build();
    }

    /** Runs both sessions; returns "" or what went wrong. */
    String run() throws Exception {
        String reason = session(false, n);
        if (!reason.isEmpty()) {
            return "request-reply session: " + reason;
        }
        reason = session(true, Math.max(1, n / 4));
        return reason.isEmpty() ? "" : "one-way session: " + reason;
    }

    private String session(boolean oneWay, int count) throws Exception {
        MessageDumpingFeature dump = ClientRunner.dumping();
        IPingService port = ports.open(dump, feature(oneWay));
        String t = tag + (oneWay ? ".ow" : ".rr");
        long start = System.nanoTime();
        List<String> wire = new ArrayList<>(); // for SOAPSTACK_METRO_TRACE; the Go side counts the attempts at the link
        String reason = "";
        try {
            for (int k = 1; k <= count && reason.isEmpty(); k++) {
                String text = "rm " + t + " " + k + "/" + count;
                if (oneWay || k % 5 == 0) {
                    port.notifyMessage(text);
                    continue;
                }
                String got = port.echo(text);
                if (!text.equals(got)) {
                    reason = "echo " + k + " returned \"" + got + "\", want \"" + text + "\"";
                }
            }
        } finally {
            long closing = System.nanoTime();
            ((Closeable) port).close();
            ClientRunner.drain(pc, dump, wire);
            System.err.printf("LOSSY %s %s: %d messages, %.1f s, closing %.1f s%n", pc.name(),
                oneWay ? "one-way" : "request-reply", count, (System.nanoTime() - start) / 1e9,
                (System.nanoTime() - closing) / 1e9);
        }
        return reason;
    }
}
