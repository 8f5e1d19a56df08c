package org.soapstack.interop.metro;

import jakarta.jws.WebService;

import org.soapstack.interop.metro.contract.IPingService;
import org.soapstack.interop.metro.contract.PingContract;
import org.soapstack.interop.metro.contract.PingFault;
import org.soapstack.interop.metro.contract.PingFaultInfo;

/**
 * The status endpoint ({@link RmLedger#STATUS_PATH}, plain SOAP 1.2, not reliable): echo("tag
 * n") returns the ledger's verdict on the lossy test with that tag, "ok: ..." or "fail: ...".
 */
@WebService(endpointInterface = "org.soapstack.interop.metro.contract.IPingService",
    targetNamespace = PingContract.TNS, serviceName = "PingService")
public class RmStatusService implements IPingService {
    private final RmLedger ledger;

    RmStatusService(RmLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public String echo(String query) {
        return ledger.verdict(query);
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
