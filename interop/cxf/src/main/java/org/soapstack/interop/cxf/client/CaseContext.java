package org.soapstack.interop.cxf.client;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.soapstack.interop.cxf.rm.RmScenario;
import org.soapstack.interop.cxf.rm.RmVersion;
import org.soapstack.interop.cxf.sc.ScScenarioSpec;
import org.soapstack.interop.cxf.sc.ScVersion;
import org.soapstack.interop.cxf.wssec.WsSecScenarioSpec;

/** Everything one case (scenario × version) gets: its version and typed clients for it. */
public final class CaseContext implements AutoCloseable {
    private final PingPorts ports;
    private final SecurePorts securePorts;
    private final ScPorts scPorts;
    private final RmPorts rmPorts;
    private final CaseVersion version;
    private final String tag = UUID.randomUUID().toString().substring(0, 8);
    private final List<PingPort> opened = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    CaseContext(PingPorts ports, SecurePorts securePorts, ScPorts scPorts, RmPorts rmPorts, CaseVersion version) {
        this.ports = ports;
        this.securePorts = securePorts;
        this.scPorts = scPorts;
        this.rmPorts = rmPorts;
        this.version = version;
    }

    public CaseVersion version() {
        return version;
    }

    /** A short random tag, to make texts unique per case. */
    public String tag() {
        return tag;
    }

    /** A fresh typed client of the foundation endpoint for this case's version. */
    public PingPort port() {
        if (!(version instanceof WireVersion)) {
            throw new IllegalStateException("no foundation endpoint for version " + version.id());
        }
        PingPort p = ports.open((WireVersion) version);
        opened.add(p);
        return p;
    }

    /** A fresh typed client of a plain WS-Security endpoint, configured from its policy. */
    public PingPort securePort(WsSecScenarioSpec spec) throws CheckFailure {
        PingPort p = securePorts.open(spec);
        opened.add(p);
        return p;
    }

    /**
     * A fresh typed client of a WS-SecureConversation endpoint, configured from its policy;
     * also starts a new {@link #scLog()}.
     */
    public PingPort scPort(ScScenarioSpec spec, ScVersion v) throws CheckFailure {
        PingPort p = scPorts.open(spec, v);
        opened.add(p);
        scPorts.log().reset();
        return p;
    }

    /** A new reliable session client of an rm endpoint (its own bus; close it). */
    public RmPorts.Session rmSession(RmScenario scenario, RmVersion v) {
        return rmPorts.open(scenario, v);
    }

    /**
     * The server's verdict on the rm case with {@code tag} (echo(tag) at /rm/status, not
     * reliable): asked again every 200 ms until it starts with "ok" or {@code settleMillis}
     * passed (the server may still be processing the TerminateSequence); the last answer.
     */
    public String rmStatus(String tag, long settleMillis) throws InterruptedException {
        PingPort p = ports.open(WireVersion.SOAP12_WSA10, RmScenario.STATUS_PATH);
        opened.add(p);
        long deadline = System.currentTimeMillis() + settleMillis;
        String verdict;
        do {
            p.nextCall();
            verdict = p.service().echo(tag);
            if (verdict != null && verdict.startsWith("ok")) {
                return verdict;
            }
            Thread.sleep(200);
        } while (System.currentTimeMillis() < deadline);
        return verdict;
    }

    /**
     * Whether the secure-conversation ports use CXF's streaming WS-Security: the client then
     * never builds a DOM of a response, so {@link ScMessageLog} sees only the raw bytes.
     */
    public boolean streaming() {
        return scPorts.streaming();
    }

    /** The actions of every message the secure-conversation clients sent and received. */
    public ScMessageLog scLog() {
        return scPorts.log();
    }

    /**
     * Records a protocol error CXF logged without failing the call (e.g. its STS client's
     * "Problem cancelling token"); the case's report line carries it under "warnings".
     */
    public synchronized void warn(String warning) {
        warnings.add(warning);
    }

    synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Extra explanation for a failed call on the most recent port, or null. */
    String diagnose() {
        return opened.isEmpty() ? null : Checks.diagnose(opened.get(opened.size() - 1));
    }

    @Override
    public void close() {
        for (PingPort p : opened) {
            try {
                p.close();
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
    }
}
