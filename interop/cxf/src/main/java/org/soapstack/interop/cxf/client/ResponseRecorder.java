package org.soapstack.interop.cxf.client;

import org.apache.cxf.binding.soap.SoapFault;
import org.apache.cxf.binding.soap.SoapMessage;
import org.apache.cxf.binding.soap.interceptor.Soap11FaultInInterceptor;
import org.apache.cxf.binding.soap.interceptor.Soap12FaultInInterceptor;
import org.apache.cxf.headers.Header;
import org.apache.cxf.interceptor.ClientFaultConverter;
import org.apache.cxf.interceptor.InterceptorProvider;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;
import org.apache.cxf.ws.addressing.Names;
import org.apache.cxf.ws.addressing.VersionTransformer.Names200408;
import org.apache.cxf.ws.addressing.soap.MAPCodec;
import org.w3c.dom.Element;

/**
 * Client interceptors that copy what a response carried into an {@link Observation}:
 * the WS-Addressing headers as read from the SOAP header block (before CXF's MAPCodec, which
 * aborts responses whose RelatesTo it cannot correlate) and, for faults, the SOAP fault code
 * and reason (after the SOAP fault reader, before CXF turns the fault into the declared
 * exception and the code is no longer visible).
 */
public final class ResponseRecorder {
    private static final String WSSE_NS =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    private static final String WSSE11_NS = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd";
    private static final String XENC_NS = "http://www.w3.org/2001/04/xmlenc#";
    private static final String WSS4J_IN = "org.apache.cxf.ws.security.wss4j.WSS4JInInterceptor";
    private static final String POLICY_WSS4J_IN = "org.apache.cxf.ws.security.wss4j.PolicyBasedWSS4JInInterceptor";

    private ResponseRecorder() {
    }

    public static void install(InterceptorProvider client, Observation observation) {
        client.getInInterceptors().add(new Headers(observation));
        client.getInFaultInterceptors().add(new Headers(observation));
        client.getInFaultInterceptors().add(new FaultCode(observation));
    }

    private static final class Headers extends AbstractPhaseInterceptor<Message> {
        private final Observation observation;

        Headers(Observation observation) {
            super(Phase.PRE_PROTOCOL);
            addBefore(MAPCodec.class.getName());
            // see the Security header as it arrived, before WSS4J decrypts in place
            addBefore(WSS4J_IN);
            addBefore(POLICY_WSS4J_IN);
            this.observation = observation;
        }

        @Override
        public void handleMessage(Message message) {
            // a response turned fault passes the in and the in-fault chain: record it once
            if (message.put(Headers.class.getName(), Boolean.TRUE) != null) {
                return;
            }
            Object ct = message.get(Message.CONTENT_TYPE);
            observation.responded(ct == null ? null : ct.toString());
            if (!(message instanceof SoapMessage)) {
                return;
            }
            for (Header h : ((SoapMessage) message).getHeaders()) {
                String ns = h.getName().getNamespaceURI();
                if (WSSE_NS.equals(ns) && "Security".equals(h.getName().getLocalPart())
                    && h.getObject() instanceof Element) {
                    Element sec = (Element) h.getObject();
                    observation.securityHeader(
                        sec.getElementsByTagNameNS(XENC_NS, "DataReference").getLength(),
                        sec.getElementsByTagNameNS(WSSE11_NS, "SignatureConfirmation").getLength());
                    continue;
                }
                if (!Names.WSA_NAMESPACE_NAME.equals(ns) && !Names200408.WSA_NAMESPACE_NAME.equals(ns)) {
                    continue;
                }
                String value = h.getObject() instanceof Element
                    ? ((Element) h.getObject()).getTextContent().trim() : null;
                observation.addressingHeader(ns, h.getName().getLocalPart(), value);
            }
        }
    }

    private static final class FaultCode extends AbstractPhaseInterceptor<Message> {
        private final Observation observation;

        FaultCode(Observation observation) {
            super(Phase.UNMARSHAL);
            addAfter(Soap11FaultInInterceptor.class.getName());
            addAfter(Soap12FaultInInterceptor.class.getName());
            addBefore(ClientFaultConverter.class.getName());
            this.observation = observation;
        }

        @Override
        public void handleMessage(Message message) {
            Exception ex = message.getContent(Exception.class);
            if (ex instanceof SoapFault) {
                SoapFault f = (SoapFault) ex;
                observation.fault(f.getFaultCode(), f.getReason());
            }
        }
    }
}
