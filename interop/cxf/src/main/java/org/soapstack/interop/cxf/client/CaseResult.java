package org.soapstack.interop.cxf.client;

import java.util.List;

/**
 * One line of the client's report:
 * {"scenario":..,"version":..,"pass":..,"reason":..,"mode":..,"warnings":[..]}. mode is "dom" or
 * "streaming" (ws-security.enable.streaming); warnings are protocol errors CXF logged without
 * failing the case (a caller should count a case with warnings as failed).
 */
public record CaseResult(String scenario, String version, boolean pass, String reason, String mode,
                         List<String> warnings) {

    public CaseResult(String scenario, String version, boolean pass, String reason) {
        this(scenario, version, pass, reason, "dom", List.of());
    }

    /** The same result with the mode and warnings of the case. */
    public CaseResult with(String mode, List<String> warnings) {
        return new CaseResult(scenario, version, pass, reason, mode, warnings);
    }

    public String toJson() {
        StringBuilder w = new StringBuilder("[");
        for (String s : warnings) {
            if (w.length() > 1) {
                w.append(',');
            }
            w.append(quote(s));
        }
        w.append(']');
        return "{\"scenario\":" + quote(scenario) + ",\"version\":" + quote(version)
            + ",\"pass\":" + pass + ",\"reason\":" + quote(reason == null ? "" : reason)
            + ",\"mode\":" + quote(mode) + ",\"warnings\":" + w + "}";
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
