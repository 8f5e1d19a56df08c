package org.soapstack.interop.cxf.client.scenarios;

import jakarta.xml.ws.soap.SOAPFaultException;

import org.soapstack.interop.cxf.client.CaseContext;
import org.soapstack.interop.cxf.client.CheckFailure;
import org.soapstack.interop.cxf.client.Checks;
import org.soapstack.interop.cxf.client.PingPort;
import org.soapstack.interop.cxf.client.Scenario;
import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.contract.PingFault;
import org.soapstack.interop.cxf.contract.PingFaultInfo;

/**
 * Fault: {@code fail} answers with the declared PingFault: code Client/Sender, reason = the
 * text, detail PingFault{code 42, message text}, wsa:Action failPingFaultFault.
 */
public final class FaultScenario implements Scenario {
    @Override
    public String name() {
        return "Fault";
    }

    @Override
    public void run(CaseContext ctx) throws Exception {
        PingPort port = ctx.port();
        String text = "requested failure " + ctx.tag();
        String messageId = port.nextCall();
        PingFault fault;
        try {
            port.service().fail(text);
            throw new CheckFailure("fail returned normally instead of faulting");
        } catch (PingFault f) {
            fault = f;
        } catch (SOAPFaultException e) {
            throw new CheckFailure("fault is not the declared PingFault: code "
                + e.getFault().getFaultCodeAsQName() + ", reason " + e.getFault().getFaultString());
        }

        Checks.equal("fault code", port.version().senderFaultCode(), port.observed().faultCode());
        Checks.equal("fault reason", text, fault.getMessage());
        PingFaultInfo info = fault.getFaultInfo();
        Checks.isTrue(info != null, "fault has no PingFault detail");
        Checks.equal("detail code", PingContract.PING_FAULT_CODE, info.getCode());
        Checks.equal("detail message", text, info.getMessage());

        Integer status = port.httpStatus();
        if (port.version().soap12()) {
            // SOAP 1.2's HTTP binding allows 400 for Sender faults; 500 is common too
            Checks.isTrue(status != null && (status == 500 || status == 400),
                "fault HTTP status: expected 500 or 400, got " + status);
        } else {
            Checks.equal("fault HTTP status", 500, status);
        }
        Checks.reply(port, PingContract.FAIL_FAULT_ACTION, messageId);
    }
}
