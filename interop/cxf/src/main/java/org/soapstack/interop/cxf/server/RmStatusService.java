package org.soapstack.interop.cxf.server;

import jakarta.jws.WebService;

import org.soapstack.interop.cxf.contract.IPingService;
import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.contract.PingFault;
import org.soapstack.interop.cxf.contract.PingFaultInfo;
import org.soapstack.interop.cxf.rm.RmLedger;

/**
 * The rm status endpoint ({@code /rm/status}): echo(tag) returns the server's verdict on the
 * reliable session of that case ("ok: ..." or "fail: ..."), so a client of another stack can
 * learn whether the CXF service got each message once, in order, and saw the session's RM
 * messages. Not reliable itself.
 */
@WebService(endpointInterface = "org.soapstack.interop.cxf.contract.IPingService",
    targetNamespace = PingContract.TNS, serviceName = "PingService")
public class RmStatusService implements IPingService {
    private final RmLedger ledger;

    public RmStatusService(RmLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public String echo(String tag) {
        return ledger.verdict(tag);
    }

    @Override
    public void fail(String reason) throws PingFault {
        throw new PingFault(reason, new PingFaultInfo(PingContract.PING_FAULT_CODE, reason));
    }

    @Override
    public void notifyMessage(String message) {
        // nothing to record
    }
}
