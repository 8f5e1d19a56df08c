package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/interop"
)

const testPKI = "../../interop/pki/"

// echoBody writes the Body of an echo of text and returns its file.
func echoBody(t *testing.T, text string) string {
	t.Helper()
	body := filepath.Join(t.TempDir(), "echo.xml")
	require.NoError(t, os.WriteFile(body, []byte(`<tns:echo xmlns:tns="`+interop.NSPing+`"><tns:request>`+text+`</tns:request></tns:echo>`), 0o600))
	return body
}

// TestServeCallBindings runs soapstack serve and soapstack call (in
// process, through the commands' run function) with the flags of each of
// the WCF configurations package binding promises (issue 10's five, and
// the certificate over transport and the reliable session): the call
// succeeds, both print the binding they run, and a wrong credential is
// refused.
func TestServeCallBindings(t *testing.T) {
	users := filepath.Join(t.TempDir(), "users")
	require.NoError(t, os.WriteFile(users, []byte("# the users of /secure\nalice:clarinet\n\nbob:oboe\n"), 0o600))
	pemCert := []string{"--cert", testPKI + "service.pem", "--key", testPKI + "service.key"}
	pfxCert := []string{"--cert", testPKI + "service.p12", "--cert-password", "password"}
	tests := []struct {
		name         string
		binding      []string // the flags serve and call share
		serve, call  []string
		describe     string // in serve's and call's output
		session      bool
		badCall      []string // refused credentials
		badCallCause string   // in the refusal
	}{
		{
			name:     "BasicHttp/TransportWithMessageCredential/UserName",
			binding:  []string{"--binding", "basichttp", "--security", "transportwithmessagecredential"},
			serve:    append([]string{"--user", "alice:clarinet"}, pemCert...),
			call:     []string{"--username", "alice", "--password", "clarinet", "--trust", testPKI + "ca.pem"},
			describe: "basicHttpBinding: security TransportWithMessageCredential, UserNameOverTransport (Basic256), SOAP 1.1, no WS-Addressing",
			badCall:  []string{"--username", "alice", "--password", "flute", "--trust", testPKI + "ca.pem"},
		},
		{
			name:     "WSHttp/Message/UserName/EstablishSecurityContext",
			binding:  []string{"--binding", "wshttp", "--security", "message", "--credential", "username", "--session"},
			serve:    append([]string{"--users", users}, pfxCert...),
			call:     []string{"--service-cert", testPKI + "service.pem", "--user", "bob:oboe"},
			describe: "wsHttpBinding: security Message, SecureConversation(UserNameForCertificate) (Basic256), session WS-SC 2005/02, SOAP 1.2, WS-Addressing 1.0",
			session:  true,
			badCall:  []string{"--service-cert", testPKI + "service.pem", "--user", "bob:clarinet"},
		},
		{
			name:     "WSHttp/Message/UserName/Negotiated/EstablishSecurityContext",
			binding:  []string{"--binding", "wshttp", "--security", "message", "--credential", "username", "--session", "--negotiate"},
			serve:    append([]string{"--users", users}, pemCert...),
			call:     []string{"--service-cert", testPKI + "service.pem", "--user", "bob:oboe"},
			describe: "wsHttpBinding: security Message, SecureConversation(UserNameForSslNegotiated) (Basic256), session WS-SC 2005/02, SOAP 1.2, WS-Addressing 1.0",
			session:  true,
			badCall:  []string{"--service-cert", testPKI + "client.pem", "--user", "bob:oboe"},
		},
		{
			name:     "WSHttp/Message/UserName",
			binding:  []string{"--binding", "wshttp", "--security", "message", "--credential", "username", "--no-session"},
			serve:    append([]string{"--users", users}, pemCert...),
			call:     []string{"--service-cert", testPKI + "service.pem", "--username", "alice", "--password", "clarinet"},
			describe: "wsHttpBinding: security Message, UserNameForCertificate (Basic256), SOAP 1.2, WS-Addressing 1.0",
			badCall:  []string{"--service-cert", testPKI + "service.pem", "--username", "mallory", "--password", "clarinet"},
		},
		{
			name:     "WSHttp/Message/Certificate",
			binding:  []string{"--binding", "wshttp", "--security", "message", "--credential", "certificate", "--no-session", "--suite", "Basic128"},
			serve:    append([]string{"--trust", testPKI + "ca.pem", "--validation", "chain"}, pemCert...),
			call:     []string{"--service-cert", testPKI + "service.pem", "--client-cert", testPKI + "client.p12", "--client-cert-password", "password"},
			describe: "wsHttpBinding: security Message, MutualCertificate (Basic128), SOAP 1.2, WS-Addressing 1.0",
		},
		{
			name:     "WS2007Http/TransportWithMessageCredential/UserName",
			binding:  []string{"--binding", "ws2007http", "--security", "transportwithmessagecredential"},
			serve:    append([]string{"--user", "alice:clarinet"}, pfxCert...),
			call:     []string{"--user", "alice:clarinet", "--trust", testPKI + "ca.pem"},
			describe: "ws2007HttpBinding: security TransportWithMessageCredential, SecureConversation(UserNameOverTransport) (Basic256), session WS-SC 1.3, SOAP 1.2, WS-Addressing 1.0",
			session:  true,
			badCall:  []string{"--user", "alice:piano", "--trust", testPKI + "ca.pem"},
		},
		{
			name:    "WS2007Http/TransportWithMessageCredential/Certificate",
			binding: []string{"--binding", "ws2007http", "--security", "transportwithmessagecredential", "--credential", "certificate", "--no-session"},
			// PeerTrust: the client's own certificate is pinned.
			serve:    append([]string{"--trust", testPKI + "client.pem", "--validation", "peer"}, pemCert...),
			call:     []string{"--client-cert", testPKI + "client.pem", "--client-key", testPKI + "client.key", "--trust", testPKI + "ca.pem"},
			describe: "ws2007HttpBinding: security TransportWithMessageCredential, CertificateOverTransport (Basic256), SOAP 1.2, WS-Addressing 1.0",
			// A certificate of the same CA, but not the pinned one.
			badCall: []string{"--client-cert", testPKI + "service.pem", "--client-key", testPKI + "service.key", "--trust", testPKI + "ca.pem"},
		},
		{
			name:     "WSHttp/None",
			binding:  []string{"--security", "none"},
			describe: "wsHttpBinding: security None, SOAP 1.2, WS-Addressing 1.0",
		},
		{
			name:     "BasicHttp/Transport",
			binding:  []string{"--binding", "basichttp", "--security", "transport"},
			serve:    pemCert,
			call:     []string{"--trust", testPKI + "ca.pem"},
			describe: "basicHttpBinding: security Transport, SOAP 1.1, no WS-Addressing",
			// The service's certificate is not trusted without the CA.
			badCall: []string{"--trust", testPKI + "client.pem"},
		},
		{
			name:     "WSHttp/Message/Certificate/ReliableSession",
			binding:  []string{"--credential", "certificate", "--reliable"},
			serve:    append([]string{"--trust", testPKI + "ca.pem"}, pemCert...),
			call:     []string{"--service-cert", testPKI + "service.pem", "--client-cert", testPKI + "client.pem", "--client-key", testPKI + "client.key"},
			describe: "wsHttpBinding: security Message, SecureConversation(MutualCertificate) (Basic256), session WS-SC 2005/02, reliable session WS-RM 2005/02, SOAP 1.2, WS-Addressing 1.0",
			session:  true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base, serveOut := startServeOutput(t, append(append([]string{}, tc.binding...), tc.serve...)...)
			url := base + "/secure"
			body := echoBody(t, "binding "+tc.name)
			args := append([]string{"call", url, "--action", interop.ActionEcho, "--body", body, "--n", "3"}, tc.binding...)
			code, out, errOut := runCmd(append(args, tc.call...)...)
			require.Equal(t, 0, code, errOut)
			assert.Contains(t, out, "calling "+url+" ("+tc.describe+")")
			assert.Contains(t, out, "calls answered: 3")
			assert.Contains(t, out, "echoResponse")
			assert.Contains(t, out, ">binding "+tc.name+"<")
			if tc.session {
				assert.Regexp(t, `secure session \S+ established`, out)
				assert.Regexp(t, `secure session \S+ cancelled`, out)
			} else {
				assert.NotContains(t, out, "secure session")
			}
			if strings.Contains(tc.describe, "reliable") {
				assert.Regexp(t, `sequence \S+ closed and terminated`, out)
			}
			assert.Contains(t, serveOut.String(), "at "+url+" ("+tc.describe+")")
			if strings.Contains(tc.describe, "TransportWithMessageCredential") {
				assert.True(t, strings.HasPrefix(url, "https://"), url)
			}
			if tc.badCall != nil {
				args := append([]string{"call", url, "--action", interop.ActionEcho, "--body", body}, tc.binding...)
				code, _, errOut := runCmd(append(args, tc.badCall...)...)
				assert.Equal(t, 1, code, "a wrong credential was accepted")
				assert.Contains(t, errOut, "soapstack call:")
			}
		})
	}
}

// TestServeCallMisconfigured: a binding serve or call cannot run is a
// usage error at startup that says what is wrong and which flag sets it.
func TestServeCallMisconfigured(t *testing.T) {
	ring := writeRing(t)
	body := echoBody(t, "never sent")
	pemCert := []string{"--cert", testPKI + "service.pem", "--key", testPKI + "service.key"}
	tests := []struct {
		name string
		args []string
		want []string // in the error
	}{
		{"basicHttp session", []string{"serve", "--binding", "basichttp", "--security", "message", "--credential", "certificate", "--session"},
			[]string{"basicHttpBinding has no secure sessions", "--session / --no-session"}},
		{"windows", append([]string{"serve", "--credential", "windows", "--negotiate=false"}, pemCert...),
			[]string{"not supported yet", "Kerberos", "--negotiate"}},
		{"transport without a certificate", []string{"serve", "--security", "transport"},
			[]string{"serves HTTPS: give --cert"}},
		{"certificate without trust", append([]string{"serve", "--credential", "certificate"}, pemCert...),
			[]string{"Credentials.TrustedRoots", "serve --trust and --validation"}},
		{"peer trust without peers", append([]string{"serve", "--credential", "certificate", "--validation", "peer"}, pemCert...),
			[]string{"PeerTrust", "--trust"}},
		{"unknown validation", append([]string{"serve", "--credential", "certificate", "--validation", "pinned"}, pemCert...),
			[]string{`--validation "pinned"`}},
		{"username without users", append([]string{"serve", "--security", "message"}, pemCert...),
			[]string{"Credentials.UserNameValidator", "serve --user or --users"}},
		{"message without a certificate", []string{"serve", "--security", "message", "--user", "a:b"},
			[]string{"Credentials.ServiceCertificate", "serve --cert"}},
		{"session flags both", []string{"serve", "--session", "--no-session"}, []string{"--session and --no-session"}},
		{"unknown binding", []string{"serve", "--binding", "nettcp"}, []string{`--binding "nettcp"`}},
		{"unknown security", []string{"serve", "--security", "full"}, []string{`--security "full"`}},
		{"unknown suite", append([]string{"serve", "--suite", "Basic999", "--user", "a:b"}, pemCert...), []string{"--suite", "Basic999"}},
		{"reliable without a session", append([]string{"serve", "--no-session", "--reliable", "--user", "a:b"}, pemCert...),
			[]string{"EstablishSecurityContext", "--reliable", "--session / --no-session"}},
		{"cookies without a session", append([]string{"serve", "--no-session", "--cookie-keys", ring, "--user", "a:b"}, pemCert...),
			[]string{"configure secure sessions"}},
		{"missing users file", append([]string{"serve", "--users", "/nonexistent/users"}, pemCert...), []string{"--users"}},
		{"pkcs12 with a key file", []string{"serve", "--cert", testPKI + "service.p12", "--key", testPKI + "service.key", "--user", "a:b"},
			[]string{"PKCS#12"}},
		{"users without a message credential", []string{"serve", "--security", "none", "--user", "a:b"},
			[]string{"--user: security mode None has no client credential"}},
		{"trust with a user name credential", append([]string{"serve", "--user", "a:b", "--trust", testPKI + "ca.pem"}, pemCert...),
			[]string{"--trust: the client credential is UserName (--credential certificate)"}},
		{"call client certificate with a user name credential", []string{"call", "http://127.0.0.1:1/secure", "--action", "a", "--body", body,
			"--service-cert", testPKI + "service.pem", "--client-cert", testPKI + "client.p12", "--client-cert-password", "password"},
			[]string{"--client-cert: the client credential is UserName (--credential certificate)"}},
		{"secure flags without an endpoint", []string{"serve", "--users", "x"}, []string{"give --cert or the binding"}},
		{"call transport over http", []string{"call", "http://127.0.0.1:1/secure", "--action", "a", "--body", body,
			"--binding", "basichttp", "--security", "transportwithmessagecredential", "--user", "a:b"},
			[]string{"needs an https URL"}},
		{"call certificate without one", []string{"call", "http://127.0.0.1:1/secure", "--action", "a", "--body", body,
			"--credential", "certificate", "--service-cert", testPKI + "service.pem"},
			[]string{"Credentials.ClientCertificate", "--client-cert"}},
		{"call message without the service certificate", []string{"call", "http://127.0.0.1:1/secure", "--action", "a", "--body", body,
			"--security", "message", "--user", "a:b"},
			[]string{"Credentials.ServiceCertificate", "--service-cert"}},
		{"call soap version with a binding", []string{"call", "http://127.0.0.1:1/secure", "--action", "a", "--body", body,
			"--binding", "basichttp", "--soap", "1.2"},
			[]string{"the binding sets the SOAP version"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { usageError(t, tc.args, tc.want) })
	}
}

// usageError runs the command args and checks that it stops with a usage
// error (status 2) whose message holds every string of want; it returns
// the message.
func usageError(t *testing.T, args, want []string) string {
	t.Helper()
	code, _, errOut := runCmd(args...)
	assert.Equal(t, 2, code, errOut)
	for _, w := range want {
		assert.Contains(t, errOut, w)
	}
	return errOut
}

// TestUsersParse: the users file's errors name the line, never its
// content (a password).
func TestUsersParse(t *testing.T) {
	tests := []struct {
		name, data string
		want       int    // users, when it parses
		err        string // else in the error
	}{
		{"two users", "alice:clarinet\nbob:oboe:with colon\n", 2, ""},
		{"comments and blank lines", "# users\n\n  alice:clarinet  \n", 1, ""},
		{"no colon", "alice:clarinet\nbob-secret\n", 0, "line 2: want NAME:PASSWORD"},
		{"empty password", "alice:\n", 0, "line 1: want NAME:PASSWORD"},
		{"empty name", ":secret\n", 0, "line 1: want NAME:PASSWORD"},
		{"twice", "alice:clarinet\nalice:secret\n", 0, "line 2: a user given twice"},
		{"empty", "# nobody\n", 0, "no user"},
		{"too long a line", strings.Repeat("x", 70000), 0, "token too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := users{}
			err := u.parse([]byte(tc.data), "users")
			if tc.err == "" {
				require.NoError(t, err)
				assert.Len(t, u, tc.want)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

// FuzzUsersParse: any file parses or fails without a panic, and what
// parses is users with names and passwords.
func FuzzUsersParse(f *testing.F) {
	f.Add([]byte("alice:clarinet\n# c\n\nbob:oboe\n"))
	f.Add([]byte(":\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		u := users{}
		if err := u.parse(data, "fuzz"); err != nil {
			return
		}
		for name, password := range u {
			if name == "" || password == "" || strings.Contains(name, ":") {
				t.Fatalf("parsed user %q with password %q", name, password)
			}
		}
	})
}
