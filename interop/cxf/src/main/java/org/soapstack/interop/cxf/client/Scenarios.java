package org.soapstack.interop.cxf.client;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.soapstack.interop.cxf.client.scenarios.EchoScenario;
import org.soapstack.interop.cxf.client.scenarios.FaultScenario;
import org.soapstack.interop.cxf.client.scenarios.LargeEchoScenario;
import org.soapstack.interop.cxf.client.scenarios.OneWayScenario;
import org.soapstack.interop.cxf.client.scenarios.RmSessionScenario;
import org.soapstack.interop.cxf.client.scenarios.ScEchoScenario;
import org.soapstack.interop.cxf.client.scenarios.WsSecEchoScenario;
import org.soapstack.interop.cxf.rm.RmScenario;
import org.soapstack.interop.cxf.sc.ScCatalog;
import org.soapstack.interop.cxf.sc.ScScenarioSpec;
import org.soapstack.interop.cxf.wssec.WsSecCatalog;
import org.soapstack.interop.cxf.wssec.WsSecScenarioSpec;

/** Registry of scenarios by report name; new scenario families register here. */
public final class Scenarios {
    private static final Map<String, Scenario> BY_NAME = new LinkedHashMap<>();

    static {
        register(new EchoScenario());
        register(new FaultScenario());
        register(new LargeEchoScenario());
        register(new OneWayScenario());
        for (WsSecScenarioSpec spec : WsSecCatalog.all()) {
            register(new WsSecEchoScenario(spec));
        }
        for (ScScenarioSpec spec : ScCatalog.all()) {
            register(new ScEchoScenario(spec));
        }
        for (RmScenario rm : RmScenario.values()) {
            register(new RmSessionScenario(rm));
        }
        // CXF's WSSCTest runs AC once more with the RST sent without a SOAP action
        for (ScScenarioSpec spec : ScCatalog.all()) {
            if (spec.name().equals("AC")) {
                register(new ScEchoScenario(spec, true));
            }
        }
    }

    private Scenarios() {
    }

    private static void register(Scenario s) {
        if (BY_NAME.putIfAbsent(s.name(), s) != null) {
            throw new IllegalStateException("duplicate scenario " + s.name());
        }
    }

    public static Optional<Scenario> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    public static Collection<Scenario> all() {
        return Collections.unmodifiableCollection(BY_NAME.values());
    }
}
