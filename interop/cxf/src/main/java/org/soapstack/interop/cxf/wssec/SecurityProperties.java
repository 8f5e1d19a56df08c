package org.soapstack.interop.cxf.wssec;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.cxf.ws.security.SecurityConstants;
import org.apache.wss4j.common.ConfigurationConstants;

/**
 * The CXF security properties (security.*) of the WS-Security endpoints and clients. What
 * to do (sign, encrypt, which tokens) comes from the WSDL policies; these only say with
 * which keys and users.
 */
public final class SecurityProperties {
    private SecurityProperties() {
    }

    /**
     * Service side: signs and decrypts with the service key, verifies and encrypts with the
     * trust store (CA + client certificate), encrypts responses of the asymmetric binding to
     * the certificate that signed the request, checks UsernameTokens with the callback.
     */
    public static Map<String, Object> server(Pki pki) {
        Properties crypto = pki.merlin(Pki.SERVICE);
        Map<String, Object> p = new HashMap<>();
        p.put(SecurityConstants.CALLBACK_HANDLER, new PasswordCallbackHandler());
        p.put(SecurityConstants.SIGNATURE_PROPERTIES, crypto);
        p.put(SecurityConstants.ENCRYPT_PROPERTIES, crypto);
        p.put(SecurityConstants.SIGNATURE_USERNAME, Pki.SERVICE);
        p.put(SecurityConstants.ENCRYPT_USERNAME, ConfigurationConstants.USE_REQ_SIG_CERT);
        return p;
    }

    /**
     * Client side: user alice, signs (asymmetric initiator token, endorsing token) with the
     * client key, encrypts to the service certificate.
     */
    public static Map<String, Object> client(Pki pki) {
        Properties crypto = pki.merlin(Pki.CLIENT);
        Map<String, Object> p = new HashMap<>();
        p.put(SecurityConstants.USERNAME, PasswordCallbackHandler.USER);
        p.put(SecurityConstants.PASSWORD, PasswordCallbackHandler.USER_PASSWORD);
        p.put(SecurityConstants.CALLBACK_HANDLER, new PasswordCallbackHandler());
        p.put(SecurityConstants.SIGNATURE_PROPERTIES, crypto);
        p.put(SecurityConstants.ENCRYPT_PROPERTIES, crypto);
        p.put(SecurityConstants.SIGNATURE_USERNAME, Pki.CLIENT);
        p.put(SecurityConstants.ENCRYPT_USERNAME, Pki.SERVICE);
        return p;
    }

    /**
     * The same properties plus a copy of each under its ".sct" name (security.signature.properties.sct,
     * security.callback-handler.sct, ...): CXF's secure-conversation interceptors configure the
     * bootstrap (RST/RSTR) exchange from the ".sct" variant of every security property and fall
     * back to the plain name (SecureConversationTokenInterceptorProvider.mapSecurityProps on the
     * client, SecureConversationInInterceptor.unmapSecurityProps on the server). The peer uses
     * the same keys for both levels; the copies make that explicit.
     */
    public static Map<String, Object> withSctVariants(Map<String, Object> props) {
        Map<String, Object> p = new HashMap<>(props);
        for (Map.Entry<String, Object> e : props.entrySet()) {
            p.put(e.getKey() + SCT_SUFFIX, e.getValue());
        }
        return p;
    }

    /** CXF's switch to its streaming (StAX) WS-Security implementation. */
    public static final String ENABLE_STREAMING = SecurityConstants.ENABLE_STREAMING_SECURITY;

    /** Suffix of the bootstrap variant of a security property. */
    public static final String SCT_SUFFIX = ".sct";
}
