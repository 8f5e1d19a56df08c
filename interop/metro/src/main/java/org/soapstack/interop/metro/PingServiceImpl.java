package org.soapstack.interop.metro;

import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.Resource;
import jakarta.jws.WebService;
import jakarta.xml.ws.WebServiceContext;

import org.soapstack.interop.metro.contract.IPingService;
import org.soapstack.interop.metro.contract.PingContract;
import org.soapstack.interop.metro.contract.PingFault;
import org.soapstack.interop.metro.contract.PingFaultInfo;

/**
 * The contract's behaviour: echo, always-faulting fail, one-way notify with last-notify recall.
 * Every echo and notify is also shown to the {@link RmLedger} (which keeps only the lossy
 * tests' texts).
 */
@WebService(endpointInterface = "org.soapstack.interop.metro.contract.IPingService",
    targetNamespace = PingContract.TNS)
public class PingServiceImpl implements IPingService {
    private final AtomicReference<String> lastNotify;
    private final RmLedger ledger;

    @Resource
    private WebServiceContext context;

    PingServiceImpl(AtomicReference<String> lastNotify, RmLedger ledger) {
        this.lastNotify = lastNotify;
        this.ledger = ledger;
    }

    @Override
    public String echo(String request) {
        if (PingContract.LAST_NOTIFY.equals(request)) {
            return lastNotify.get();
        }
        ledger.delivered(request, context == null ? null : context.getMessageContext());
        return request;
    }

    @Override
    public void fail(String reason) throws PingFault {
        throw new PingFault(reason, new PingFaultInfo(PingContract.PING_FAULT_CODE, reason));
    }

    @Override
    public void notifyMessage(String message) {
        ledger.delivered(message, context == null ? null : context.getMessageContext());
        lastNotify.set(message);
    }
}
