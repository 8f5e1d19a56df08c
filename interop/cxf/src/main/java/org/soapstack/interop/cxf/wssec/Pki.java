package org.soapstack.interop.cxf.wssec;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Properties;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The committed test PKI of interop/pki (see its README.md): the service and client key
 * stores (PKCS#12, alias = role, password "password") and their trust stores.
 */
public final class Pki {
    /** Password of every store and key in interop/pki. */
    public static final String PASSWORD = "password";
    public static final String SERVICE = "service";
    public static final String CLIENT = "client";
    /** Environment variable naming the PKI directory (else: next to the peer's jar). */
    public static final String ENV = "SOAPSTACK_PKI_DIR";

    private final Path dir;

    private Pki(Path dir) {
        this.dir = dir;
    }

    /** The PKI in {@code dir}; checks the files are there. */
    public static Pki at(Path dir) {
        Pki pki = new Pki(dir.toAbsolutePath().normalize());
        for (String f : new String[] {"service.p12", "client.p12", "service-truststore.p12",
            "client-truststore.p12"}) {
            if (!Files.isRegularFile(pki.dir.resolve(f))) {
                throw new IllegalArgumentException("test PKI incomplete: " + pki.dir.resolve(f)
                    + " is missing (see interop/pki/README.md)");
            }
        }
        return pki;
    }

    /**
     * The PKI given by --pki, else $SOAPSTACK_PKI_DIR, else interop/pki found from the jar
     * (interop/cxf/target/soapstack-cxf-peer.jar) or the working directory.
     */
    public static Pki locate(String option) {
        if (option != null && !option.isEmpty()) {
            return at(Path.of(option));
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isEmpty()) {
            return at(Path.of(env));
        }
        for (Path start : new Path[] {codeLocation(), Path.of("").toAbsolutePath()}) {
            for (Path d = start; d != null; d = d.getParent()) {
                Path cand = d.resolve("interop").resolve("pki");
                if (Files.isRegularFile(cand.resolve("service.p12"))) {
                    return at(cand);
                }
                if (d.getFileName() != null && d.getFileName().toString().equals("interop")
                    && Files.isRegularFile(d.resolve("pki").resolve("service.p12"))) {
                    return at(d.resolve("pki"));
                }
            }
        }
        throw new IllegalArgumentException("cannot find interop/pki; pass --pki DIR or set " + ENV);
    }

    private static Path codeLocation() {
        try {
            return Path.of(Pki.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toAbsolutePath();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    public Path dir() {
        return dir;
    }

    /** {@code <role>.p12}: the role's private key and certificate (alias = role). */
    public Path keyStore(String role) {
        return dir.resolve(role + ".p12");
    }

    /** {@code <role>-truststore.p12}: the CA and the peer's certificate. */
    public Path trustStore(String role) {
        return dir.resolve(role + "-truststore.p12");
    }

    /**
     * WSS4J Merlin crypto properties for a role: its key store (signing, decryption) and its
     * trust store (the CA, and the peer's certificate for encryption and verification).
     */
    public Properties merlin(String role) {
        Properties p = new Properties();
        String m = "org.apache.wss4j.crypto.merlin.";
        p.setProperty("org.apache.wss4j.crypto.provider", "org.apache.wss4j.common.crypto.Merlin");
        p.setProperty(m + "keystore.type", "PKCS12");
        p.setProperty(m + "keystore.file", keyStore(role).toString());
        p.setProperty(m + "keystore.password", PASSWORD);
        p.setProperty(m + "keystore.alias", role);
        p.setProperty(m + "keystore.private.password", PASSWORD);
        p.setProperty(m + "truststore.type", "PKCS12");
        p.setProperty(m + "truststore.file", trustStore(role).toString());
        p.setProperty(m + "truststore.password", PASSWORD);
        p.setProperty(m + "load.cacerts", "false");
        return p;
    }

    /** TLS key managers of a role (the service certificate is also the HTTPS certificate). */
    public KeyManager[] keyManagers(String role) throws GeneralSecurityException, IOException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(keyStore(role)), PASSWORD.toCharArray());
        return kmf.getKeyManagers();
    }

    /** TLS trust managers of a role (trusts the test CA). */
    public TrustManager[] trustManagers(String role) throws GeneralSecurityException, IOException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(trustStore(role)));
        return tmf.getTrustManagers();
    }

    private static KeyStore load(Path file) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        return ks;
    }
}
