package org.soapstack.interop.cxf.client.scenarios;

import java.util.List;

import org.soapstack.interop.cxf.client.CaseContext;
import org.soapstack.interop.cxf.client.CaseVersion;
import org.soapstack.interop.cxf.client.Checks;
import org.soapstack.interop.cxf.client.PingPort;
import org.soapstack.interop.cxf.client.Scenario;
import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.wssec.WsSecCatalog;
import org.soapstack.interop.cxf.wssec.WsSecScenarioSpec;

/**
 * One plain WS-Security scenario (SCENARIOS.md): an echo through a CXF client configured from
 * the scenario's policy WSDL. CXF's policy engine secures the request and verifies the
 * response against the same policy; the case checks the echo, that the response carried a
 * Security header (with encrypted parts where the policy encrypts), and for wssec11 the
 * WS-Addressing 2004/08 reply headers.
 */
public final class WsSecEchoScenario implements Scenario {
    private final WsSecScenarioSpec spec;

    public WsSecEchoScenario(WsSecScenarioSpec spec) {
        this.spec = spec;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public List<? extends CaseVersion> versions() {
        return List.of(spec.family());
    }

    @Override
    public List<String> groups() {
        return List.of(WsSecCatalog.GROUP);
    }

    @Override
    public void run(CaseContext ctx) throws Exception {
        PingPort port = ctx.securePort(spec);
        String text = "Hello " + spec.caseName() + " from CXF <soapstack> & \"friends\" \u00e9\u00e8 \u2713 "
            + ctx.tag();
        String messageId = port.nextCall();
        String answer = port.service().echo(text);
        Checks.sameText("echo result", text, answer);
        if (spec.securedResponse()) {
            Checks.secured(port, spec.encrypted());
        }
        if (messageId != null) {
            Checks.reply(port, PingContract.ECHO_RESPONSE_ACTION, messageId);
        } else {
            Checks.contentType(port);
        }
    }
}
