package org.soapstack.interop.cxf.client.scenarios;

import java.util.List;

import org.soapstack.interop.cxf.client.CaseContext;
import org.soapstack.interop.cxf.client.CheckFailure;
import org.soapstack.interop.cxf.client.Checks;
import org.soapstack.interop.cxf.client.RmPorts;
import org.soapstack.interop.cxf.client.Scenario;
import org.soapstack.interop.cxf.rm.RmExchangeCheck;
import org.soapstack.interop.cxf.rm.RmLedger;
import org.soapstack.interop.cxf.rm.RmNames;
import org.soapstack.interop.cxf.rm.RmScenario;
import org.soapstack.interop.cxf.rm.RmVersion;
import org.soapstack.interop.cxf.rm.RmWireLog;
import org.soapstack.interop.cxf.rm.RmWireMessage;

/**
 * One WS-ReliableMessaging scenario: a CXF client sends {@value #MESSAGES} application
 * messages on one reliable session (request-reply: echo, with an offered reply sequence;
 * one-way: notify, no offer), the last marked as the sequence's last message, and CXF then
 * closes and terminates the sequence once everything is acknowledged. The case passes if
 * every call succeeded (echo texts equal), the client's wire log passes
 * {@link RmExchangeCheck}, and the server's status endpoint says "ok" for the case's tag
 * (each message delivered once, in order).
 */
public final class RmSessionScenario implements Scenario {
    /** Application messages per session. */
    public static final int MESSAGES = 3;
    /** How long the client waits for CXF's TerminateSequence (and the server's verdict). */
    private static final long SETTLE_MILLIS = 10_000;

    private final RmScenario scenario;

    public RmSessionScenario(RmScenario scenario) {
        this.scenario = scenario;
    }

    @Override
    public String name() {
        return scenario.id();
    }

    @Override
    public List<RmVersion> versions() {
        return List.of(RmVersion.values());
    }

    @Override
    public List<String> groups() {
        return List.of("rm");
    }

    @Override
    public void run(CaseContext ctx) throws Exception {
        RmVersion version = (RmVersion) ctx.version();
        String tag = ctx.tag();
        try (RmPorts.Session s = ctx.rmSession(scenario, version)) {
            for (int i = 1; i <= MESSAGES; i++) {
                String text = RmLedger.text(tag, i, MESSAGES);
                if (i == MESSAGES) {
                    s.lastMessageNext();
                }
                if (version.oneWay()) {
                    s.service().notifyMessage(text);
                } else {
                    Checks.sameText("echo " + i, text, s.service().echo(text));
                }
            }
            awaitTermination(s.log());
            RmExchangeCheck check = new RmExchangeCheck(scenario, version, true, MESSAGES);
            List<String> problems = check.problems(s.log(), RmExchangeCheck.sequenceOf(s.log().messages(), true));
            for (String p : problems) {
                if (p.startsWith("note:")) {
                    System.err.println("note: " + name() + "@" + version.id() + ": " + p.substring(5).trim());
                }
            }
            List<String> failures = RmExchangeCheck.failures(problems);
            if (!failures.isEmpty()) {
                throw new CheckFailure("client wire: " + String.join("; ", failures) + " [log: " + s.log().messages() + "]");
            }
        }
        String verdict = ctx.rmStatus(tag, SETTLE_MILLIS);
        System.err.println("note: " + name() + "@" + version.id() + ": the server's verdict: " + verdict);
        if (!verdict.startsWith("ok")) {
            throw new CheckFailure("the server's verdict: " + verdict);
        }
    }

    /** Waits until the client sent TerminateSequence (and, 1.1, got its response). */
    private void awaitTermination(RmWireLog log) throws InterruptedException {
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            boolean sent = false;
            boolean answered = !scenario.rm11();
            for (RmWireMessage m : log.messages()) {
                sent |= m.out() && m.is(RmNames.TERMINATE_SEQUENCE);
                answered |= m.in() && m.is(RmNames.TERMINATE_SEQUENCE_RESPONSE);
            }
            if (sent && answered) {
                return;
            }
            Thread.sleep(50);
        }
    }
}
