package org.soapstack.interop.cxf.client.scenarios;

import org.soapstack.interop.cxf.client.CaseContext;
import org.soapstack.interop.cxf.client.Checks;
import org.soapstack.interop.cxf.client.PingPort;
import org.soapstack.interop.cxf.client.Scenario;
import org.soapstack.interop.cxf.contract.PingContract;

/** LargeEcho: 1 MiB of text comes back unchanged. */
public final class LargeEchoScenario implements Scenario {
    public static final int SIZE = 1 << 20;
    private static final String ALPHABET =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    @Override
    public String name() {
        return "LargeEcho";
    }

    /** A deterministic text of the given length whose lines are all different (aids diffs). */
    public static String text(int size) {
        StringBuilder sb = new StringBuilder(size);
        int line = 0;
        while (sb.length() < size) {
            String head = "line " + line + ": ";
            sb.append(head);
            for (int i = 0; i < 100 && sb.length() < size; i++) {
                sb.append(ALPHABET.charAt((i * 7 + line) % ALPHABET.length()));
            }
            if (sb.length() < size) {
                sb.append('\n');
            }
            line++;
        }
        sb.setLength(size);
        return sb.toString();
    }

    @Override
    public void run(CaseContext ctx) throws Exception {
        PingPort port = ctx.port();
        String text = text(SIZE);
        String messageId = port.nextCall();
        String answer = port.service().echo(text);
        Checks.sameText("large echo result", text, answer);
        Checks.reply(port, PingContract.ECHO_RESPONSE_ACTION, messageId);
    }
}
