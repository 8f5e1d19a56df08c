package org.soapstack.interop.metro;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;

import com.sun.xml.wss.impl.callback.PasswordValidationCallback;

/** Checks the interop user (alice/clarinet) for the UsernameToken scenarios on the Metro server. */
public final class UsernameValidator implements PasswordValidationCallback.PasswordValidator {
    static final String USER = "alice";
    static final String PASSWORD = "clarinet";

    @Override
    public boolean validate(PasswordValidationCallback.Request request)
            throws PasswordValidationCallback.PasswordValidationException {
        if (!(request instanceof PasswordValidationCallback.PlainTextPasswordRequest pt)) {
            throw new PasswordValidationCallback.PasswordValidationException("only plain-text passwords are configured");
        }
        boolean user = MessageDigest.isEqual(USER.getBytes(StandardCharsets.UTF_8),
            String.valueOf(pt.getUsername()).getBytes(StandardCharsets.UTF_8));
        boolean pass = MessageDigest.isEqual(PASSWORD.getBytes(StandardCharsets.UTF_8),
            String.valueOf(pt.getPassword()).getBytes(StandardCharsets.UTF_8));
        return user && pass;
    }
}
