package org.soapstack.interop.cxf.client.scenarios;

import org.soapstack.interop.cxf.client.CaseContext;
import org.soapstack.interop.cxf.client.Checks;
import org.soapstack.interop.cxf.client.PingPort;
import org.soapstack.interop.cxf.client.Scenario;
import org.soapstack.interop.cxf.contract.PingContract;

/** OneWay: notify is answered 202; a following echo("last-notify") returns the notified text. */
public final class OneWayScenario implements Scenario {
    @Override
    public String name() {
        return "OneWay";
    }

    @Override
    public void run(CaseContext ctx) throws Exception {
        PingPort port = ctx.port();
        String text = "notified by CXF " + ctx.version().id() + " " + ctx.tag();
        port.nextCall();
        port.service().notifyMessage(text);
        Checks.equal("notify HTTP status", 202, port.httpStatus());

        String messageId = port.nextCall();
        String last = port.service().echo(PingContract.LAST_NOTIFY);
        Checks.sameText("echo(last-notify)", text, last);
        Checks.reply(port, PingContract.ECHO_RESPONSE_ACTION, messageId);
    }
}
