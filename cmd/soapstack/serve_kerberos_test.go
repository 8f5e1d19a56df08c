package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soapstack/soapstack/internal/testkdc"
	"github.com/soapstack/soapstack/interop"
)

// TestServeCallWindows runs soapstack serve and soapstack call (in
// process) with Windows credentials against a real MIT KDC: WCF's default
// wsHttpBinding and ws2007HttpBinding (Message security, SPNEGO/Kerberos
// negotiation, a secure session) and the same without the session, the
// client logging in with a password or a keytab. The call succeeds, call
// prints the Kerberos client and the session, serve prints its service
// principal and realm and logs the caller alice@REALM.
func TestServeCallWindows(t *testing.T) {
	k := testkdc.Start(t)
	alice := k.User + "@" + k.Realm
	password := []string{"--username", alice, "--password", k.UserPassword}
	tests := []struct {
		name        string
		binding     []string // the flags serve and call share
		serve, call []string
		describe    string
		how         string // how call says the client logs in
		session     bool
	}{
		{
			name:     "WSHttp/defaults",
			binding:  []string{"--credential", "windows"},
			serve:    []string{"--principal", k.ServiceSPN},
			call:     password,
			describe: "wsHttpBinding: security Message, SecureConversation(SspiNegotiation) (Basic256), session WS-SC 2005/02, SOAP 1.2, WS-Addressing 1.0",
			how:      "password",
			session:  true,
		},
		{
			name:    "WS2007Http/defaults",
			binding: []string{"--binding", "ws2007http", "--credential", "windows"},
			// The realm from krb5.conf's default_realm.
			call:     []string{"--username", k.User, "--client-keytab", k.UserKeytab},
			describe: "ws2007HttpBinding: security Message, SecureConversation(SspiNegotiation) (Basic256), session WS-SC 1.3, SOAP 1.2, WS-Addressing 1.0",
			how:      "keytab " + k.UserKeytab,
			session:  true,
		},
		{
			name:     "WSHttp/no EstablishSecurityContext",
			binding:  []string{"--credential", "windows", "--no-session"},
			serve:    []string{"--principal", k.ServiceSPN + "@" + k.Realm},
			call:     []string{"--user", alice + ":" + k.UserPassword},
			describe: "wsHttpBinding: security Message, SspiNegotiation (Basic256), session WS-SC 2005/02, SOAP 1.2, WS-Addressing 1.0",
			how:      "password",
		},
		{
			name:     "WS2007Http/no EstablishSecurityContext",
			binding:  []string{"--binding", "ws2007http", "--credential", "windows", "--negotiate", "--no-session"},
			call:     []string{"--username", k.User, "--realm", k.Realm, "--password", k.UserPassword},
			describe: "ws2007HttpBinding: security Message, SspiNegotiation (Basic256), session WS-SC 1.3, SOAP 1.2, WS-Addressing 1.0",
			how:      "password",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base, serveOut, serveLog := startServeStreams(t, slices.Concat(tc.binding, []string{"--keytab", k.ServiceKeytab}, tc.serve)...)
			url := base + "/secure"
			body := echoBody(t, "kerberos "+tc.name)
			code, out, errOut := runCmd(slices.Concat([]string{"call", url, "--action", interop.ActionEcho, "--body", body, "--n", "2",
				"--krb5-conf", k.Krb5Conf, "--spn", k.ServiceSPN}, tc.binding, tc.call)...)
			require.Equal(t, 0, code, errOut)
			assert.Contains(t, out, "calling "+url+" ("+tc.describe+")")
			assert.Contains(t, out, "Kerberos client "+alice+" ("+tc.how+"), ticket for "+k.ServiceSPN)
			assert.Contains(t, out, "authenticated as "+alice+" (SPNEGO/Kerberos)")
			assert.Contains(t, out, "calls answered: 2")
			assert.Contains(t, out, ">kerberos "+tc.name+"<")
			if tc.session {
				assert.Regexp(t, `secure session \S+ established`, out)
				assert.Regexp(t, `secure session \S+ cancelled`, out)
				assert.NotContains(t, out, "negotiated security context")
			} else {
				assert.Regexp(t, `negotiated security context \S+ \(no secure session\)`, out)
				assert.NotContains(t, out, "secure session urn")
			}
			so := serveOut.String()
			assert.Contains(t, so, "at "+url+" ("+tc.describe+")")
			assert.Contains(t, so, "clients authenticate with Kerberos (SPNEGO negotiation; keytab "+k.ServiceKeytab)
			assert.Contains(t, so, "service principal "+k.ServiceSPN+"@"+k.Realm+" (realm "+k.Realm+")")
			// The service's application saw the Kerberos client, twice.
			assert.Equal(t, 2, strings.Count(serveLog.String(), "caller="+alice+" "), serveLog.String())
		})
	}
}

// TestServeCallWindowsRefused: a wrong password, a service principal the
// KDC does not know, and a service keytab without the key of the ticket's
// principal or with a stale one fail the call with an error that says why
// (the service's reason in its log: the client learns only that the
// negotiation failed, as from WCF); the default service principal name is
// host/ and the URL's host.
func TestServeCallWindowsRefused(t *testing.T) {
	k := testkdc.Start(t)
	dir := t.TempDir()
	other := filepath.Join(dir, "other.keytab")
	k.AddPrincipal("HTTP/other.soapstack.test", other)
	stale := filepath.Join(dir, "stale.keytab")
	k.AddPrincipal("HTTP/stale.soapstack.test", stale)
	k.RandomizeKey("HTTP/stale.soapstack.test", "") // the KDC's key is new, the keytab's old
	loopback := filepath.Join(dir, "loopback.keytab")
	k.AddPrincipal("host/127.0.0.1", loopback)
	body := echoBody(t, "kerberos")
	call := func(url string, args ...string) (int, string, string) {
		return runCmd(slices.Concat([]string{"call", url, "--action", interop.ActionEcho, "--body", body,
			"--credential", "windows", "--krb5-conf", k.Krb5Conf, "--username", k.User}, args)...)
	}

	t.Run("default SPN", func(t *testing.T) {
		base := startServe(t, "--credential", "windows", "--keytab", loopback)
		code, out, errOut := call(base+"/secure", "--password", k.UserPassword)
		require.Equal(t, 0, code, errOut)
		assert.Contains(t, out, "ticket for host/127.0.0.1\n")
		assert.Contains(t, out, ">kerberos<")
	})

	good := startServe(t, "--credential", "windows", "--keytab", k.ServiceKeytab) + "/secure"
	for _, tc := range []struct {
		name    string
		keytab  string // of the service; good's when ""
		args    []string
		want    string // in call's error
		service string // in serve's log
	}{
		{name: "wrong password", args: []string{"--password", "wrong-Pa55word", "--spn", k.ServiceSPN},
			want: "KDC_ERR_PREAUTH_FAILED"},
		{name: "unknown service principal", args: []string{"--password", k.UserPassword, "--spn", "HTTP/nowhere.soapstack.test"},
			want: "KDC_ERR_S_PRINCIPAL_UNKNOWN"},
		{name: "keytab of another principal", keytab: other, args: []string{"--password", k.UserPassword, "--spn", k.ServiceSPN},
			want: "The security negotiation failed", service: "no service key for the ticket: " + k.ServiceSPN + "@" + k.Realm},
		{name: "stale keytab", keytab: stale, args: []string{"--client-keytab", k.UserKeytab, "--spn", "HTTP/stale.soapstack.test"},
			want: "The security negotiation failed", service: "no service key for the ticket: HTTP/stale.soapstack.test@" + k.Realm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, log := good, (*syncBuffer)(nil)
			if tc.keytab != "" {
				var base string
				base, _, log = startServeStreams(t, "--credential", "windows", "--keytab", tc.keytab)
				url = base + "/secure"
			}
			code, out, errOut := call(url, tc.args...)
			assert.Equal(t, 1, code, "refused credentials were accepted: %s", out)
			assert.Contains(t, errOut, "soapstack call: ")
			assert.Contains(t, errOut, tc.want)
			assert.NotContains(t, out, "authenticated as")
			if tc.service != "" {
				assert.Contains(t, log.String(), tc.service)
				assert.NotContains(t, log.String(), "caller=")
			}
		})
	}
}

// TestServeCallWindowsMisconfigured: missing or contradictory Kerberos
// settings are usage errors at startup naming the flag.
func TestServeCallWindowsMisconfigured(t *testing.T) {
	dir := t.TempDir()
	kt := keytab.New()
	require.NoError(t, kt.AddEntry("HTTP/server.example.com", "EXAMPLE.COM", "secret", time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96))
	data, err := kt.Marshal()
	require.NoError(t, err)
	ktFile := filepath.Join(dir, "service.keytab")
	require.NoError(t, os.WriteFile(ktFile, data, 0o600))
	conf := filepath.Join(dir, "krb5.conf")
	require.NoError(t, os.WriteFile(conf, []byte("[libdefaults]\n dns_lookup_kdc = false\n"), 0o600))
	body := echoBody(t, "never sent")
	serve := []string{"serve", "--credential", "windows"}
	call := []string{"call", "http://127.0.0.1:1/secure", "--action", "a", "--body", body, "--credential", "windows", "--krb5-conf", conf}
	pemCert := []string{"--cert", testPKI + "service.pem", "--key", testPKI + "service.key"}
	tests := []struct {
		name string
		args []string
		want []string // in the error
	}{
		{"serve without a keytab", serve, []string{"--credential windows: give --keytab"}},
		{"serve missing keytab", append(serve, "--keytab", filepath.Join(dir, "none")), []string{"--keytab", "none"}},
		{"serve principal not in the keytab", append(serve, "--keytab", ktFile, "--principal", "HTTP/other.example.com"),
			[]string{"--principal HTTP/other.example.com", "has no key for it", "HTTP/server.example.com@EXAMPLE.COM"}},
		{"serve principal of another realm", append(serve, "--keytab", ktFile, "--principal", "HTTP/server.example.com@OTHER.COM"),
			[]string{"has no key for it"}},
		{"serve negative skew", append(serve, "--keytab", ktFile, "--max-clock-skew", "-1s"), []string{"--max-clock-skew must not be negative"}},
		{"serve without negotiation", append(serve, "--keytab", ktFile, "--negotiate=false"),
			[]string{"Kerberos token binding", "not supported", "--negotiate"}},
		{"serve over transport", append(serve, "--keytab", ktFile, "--security", "transportwithmessagecredential", "--allow-insecure-transport"),
			[]string{"only in Mode Message", "not TransportWithMessageCredential"}},
		{"serve basicHttp", append(serve, "--keytab", ktFile, "--binding", "basichttp", "--security", "message"),
			[]string{"basicHttpBinding has no Windows message credential", "--credential"}},
		{"serve keytab with user names", append([]string{"serve", "--user", "a:b", "--keytab", ktFile}, pemCert...),
			[]string{"--keytab: the client credential is UserName (--credential windows)"}},
		{"serve keytab without an endpoint", []string{"serve", "--keytab", ktFile}, []string{"give --cert or the binding"}},
		{"serve users with windows", append(serve, "--keytab", ktFile, "--user", "a:b"),
			[]string{"--user: the client credential is Windows (--credential username)"}},
		{"call without a user", call, []string{"--credential windows: give the Kerberos client: --username user@REALM"}},
		{"call without a password", append(call, "--username", "alice@EXAMPLE.COM"), []string{"--password or --client-keytab"}},
		{"call password and keytab", append(call, "--username", "alice@EXAMPLE.COM", "--password", "secret", "--client-keytab", ktFile),
			[]string{"--password or --client-keytab"}},
		{"call without a realm", append(call, "--username", "alice", "--password", "secret"), []string{"no realm", "--realm", "default_realm"}},
		{"call two realms", append(call, "--username", "alice@A.COM", "--realm", "B.COM", "--password", "secret"),
			[]string{"--username alice@A.COM names realm A.COM, --realm B.COM"}},
		{"call missing krb5.conf", append(call, "--username", "alice@A.COM", "--password", "secret", "--krb5-conf", filepath.Join(dir, "none")),
			[]string{"--krb5-conf", "none"}},
		{"call missing client keytab", append(call, "--username", "alice@A.COM", "--client-keytab", filepath.Join(dir, "none")),
			[]string{"Credentials.Windows.ClientKeytab", "call --client-keytab"}},
		{"call spn with user names", []string{"call", "http://127.0.0.1:1/secure", "--action", "a", "--body", body,
			"--service-cert", testPKI + "service.pem", "--user", "a:b", "--spn", "HTTP/x"},
			[]string{"--spn: the client credential is UserName (--credential windows)"}},
		{"call client certificate with windows", append(call, "--username", "alice@A.COM", "--password", "secret", "--client-cert", testPKI+"client.pem"),
			[]string{"--client-cert: the client credential is Windows (--credential certificate)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// No error shows a password ("secret").
			assert.NotContains(t, usageError(t, tc.args, tc.want), "secret")
		})
	}
}
