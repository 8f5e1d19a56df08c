package org.soapstack.interop.cxf.client;

/** One line of the client's report: {"scenario":..,"version":..,"pass":..,"reason":..}. */
public record CaseResult(String scenario, String version, boolean pass, String reason) {

    public String toJson() {
        return "{\"scenario\":" + quote(scenario) + ",\"version\":" + quote(version)
            + ",\"pass\":" + pass + ",\"reason\":" + quote(reason == null ? "" : reason) + "}";
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
