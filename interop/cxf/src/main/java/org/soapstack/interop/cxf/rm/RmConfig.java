package org.soapstack.interop.cxf.rm;

import org.apache.cxf.ws.rm.feature.RMFeature;
import org.apache.cxf.ws.rm.manager.DeliveryAssuranceType;
import org.apache.cxf.ws.rm.manager.RM10AddressingNamespaceType;
import org.apache.cxf.ws.rm.manager.SourcePolicyType;
import org.apache.cxf.ws.rmp.v200502.RMAssertion;

/**
 * CXF's reliable-messaging configuration for the peer: an {@link RMFeature} with a short
 * base retransmission interval (500 ms instead of CXF's 3 s, so that a lost message costs a
 * test half a second; exponential backoff stays on), exactly-once in-order delivery, no
 * persistent store (CXF then keeps sequences and unacknowledged messages in memory), and
 * AcksTo the anonymous URI (CXF's default without a decoupled endpoint: acknowledgements
 * travel on the HTTP response). CXF keeps this configuration in one RMManager per bus, so a
 * client with other settings needs its own bus.
 */
public final class RmConfig {
    /** The base retransmission interval used by every RM endpoint and client of the peer. */
    public static final long BASE_RETRANSMISSION_MILLIS = 500;

    private RmConfig() {
    }

    /** The feature of the server's rm endpoints (both WS-RM versions; offers accepted). */
    public static RMFeature server() {
        return common();
    }

    /**
     * The feature of a client of {@code scenario}: its WS-RM namespace and (for WS-RM 1.0)
     * WS-Addressing namespace, and an Offer in CreateSequence iff request-reply.
     */
    public static RMFeature client(RmScenario scenario, RmVersion version) {
        RMFeature f = common();
        f.setRMNamespace(scenario.rmNamespace());
        RM10AddressingNamespaceType wsa = new RM10AddressingNamespaceType();
        wsa.setUri(scenario.wsaNamespace());
        f.setRM10AddressingNamespace(wsa);
        SourcePolicyType sp = new SourcePolicyType();
        sp.setIncludeOffer(!version.oneWay());
        f.setSourcePolicy(sp);
        return f;
    }

    private static RMFeature common() {
        RMFeature f = new RMFeature();
        RMAssertion a = new RMAssertion();
        RMAssertion.BaseRetransmissionInterval bri = new RMAssertion.BaseRetransmissionInterval();
        bri.setMilliseconds(BASE_RETRANSMISSION_MILLIS);
        a.setBaseRetransmissionInterval(bri);
        f.setRMAssertion(a);
        DeliveryAssuranceType da = new DeliveryAssuranceType();
        da.setExactlyOnce(new DeliveryAssuranceType.ExactlyOnce());
        da.setInOrder(new DeliveryAssuranceType.InOrder());
        f.setDeliveryAssurance(da);
        return f;
    }
}
