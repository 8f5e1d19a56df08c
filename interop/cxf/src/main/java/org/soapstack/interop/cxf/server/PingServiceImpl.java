package org.soapstack.interop.cxf.server;

import java.util.concurrent.atomic.AtomicReference;

import jakarta.jws.WebService;

import org.soapstack.interop.cxf.contract.IPingService;
import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.contract.PingFault;
import org.soapstack.interop.cxf.contract.PingFaultInfo;
import org.soapstack.interop.cxf.rm.RmLedger;

/** The contract's behaviour: echo, always-faulting fail, one-way notify with last-notify recall. */
@WebService(endpointInterface = "org.soapstack.interop.cxf.contract.IPingService",
    targetNamespace = PingContract.TNS, serviceName = "PingService")
public class PingServiceImpl implements IPingService {
    /** Shared by all endpoints of one server, so a notify on /soap11 is seen by echo on /soap12. */
    private final AtomicReference<String> lastNotify;
    /** The rm endpoints report every delivery here; null elsewhere. */
    private final RmLedger ledger;

    public PingServiceImpl(AtomicReference<String> lastNotify) {
        this(lastNotify, null);
    }

    public PingServiceImpl(AtomicReference<String> lastNotify, RmLedger ledger) {
        this.lastNotify = lastNotify;
        this.ledger = ledger;
    }

    @Override
    public String echo(String request) {
        if (ledger != null) {
            ledger.delivered(request, false);
        }
        if (PingContract.LAST_NOTIFY.equals(request)) {
            return lastNotify.get();
        }
        return request;
    }

    @Override
    public void fail(String reason) throws PingFault {
        throw new PingFault(reason, new PingFaultInfo(PingContract.PING_FAULT_CODE, reason));
    }

    @Override
    public void notifyMessage(String message) {
        if (ledger != null) {
            ledger.delivered(message, true);
        }
        lastNotify.set(message);
    }
}
