package org.soapstack.interop.cxf.sc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Every WS-SecureConversation scenario of SCENARIOS.md, read from the table that
 * interop/cxf/wsdl/gen-sc writes next to the WSDLs (wsdl/sc-scenarios.txt), plus what the
 * policies themselves say about Cancel.
 */
public final class ScCatalog {
    /** The --cases group that selects all of them (both versions). */
    public static final String GROUP = "sc";
    public static final String TABLE_RESOURCE = "wsdl/sc-scenarios.txt";

    private static final String WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy";
    private static final String WSU =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

    private static final List<ScScenarioSpec> ALL = load();
    private static final Map<ScVersion, Map<String, Boolean>> MUST_NOT_CANCEL = new EnumMap<>(ScVersion.class);

    private ScCatalog() {
    }

    public static List<ScScenarioSpec> all() {
        return ALL;
    }

    private static List<ScScenarioSpec> load() {
        List<ScScenarioSpec> l = new ArrayList<>();
        try (InputStream in = ScCatalog.class.getClassLoader().getResourceAsStream(TABLE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + TABLE_RESOURCE);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null;) {
                line = line.trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\\s+");
                if (f.length != 6) {
                    throw new IllegalStateException(TABLE_RESOURCE + ": bad line " + line);
                }
                l.add(new ScScenarioSpec(f[0], f[1], "D".equals(f[2]), f[3], Integer.parseInt(f[4]),
                    ScScenarioSpec.Cancel.parse(f[5])));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + TABLE_RESOURCE + ": " + e, e);
        }
        return Collections.unmodifiableList(l);
    }

    /**
     * True if the scenario's policy (wsu:Id NAME_policy in the version's WSDL) carries a
     * MustNotSendCancel assertion, in WCF's namespace or a WS-SecurityPolicy one. The policy,
     * not the scenario name, is the truth about Cancel.
     */
    public static synchronized boolean policyForbidsCancel(ScVersion version, String scenario) {
        Map<String, Boolean> m = MUST_NOT_CANCEL.computeIfAbsent(version, ScCatalog::scanPolicies);
        Boolean b = m.get(scenario);
        if (b == null) {
            throw new IllegalStateException("no policy " + scenario + "_policy in " + version.wsdlResource());
        }
        return b;
    }

    private static Map<String, Boolean> scanPolicies(ScVersion version) {
        Map<String, Boolean> m = new HashMap<>();
        try (InputStream in = version.wsdlUrl().openStream()) {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = f.newDocumentBuilder().parse(in);
            NodeList policies = doc.getElementsByTagNameNS(WSP, "Policy");
            for (int i = 0; i < policies.getLength(); i++) {
                Element p = (Element) policies.item(i);
                String id = p.getAttributeNS(WSU, "Id");
                if (!id.endsWith("_policy")) {
                    continue;
                }
                boolean forbids = p.getElementsByTagNameNS("*", "MustNotSendCancel").getLength() > 0;
                m.put(id.substring(0, id.length() - "_policy".length()), forbids);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + version.wsdlResource() + ": " + e, e);
        }
        return m;
    }
}
