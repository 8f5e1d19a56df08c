package org.soapstack.interop.cxf.wssec;

import java.util.Map;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.UnsupportedCallbackException;

import org.apache.wss4j.common.ext.WSPasswordCallback;

/**
 * security.callback-handler of both sides: the one UsernameToken user (alice / clarinet),
 * and the password of the service and client private keys. Unknown identifiers get no
 * password, so WSS4J rejects their UsernameTokens.
 */
public final class PasswordCallbackHandler implements CallbackHandler {
    public static final String USER = "alice";
    public static final String USER_PASSWORD = "clarinet";

    private static final Map<String, String> KEYS = Map.of(
        Pki.SERVICE, Pki.PASSWORD,
        Pki.CLIENT, Pki.PASSWORD);

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback c : callbacks) {
            if (!(c instanceof WSPasswordCallback)) {
                throw new UnsupportedCallbackException(c);
            }
            WSPasswordCallback pc = (WSPasswordCallback) c;
            String id = pc.getIdentifier();
            switch (pc.getUsage()) {
                case WSPasswordCallback.USERNAME_TOKEN:
                    if (USER.equals(id)) {
                        pc.setPassword(USER_PASSWORD);
                    }
                    break;
                case WSPasswordCallback.DECRYPT:
                case WSPasswordCallback.SIGNATURE:
                    String pw = id == null ? null : KEYS.get(id);
                    if (pw != null) {
                        pc.setPassword(pw);
                    }
                    break;
                default:
                    break;
            }
        }
    }
}
