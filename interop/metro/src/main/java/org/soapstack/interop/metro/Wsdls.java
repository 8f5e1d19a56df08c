package org.soapstack.interop.metro;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The policy WSDLs with Metro's own configuration assertions added to every binding policy:
 * key and trust stores of the test PKI, the UsernameToken credentials (client) or validator
 * (server). Metro reads these private assertions from the effective policy (they never go on
 * the wire or into the published WSDL). One file per document and side, under a temp dir.
 */
public final class Wsdls {
    private static final String WSPP = "http://java.sun.com/xml/ns/wsit/policy";
    private static final String SERVER_NS = "http://schemas.sun.com/2006/03/wss/server";
    private static final String CLIENT_NS = "http://schemas.sun.com/2006/03/wss/client";
    private static final String STOREPASS = "password";
    private static final String RM10_POLICY_NS = "http://schemas.xmlsoap.org/ws/2005/02/rm/policy";
    /** The Metro client's RM close timeout (see {@link #rmClientAssertion}). */
    static final int RM_CLOSE_TIMEOUT_MS = 300;

    /** Which side the configuration is for. */
    public enum Side { SERVER, CLIENT }

    private final Path pki;
    private final Path dir;
    private final Map<String, Path> cache = new ConcurrentHashMap<>();

    public Wsdls(Path pki) throws IOException {
        this.pki = pki.toAbsolutePath();
        this.dir = Files.createTempDirectory("soapstack-metro-wsdl");
        dir.toFile().deleteOnExit();
    }

    /** Reads a classpath resource as UTF-8 text. */
    public static String resource(String name) throws IOException {
        try (InputStream in = Catalog.open(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The policy a binding refers to (its first wsp:PolicyReference), or null. */
    static String bindingPolicyId(Element binding) {
        if (binding == null) {
            return null;
        }
        NodeList nl = binding.getChildNodes();
        for (int i = 0; i < nl.getLength(); i++) {
            if (nl.item(i) instanceof Element el && "PolicyReference".equals(el.getLocalName())) {
                return el.getAttribute("URI").replaceFirst("^#", "");
            }
        }
        return null;
    }

    /** The text of the top-level policy with the given wsu:Id (up to the next top-level element). */
    static String policyText(String wsdl, String id) {
        int start = wsdl.indexOf("wsu:Id=\"" + id + "\"");
        if (start < 0) {
            return "";
        }
        int end = wsdl.indexOf("\n  <", start + 1);
        return end < 0 ? wsdl.substring(start) : wsdl.substring(start, end);
    }

    /** The WSDL file of a document for one side (written once). */
    public Path file(String resource, Side side) throws IOException {
        String key = resource + "|" + side;
        Path p = cache.get(key);
        if (p != null) {
            return p;
        }
        String text = inject(resource(resource), side);
        String base = Path.of(resource).getFileName().toString().replace(".wsdl", "");
        p = dir.resolve(base + "-" + side.name().toLowerCase() + ".wsdl");
        Files.writeString(p, text, StandardCharsets.UTF_8);
        p.toFile().deleteOnExit();
        cache.put(key, p);
        return p;
    }

    String inject(String wsdl, Side side) {
        // binding-level policies: the PolicyReference right after <wsdl:binding ...>
        Set<String> ids = new LinkedHashSet<>();
        Matcher b = Pattern.compile("<wsdl:binding [^>]*>\\s*<wsp:PolicyReference URI=\"#([^\"]+)\"").matcher(wsdl);
        while (b.find()) {
            ids.add(b.group(1));
        }
        String assertions = side == Side.SERVER ? serverAssertions() : clientAssertions();
        StringBuilder out = new StringBuilder(wsdl);
        for (String id : ids) {
            int at = out.indexOf("wsu:Id=\"" + id + "\"");
            int all = at < 0 ? -1 : out.indexOf("<wsp:All>", at);
            if (all < 0) {
                continue;
            }
            String policy = policyText(wsdl, id);
            String add = "";
            // no key stores in plain reliable messaging (no security binding), or Metro
            // would put a security tube in the way
            boolean plainRm = policy.contains("RMAssertion")
                && !policy.matches("(?s).*(Symmetric|Asymmetric|Transport)Binding.*");
            if (!plainRm) {
                add += assertions;
            }
            if (side == Side.CLIENT && policy.contains("RMAssertion")) {
                add += rmClientAssertion(policy.contains(RM10_POLICY_NS));
            }
            out.insert(all + "<wsp:All>".length(), add);
        }
        return out.toString();
    }

    /**
     * Metro's client close timeout (ReliableMessagingFeature closeSequenceOperationTimeout,
     * 3000 ms by default): closing a port waits this long, several times, for the offered
     * sequence to be closed and terminated, which no destination does on the anonymous back
     * channel (Metro's own neither), so each wait runs out. RM 1.0 reads it from
     * sunrmcp:CloseTimeout, RM 1.1 from metrormp:CloseSequenceTimeout.
     */
    private static String rmClientAssertion(boolean rm10) {
        if (rm10) {
            return "\n        <sunrmcp:CloseTimeout xmlns:sunrmcp=\"http://sun.com/2006/03/rm/client\" Milliseconds=\""
                + RM_CLOSE_TIMEOUT_MS + "\"/>";
        }
        return "\n        <metrormp:CloseSequenceTimeout xmlns:metrormp=\"http://java.sun.com/xml/ns/metro/ws-rx/wsrmp/200702\""
            + " Milliseconds=\"" + RM_CLOSE_TIMEOUT_MS + "\"/>";
    }

    private String store(String file) {
        return pki.resolve(file).toString();
    }

    private String serverAssertions() {
        return "\n        <sc:KeyStore xmlns:sc=\"" + SERVER_NS + "\" xmlns:wspp=\"" + WSPP + "\" wspp:visibility=\"private\""
            + " location=\"" + store("service.p12") + "\" type=\"PKCS12\" storepass=\"" + STOREPASS + "\""
            + " alias=\"service\" keypass=\"" + STOREPASS + "\"/>"
            + "\n        <sc:TrustStore xmlns:sc=\"" + SERVER_NS + "\" xmlns:wspp=\"" + WSPP + "\" wspp:visibility=\"private\""
            + " location=\"" + store("service-truststore.p12") + "\" type=\"PKCS12\" storepass=\"" + STOREPASS + "\"/>"
            + "\n        <sc:ValidatorConfiguration xmlns:sc=\"" + SERVER_NS + "\" xmlns:wspp=\"" + WSPP + "\" wspp:visibility=\"private\">"
            + "<sc:Validator name=\"usernameValidator\" classname=\"" + UsernameValidator.class.getName() + "\"/>"
            + "</sc:ValidatorConfiguration>";
    }

    private String clientAssertions() {
        return "\n        <sc1:KeyStore xmlns:sc1=\"" + CLIENT_NS + "\" xmlns:wspp=\"" + WSPP + "\" wspp:visibility=\"private\""
            + " location=\"" + store("client.p12") + "\" type=\"PKCS12\" storepass=\"" + STOREPASS + "\""
            + " alias=\"client\" keypass=\"" + STOREPASS + "\"/>"
            + "\n        <sc1:TrustStore xmlns:sc1=\"" + CLIENT_NS + "\" xmlns:wspp=\"" + WSPP + "\" wspp:visibility=\"private\""
            + " location=\"" + store("client-truststore.p12") + "\" type=\"PKCS12\" storepass=\"" + STOREPASS + "\""
            + " peeralias=\"service\"/>"
            + "\n        <sc1:CallbackHandlerConfiguration xmlns:sc1=\"" + CLIENT_NS + "\" xmlns:wspp=\"" + WSPP + "\" wspp:visibility=\"private\">"
            + "<sc1:CallbackHandler name=\"usernameHandler\" default=\"" + UsernameValidator.USER + "\"/>"
            + "<sc1:CallbackHandler name=\"passwordHandler\" default=\"" + UsernameValidator.PASSWORD + "\"/>"
            + "</sc1:CallbackHandlerConfiguration>";
    }
}
