package org.soapstack.interop.cxf.client;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.apache.cxf.Bus;
import org.apache.cxf.BusFactory;
import org.soapstack.interop.cxf.rm.RmVersion;
import org.soapstack.interop.cxf.sc.ScVersion;
import org.soapstack.interop.cxf.wire.WireTap;
import org.soapstack.interop.cxf.wssec.Pki;
import org.soapstack.interop.cxf.wssec.WsSecFamily;

/** Client mode: runs the selected cases and prints one JSON result line per case. */
public final class ClientRunner {
    /** A case that names an unknown scenario or version; reported as a failing line. */
    private record Selected(String scenarioName, String versionId, Scenario scenario, CaseVersion version) {
    }

    private final String baseUrl;
    private final String tlsBaseUrl;
    private final long timeoutSeconds;
    private final WireTap tap;
    private final PrintStream out;
    private final Supplier<Pki> pki;
    private final boolean streaming;
    private boolean usernameTokenInClear;

    /**
     * @param tlsBaseUrl the peer's HTTPS base URL (for the transport-security cases), or null
     * @param pki        the test PKI, looked up when a WS-Security case first needs it
     */
    public ClientRunner(String baseUrl, String tlsBaseUrl, long timeoutSeconds,
                        WireTap tap, PrintStream out, Supplier<Pki> pki) {
        this(baseUrl, tlsBaseUrl, timeoutSeconds, tap, out, pki, false);
    }

    /**
     * @param streaming run the secure-conversation cases with CXF's streaming (StAX)
     *                  WS-Security (ws-security.enable.streaming=true) instead of DOM
     */
    public ClientRunner(String baseUrl, String tlsBaseUrl, long timeoutSeconds,
                        WireTap tap, PrintStream out, Supplier<Pki> pki, boolean streaming) {
        this.streaming = streaming;
        this.baseUrl = baseUrl;
        this.tlsBaseUrl = tlsBaseUrl;
        this.timeoutSeconds = timeoutSeconds;
        this.tap = tap;
        this.out = out;
        this.pki = memoize(pki);
    }

    private static <T> Supplier<T> memoize(Supplier<T> s) {
        return new Supplier<T>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = s.get();
                }
                return value;
            }
        };
    }

    /**
     * Makes the WS-Security clients send a signed supporting UsernameToken unencrypted
     * (ws-security.username-token.always.encrypted=false; CXF's default is true), as the
     * plugfest's SignedSupportingTokens policies allow.
     */
    public ClientRunner usernameTokenInClear(boolean v) {
        this.usernameTokenInClear = v;
        return this;
    }

    /** All known cases, as "Scenario@version". */
    public static List<String> allCaseNames() {
        List<String> names = new ArrayList<>();
        for (Scenario s : Scenarios.all()) {
            for (CaseVersion v : s.versions()) {
                names.add(s.name() + "@" + v.id());
            }
        }
        return names;
    }

    /** Every version id any scenario knows (for error messages). */
    private static Optional<CaseVersion> anyVersion(String id) {
        List<CaseVersion> all = new ArrayList<>(List.of(WireVersion.values()));
        all.addAll(List.of(WsSecFamily.values()));
        all.addAll(List.of(ScVersion.values()));
        all.addAll(List.of(RmVersion.values()));
        return all.stream().filter(v -> v.id().equals(id)).findFirst();
    }

    /**
     * Parses a --cases value: "all", a group ("wssec", "sc"), or a comma list of "Scenario@version"
     * or "Scenario" (= every version of it).
     */
    static List<Selected> select(String spec) {
        List<Selected> cases = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String item = raw.trim();
            if (item.isEmpty()) {
                continue;
            }
            boolean group = Scenarios.all().stream().anyMatch(s -> s.groups().contains(item));
            if (item.equals("all") || group) {
                for (Scenario s : Scenarios.all()) {
                    if (item.equals("all") || s.groups().contains(item)) {
                        for (CaseVersion v : s.versions()) {
                            cases.add(new Selected(s.name(), v.id(), s, v));
                        }
                    }
                }
                continue;
            }
            int at = item.indexOf('@');
            String name = at < 0 ? item : item.substring(0, at);
            Optional<Scenario> scenario = Scenarios.byName(name);
            if (at < 0) {
                if (scenario.isPresent()) {
                    for (CaseVersion v : scenario.get().versions()) {
                        cases.add(new Selected(name, v.id(), scenario.get(), v));
                    }
                } else {
                    cases.add(new Selected(name, "", null, null));
                }
                continue;
            }
            String versionId = item.substring(at + 1);
            CaseVersion version = scenario.flatMap(s -> s.versions().stream()
                    .filter(v -> v.id().equals(versionId)).map(v -> (CaseVersion) v).findFirst())
                .or(() -> anyVersion(versionId)).orElse(null);
            cases.add(new Selected(name, versionId, scenario.orElse(null), version));
        }
        return cases;
    }

    /** Runs the cases; returns true if all passed. */
    public boolean run(String casesSpec) {
        List<Selected> cases = select(casesSpec);
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("no cases selected by --cases " + casesSpec);
        }
        Bus bus = BusFactory.newInstance().createBus();
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "case");
            t.setDaemon(true);
            return t;
        });
        boolean allPassed = true;
        ScPorts scPorts = new ScPorts(baseUrl, tlsBaseUrl, timeoutSeconds * 1000L, tap, pki, streaming);
        try {
            PingPorts ports = new PingPorts(bus, baseUrl, timeoutSeconds * 1000L, tap);
            RmPorts rmPorts = new RmPorts(baseUrl, timeoutSeconds * 1000L, tap);
            SecurePorts securePorts = new SecurePorts(bus, baseUrl, tlsBaseUrl,
                timeoutSeconds * 1000L, tap, pki).usernameTokenInClear(usernameTokenInClear);
            for (Selected c : cases) {
                CaseResult result = runOne(pool, ports, securePorts, scPorts, rmPorts, c);
                allPassed &= result.pass();
                out.println(result.toJson());
                out.flush();
            }
        } finally {
            pool.shutdownNow();
            scPorts.close();
            bus.shutdown(false);
        }
        return allPassed;
    }

    private CaseResult runOne(ExecutorService pool, PingPorts ports, SecurePorts securePorts,
                              ScPorts scPorts, RmPorts rmPorts, Selected c) {
        if (c.scenario() == null) {
            return new CaseResult(c.scenarioName(), c.versionId(), false,
                "unknown scenario " + c.scenarioName());
        }
        if (c.version() == null || !c.scenario().versions().contains(c.version())) {
            return new CaseResult(c.scenarioName(), c.versionId(), false,
                "unsupported version " + c.versionId() + " for " + c.scenarioName());
        }
        // each call has the receive timeout; the whole case gets a few of them
        long caseTimeout = timeoutSeconds * 3 + 5;
        CaseContext ctx = new CaseContext(ports, securePorts, scPorts, rmPorts, c.version());
        String mode = streaming ? "streaming" : "dom";
        return runOne(pool, c, ctx, caseTimeout).with(mode, ctx.warnings());
    }

    private CaseResult runOne(ExecutorService pool, Selected c, CaseContext ctx, long caseTimeout) {
        Future<?> f = pool.submit(() -> {
            try (ctx) {
                try {
                    c.scenario().run(ctx);
                } catch (CheckFailure e) {
                    throw e;
                } catch (Exception e) {
                    String why = ctx.diagnose();
                    if (why != null) {
                        throw new CheckFailure(why + " [" + reason(e) + "]");
                    }
                    throw e;
                }
            }
            return null;
        });
        try {
            f.get(caseTimeout, TimeUnit.SECONDS);
            return new CaseResult(c.scenarioName(), c.versionId(), true, "");
        } catch (TimeoutException e) {
            f.cancel(true);
            return new CaseResult(c.scenarioName(), c.versionId(), false,
                "timed out after " + caseTimeout + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CaseResult(c.scenarioName(), c.versionId(), false, "interrupted");
        } catch (ExecutionException e) {
            return new CaseResult(c.scenarioName(), c.versionId(), false, reason(e.getCause()));
        }
    }

    /** The exception and its causes, "Type: message <- Type: message ...", without repeats. */
    public static String reason(Throwable t) {
        if (t instanceof CheckFailure) {
            return t.getMessage();
        }
        StringBuilder sb = new StringBuilder();
        String previous = null;
        int depth = 0;
        for (Throwable c = t; c != null && depth < 8; c = c.getCause() == c ? null : c.getCause(), depth++) {
            String msg = c.getMessage();
            String item = c.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
            if (previous != null && msg != null && previous.contains(msg)) {
                continue; // wrappers often repeat their cause's message
            }
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(item);
            previous = item;
        }
        String s = sb.toString();
        return s.length() > 600 ? s.substring(0, 600) + "..." : s;
    }
}
