package org.soapstack.interop.cxf.client.scenarios;

import org.soapstack.interop.cxf.client.CaseContext;
import org.soapstack.interop.cxf.client.Checks;
import org.soapstack.interop.cxf.client.PingPort;
import org.soapstack.interop.cxf.client.Scenario;
import org.soapstack.interop.cxf.contract.PingContract;

/** Echo: short text comes back unchanged; RelatesTo = MessageID, Action = echoResponse. */
public final class EchoScenario implements Scenario {
    @Override
    public String name() {
        return "Echo";
    }

    @Override
    public void run(CaseContext ctx) throws Exception {
        PingPort port = ctx.port();
        // markup characters and non-ASCII text must survive both stacks unchanged
        String text = "Hello from CXF <soapstack> & \"friends\" \u00e9\u00e8 \u2713 " + ctx.tag();
        String messageId = port.nextCall();
        String answer = port.service().echo(text);
        Checks.sameText("echo result", text, answer);
        Checks.reply(port, PingContract.ECHO_RESPONSE_ACTION, messageId);
    }
}
