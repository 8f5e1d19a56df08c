package org.soapstack.interop.cxf.client.scenarios;

import java.util.List;

import org.apache.cxf.rt.security.SecurityConstants;
import org.soapstack.interop.cxf.client.CaseContext;
import org.soapstack.interop.cxf.client.CaseVersion;
import org.soapstack.interop.cxf.client.CheckFailure;
import org.soapstack.interop.cxf.client.Checks;
import org.soapstack.interop.cxf.client.NoRstSoapAction;
import org.soapstack.interop.cxf.client.ClientRunner;
import org.soapstack.interop.cxf.client.PingPort;
import org.soapstack.interop.cxf.client.Scenario;
import org.soapstack.interop.cxf.client.ScMessageLog;
import org.soapstack.interop.cxf.contract.PingContract;
import org.soapstack.interop.cxf.sc.ScCatalog;
import org.soapstack.interop.cxf.sc.ScScenarioSpec;
import org.soapstack.interop.cxf.sc.ScScenarioSpec.Cancel;
import org.soapstack.interop.cxf.sc.ScVersion;

/**
 * One WS-SecureConversation scenario (SCENARIOS.md) in one version: a CXF client configured
 * from the scenario's policy WSDL establishes the session (RST/RSTR under the bootstrap
 * policy), calls echo twice under the SCT (the second call reuses the session) and, where the
 * scenario says so, cancels the SCT after the second call (security.sts.token.do.cancel).
 *
 * <p>Checks: both echo texts come back equal, each response is secured (wsse:Security, with
 * encrypted parts unless the scenario runs over HTTPS) and carries the version's
 * WS-Addressing reply headers; exactly one RST/SCT went out (and its RSTR came back); a
 * Cancel went out (and its response came back) iff the scenario requires it; and a scenario
 * whose policy says MustNotSendCancel never cancels (the policy, not the name, decides).
 */
public final class ScEchoScenario implements Scenario {
    /** The report name suffix of the "no SOAPAction on the RST" variant. */
    public static final String NO_RST_ACTION_SUFFIX = "-NoSOAPAction";
    /** The group of the variants (not in "sc", whose 46 cases are the plugfest scenarios). */
    public static final String VARIANT_GROUP = "sc-variants";

    private final ScScenarioSpec spec;
    private final boolean noRstAction;

    public ScEchoScenario(ScScenarioSpec spec) {
        this(spec, false);
    }

    /**
     * @param noRstAction send the RST/SCT without a SOAP action (CXF's WSSCTest "no SOAPAction"
     *                    variant, {@link NoRstSoapAction}); the case is then reported as
     *                    {@code <Scenario>-NoSOAPAction} and calls the scenario's own endpoint
     */
    public ScEchoScenario(ScScenarioSpec spec, boolean noRstAction) {
        this.spec = spec;
        this.noRstAction = noRstAction;
    }

    @Override
    public String name() {
        return noRstAction ? spec.name() + NO_RST_ACTION_SUFFIX : spec.name();
    }

    @Override
    public List<? extends CaseVersion> versions() {
        return List.of(ScVersion.values());
    }

    @Override
    public List<String> groups() {
        return List.of(noRstAction ? VARIANT_GROUP : ScCatalog.GROUP);
    }

    @Override
    public void run(CaseContext ctx) throws Exception {
        ScVersion v = (ScVersion) ctx.version();
        boolean forbidden = ScCatalog.policyForbidsCancel(v, spec.name());
        if (forbidden != (spec.cancel() == Cancel.MUST_NOT)) {
            throw new CheckFailure("sc-scenarios.txt says cancel=" + spec.cancel() + " but the policy of "
                + spec.name() + " in " + v.wsdlResource() + (forbidden ? " has" : " has no")
                + " MustNotSendCancel (regenerate with wsdl/gen-sc)");
        }
        boolean cancel = spec.cancel() == Cancel.YES && !forbidden;

        PingPort port = ctx.scPort(spec, v);
        if (noRstAction) {
            port.client().getOutInterceptors().add(new NoRstSoapAction());
        }
        ScMessageLog log = ctx.scLog();
        for (int call = 1; call <= 2; call++) {
            String text = "Hello " + spec.caseName(v) + " call " + call
                + " from CXF <soapstack> & \"friends\" \u00e9\u00e8 \u2713 " + ctx.tag();
            String messageId = port.nextCall();
            if (call == 2 && cancel) {
                // CXF cancels after every response of a call made with this property, so it
                // is set only for the last call of the session
                port.setRequestProperty(SecurityConstants.STS_TOKEN_DO_CANCEL, Boolean.TRUE);
            }
            String answer;
            try {
                answer = port.service().echo(text);
            } catch (Exception e) {
                throw new CheckFailure("echo call " + call + " failed: " + ClientRunner.reason(e)
                    + "; messages so far: " + log.entries());
            }
            Checks.sameText("echo result (call " + call + ")", text, answer);
            Checks.secured(port, spec.encrypted());
            Checks.reply(port, PingContract.ECHO_RESPONSE_ACTION, messageId);
        }

        String rstrAction = v.trustNamespace() + "/RSTR/SCT";
        String cancelResponseAction = v.trustNamespace() + "/RSTR/SCT/Cancel";
        long rst = log.sent(v.rstAction());
        List<ScMessageLog.Entry> rstrs = log.responses(rstrAction);
        long cancels = log.sent(v.cancelAction());
        List<ScMessageLog.Entry> cancelled = log.responses(cancelResponseAction);
        long echoes = log.sent(PingContract.ECHO_ACTION);
        Checks.isTrue(rst == 1, "expected exactly one RST (" + v.rstAction() + "), saw " + rst + ": "
            + log.entries());
        if (noRstAction) {
            String ct = log.sentEntries(v.rstAction()).get(0).contentType();
            Checks.isTrue(ct.startsWith("application/soap+xml") && !ct.contains("action="),
                "the RST must go out as SOAP 1.2 without an action parameter, Content-Type was \"" + ct + "\"");
        }
        // In streaming mode CXF never builds a DOM of the response, so an encrypted body cannot
        // be read here; the session working (both echoes) shows the RSTR carried the token.
        boolean unreadable = ctx.streaming() && rstrs.size() == 1 && !rstrs.get(0).body().startsWith("raw: Fault")
            && !rstrs.get(0).body().startsWith("Fault");
        Checks.isTrue(rstrs.size() == 1 && (rstrs.get(0).body().contains("RequestedSecurityToken") || unreadable),
            "expected one RSTR (" + rstrAction + ") with a RequestedSecurityToken: " + log.entries());
        Checks.isTrue(echoes == 2, "expected two echo requests, saw " + echoes + ": " + log.entries());
        if (!cancel) {
            Checks.isTrue(cancels == 0, "the scenario must not cancel"
                + (forbidden ? " (MustNotSendCancel)" : "") + ", but " + cancels + " Cancel went out: "
                + log.entries());
            return;
        }
        Checks.isTrue(cancels == 1, "expected one Cancel (" + v.cancelAction() + "), saw " + cancels
            + ": " + log.entries());
        boolean confirmed = cancelled.size() == 1 && cancelled.get(0).body().contains("RequestedTokenCancelled");
        if (ctx.streaming() && cancelled.size() == 1 && cancelled.get(0).body().equals("raw: encrypted")
            && log.warnings().isEmpty()) {
            // streaming: the encrypted CancelResponse cannot be read here, but CXF's STS client
            // processed it without complaint (it logs "Problem cancelling token" otherwise)
            confirmed = true;
        }
        if (!confirmed) {
            // CXF's STS client swallows a failed Cancel (it only logs a warning), so the echo
            // call itself succeeded; say what came back instead
            ScMessageLog.Entry fault = log.lastFault();
            String why = fault != null ? "the Cancel was answered by a SOAP fault (" + fault.body() + ")"
                : "no " + cancelResponseAction + " with RequestedTokenCancelled came back";
            String hint = fault != null && fault.body().contains("Not signed before encrypted")
                ? "; known CXF limitation: CXF's client protects Cancel with the bootstrap policy"
                    + " (here EncryptBeforeSigning) while CXF's server checks Cancel against a built-in"
                    + " sign-before-encrypt binding (interop/cxf/README.md, \"Cancel\")"
                : "";
            throw new CheckFailure(why + hint + "; messages: " + log.entries()
                + (log.warnings().isEmpty() ? "" : "; CXF STS client: " + log.warnings()));
        }
        if (!log.warnings().isEmpty()) {
            // the Cancel was confirmed, but CXF's client complained about the response (see README)
            System.err.println("note: " + spec.caseName(v) + ": Cancel confirmed (RequestedTokenCancelled);"
                + " CXF's STS client logged: " + log.warnings());
            for (String w : log.warnings()) {
                ctx.warn("CXF's STS client: " + w);
            }
        }
    }
}
