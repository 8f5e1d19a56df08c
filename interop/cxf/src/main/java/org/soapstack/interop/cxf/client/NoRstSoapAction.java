package org.soapstack.interop.cxf.client;

import org.apache.cxf.binding.soap.SoapBindingConstants;
import org.apache.cxf.binding.soap.interceptor.SoapActionInInterceptor;
import org.apache.cxf.binding.soap.interceptor.SoapPreProtocolOutInterceptor;
import org.apache.cxf.interceptor.Fault;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;
import org.apache.cxf.rt.security.SecurityConstants;
import org.apache.cxf.ws.security.trust.STSClient;
import org.apache.cxf.ws.security.trust.STSUtils;

/**
 * Sends the RST/SCT of a secure-conversation client without a SOAP action, as the "no
 * SOAPAction" variant of CXF's own WSSCTest (apache/cxf systests/ws-security,
 * org/apache/cxf/systest/ws/wssc/WSSCTest.java, TestParam clearAction) does for AC.
 *
 * <p>Installed on the application client's out chain before
 * {@link SoapPreProtocolOutInterceptor}: on an application message it hands CXF's
 * secure-conversation interceptor an STS client of its own ("sct", as CXF would create it)
 * with this interceptor on that client's out chain too; on the STS client's RST/SCT it sets the
 * SOAP action to "", which CXF's SoapPreProtocolOutInterceptor turns into no {@code action}
 * parameter at all (SOAP 1.2). The wsa:Action header still names the request.
 */
public final class NoRstSoapAction extends AbstractPhaseInterceptor<Message> {
    public NoRstSoapAction() {
        super(Phase.POST_LOGICAL);
        addBefore(SoapPreProtocolOutInterceptor.class.getName());
    }

    @Override
    public void handleMessage(Message message) throws Fault {
        String action = (String) message.get(SoapBindingConstants.SOAP_ACTION);
        if (action == null) {
            action = SoapActionInInterceptor.getSoapAction(message);
        }
        if (action != null && action.contains("/RST/SCT")) {
            if (!action.contains("/Cancel")) {
                message.put(SoapBindingConstants.SOAP_ACTION, "");
            }
            return;
        }
        if (message.getContextualProperty(SecurityConstants.STS_CLIENT) != null) {
            return;
        }
        STSClient client = STSUtils.getClient(message, "sct");
        client.getOutInterceptors().add(this);
        message.put(SecurityConstants.STS_CLIENT, client);
    }
}
