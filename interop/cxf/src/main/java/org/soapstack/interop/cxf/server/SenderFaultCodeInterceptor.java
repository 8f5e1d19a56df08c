package org.soapstack.interop.cxf.server;

import org.apache.cxf.interceptor.Fault;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;
import org.soapstack.interop.cxf.contract.PingFault;

/**
 * CXF reports application (declared) faults with code Server/Receiver; the contract wants
 * Client (SOAP 1.1) / Sender (SOAP 1.2) for PingFault. Fault.FAULT_CODE_CLIENT is mapped to
 * the right SOAP-version code by CXF's SOAP fault writers.
 */
public final class SenderFaultCodeInterceptor extends AbstractPhaseInterceptor<Message> {
    public SenderFaultCodeInterceptor() {
        super(Phase.PRE_PROTOCOL);
    }

    @Override
    public void handleMessage(Message message) {
        Exception ex = message.getContent(Exception.class);
        if (ex instanceof Fault && causedByPingFault(ex)) {
            ((Fault) ex).setFaultCode(Fault.FAULT_CODE_CLIENT);
        }
    }

    private static boolean causedByPingFault(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PingFault) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }
}
