package org.soapstack.interop.metro;

import java.util.concurrent.atomic.AtomicReference;

import jakarta.jws.WebService;

import org.soapstack.interop.metro.contract.IPingService;
import org.soapstack.interop.metro.contract.PingContract;
import org.soapstack.interop.metro.contract.PingFault;
import org.soapstack.interop.metro.contract.PingFaultInfo;

/** The contract's behaviour: echo, always-faulting fail, one-way notify with last-notify recall. */
@WebService(endpointInterface = "org.soapstack.interop.metro.contract.IPingService",
    targetNamespace = PingContract.TNS)
public class PingServiceImpl implements IPingService {
    private final AtomicReference<String> lastNotify;

    public PingServiceImpl(AtomicReference<String> lastNotify) {
        this.lastNotify = lastNotify;
    }

    @Override
    public String echo(String request) {
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
        lastNotify.set(message);
    }
}
