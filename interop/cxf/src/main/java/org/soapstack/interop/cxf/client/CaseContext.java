package org.soapstack.interop.cxf.client;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Everything one case (scenario × version) gets: its version and typed clients for it. */
public final class CaseContext implements AutoCloseable {
    private final PingPorts ports;
    private final WireVersion version;
    private final String tag = UUID.randomUUID().toString().substring(0, 8);
    private final List<PingPort> opened = new ArrayList<>();

    CaseContext(PingPorts ports, WireVersion version) {
        this.ports = ports;
        this.version = version;
    }

    public WireVersion version() {
        return version;
    }

    /** A short random tag, to make texts unique per case. */
    public String tag() {
        return tag;
    }

    /** A fresh typed client for this case's version. */
    public PingPort port() {
        PingPort p = ports.open(version);
        opened.add(p);
        return p;
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
