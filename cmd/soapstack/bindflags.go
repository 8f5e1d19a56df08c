package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/internal/spnego"
	"github.com/soapstack/soapstack/wssecurity"
)

// bindingFlags are the flags serve and call share: a binding.Binding in
// WCF's terms. Unset flags keep the binding's WCF default, but for two:
// the WS bindings' client credential is UserName instead of Windows
// (Windows needs a KDC: --credential windows), and NegotiateServiceCredential
// is off unless --negotiate, or --credential windows (SPNEGO, WCF's
// default).
type bindingFlags struct {
	name       string
	security   string
	credential string
	suite      string
	session    bool
	noSession  bool
	reliable   bool
	negotiate  optBool
}

// optBool is a boolean flag that tells whether it was given.
type optBool struct{ set, v bool }

func (o *optBool) String() string {
	if o == nil {
		return "false"
	}
	return strconv.FormatBool(o.v)
}

func (o *optBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	o.set, o.v = true, v
	return nil
}

// IsBoolFlag lets the flag be given without a value.
func (o *optBool) IsBoolFlag() bool { return true }

// bindingFlagNames are the flags of bindingFlags, to tell whether any was
// given.
var bindingFlagNames = []string{"binding", "security", "credential", "suite", "session", "no-session", "negotiate"}

func (f *bindingFlags) register(fs *flag.FlagSet, reliableHelp string) {
	fs.StringVar(&f.name, "binding", "", "the WCF binding: basichttp, wshttp or ws2007http (default wshttp)")
	fs.StringVar(&f.security, "security", "", "security mode: none, transport, message or transportwithmessagecredential (default: the binding's, message for the WS bindings, none for basichttp)")
	fs.StringVar(&f.credential, "credential", "", "message client credential type: none, username, certificate or windows (Kerberos by SPNEGO: serve --keytab, call --username user@REALM; default username, as WCF's Windows default needs a KDC)")
	fs.StringVar(&f.suite, "suite", "", "algorithm suite of the message security, e.g. Basic256 (the default), Basic128, Basic256Sha256, TripleDes")
	fs.BoolVar(&f.session, "session", false, "establishSecurityContext: a WS-SecureConversation session (the WS bindings' default)")
	fs.BoolVar(&f.noSession, "no-session", false, "no secure session: every message carries the one-shot security")
	fs.BoolVar(&f.reliable, "reliable", false, reliableHelp)
	fs.Var(&f.negotiate, "negotiate", "negotiateServiceCredential (WCF's default for message security): the client negotiates the service certificate by TLSNEGO and trusts it by call --service-cert; on by default with --credential windows (SPNEGO)")
}

// given reports whether fs got one of the binding's flags.
func given(fs *flag.FlagSet, names ...string) bool {
	found := false
	fs.Visit(func(fl *flag.Flag) {
		for _, n := range names {
			if fl.Name == n {
				found = true
			}
		}
	})
	return found
}

// build returns the binding the flags describe, checked (binding.Describe):
// a misconfiguration is an error naming the flag to change.
func (f *bindingFlags) build() (binding.Binding, error) {
	var b binding.Binding
	switch strings.ToLower(f.name) {
	case "", "wshttp", "wshttpbinding":
		b = binding.WSHttpBinding()
	case "ws2007http", "ws2007httpbinding":
		b = binding.WS2007HttpBinding()
	case "basichttp", "basichttpbinding":
		b = binding.BasicHttpBinding()
	default:
		return b, fmt.Errorf("--binding %q: want basichttp, wshttp or ws2007http", f.name)
	}
	switch strings.ToLower(f.security) {
	case "":
	case "none":
		b.Security.Mode = binding.ModeNone
	case "transport":
		b.Security.Mode = binding.ModeTransport
	case "message":
		b.Security.Mode = binding.ModeMessage
	case "transportwithmessagecredential":
		b.Security.Mode = binding.ModeTransportWithMessageCredential
	default:
		return b, fmt.Errorf("--security %q: want none, transport, message or transportwithmessagecredential", f.security)
	}
	m := &b.Security.Message
	switch strings.ToLower(f.credential) {
	case "", "username":
		m.ClientCredentialType = binding.CredentialUserName
	case "none":
		m.ClientCredentialType = binding.CredentialNone
	case "certificate":
		m.ClientCredentialType = binding.CredentialCertificate
	case "windows":
		m.ClientCredentialType = binding.CredentialWindows
	default:
		return b, fmt.Errorf("--credential %q: want none, username, certificate or windows", f.credential)
	}
	// Off unless --negotiate: the client knows the service certificate
	// (call --service-cert); with it, TLSNEGO, and the client trusts the
	// certificate the service presents as that one. Windows negotiates by
	// SPNEGO unless --negotiate=false (WCF's Kerberos token binding, which
	// binding refuses).
	m.NegotiateServiceCredential = f.negotiate.v
	if !f.negotiate.set && m.ClientCredentialType == binding.CredentialWindows {
		m.NegotiateServiceCredential = true
	}
	if f.suite != "" {
		s, err := wssecurity.SuiteByName(f.suite)
		if err != nil {
			return b, fmt.Errorf("--suite: %w", err)
		}
		m.AlgorithmSuite = s
	}
	switch {
	case f.session && f.noSession:
		return b, errors.New("--session and --no-session: give one")
	case f.session:
		m.EstablishSecurityContext = true
	case f.noSession:
		m.EstablishSecurityContext = false
	}
	b.ReliableSession.Enabled = f.reliable
	if _, err := b.Describe(); err != nil {
		return b, withFlagHint(err)
	}
	return b, nil
}

// credentialFlags checks that the credential flags given to fs fit b's
// client credential: each group's flags only with one of its credential
// types, none without message security.
func credentialFlags(fs *flag.FlagSet, b binding.Binding, groups ...credentialGroup) error {
	mode := b.Security.Mode
	message := mode == binding.ModeMessage || mode == binding.ModeTransportWithMessageCredential
	ct := b.Security.Message.ClientCredentialType
	for _, c := range groups {
		for _, f := range c.flags {
			switch {
			case !given(fs, f):
			case !message:
				return fmt.Errorf("--%s: security mode %s has no client credential in the message (--security message or transportwithmessagecredential)", f, mode)
			case !slices.Contains(c.want, ct):
				var want []string
				for _, w := range c.want {
					want = append(want, "--credential "+strings.ToLower(w.String()))
				}
				return fmt.Errorf("--%s: the client credential is %s (%s)", f, ct, strings.Join(want, " or "))
			}
		}
	}
	return nil
}

// credentialGroup is flags that go with the client credential types want.
type credentialGroup struct {
	flags []string
	want  []binding.CredentialType
}

// credentialOf is a credentialGroup of flags for the types want.
func credentialOf(flags []string, want ...binding.CredentialType) credentialGroup {
	return credentialGroup{flags: flags, want: want}
}

// hasSession reports whether b runs a secure session.
func hasSession(b binding.Binding) bool {
	mode := b.Security.Mode
	return (mode == binding.ModeMessage || mode == binding.ModeTransportWithMessageCredential) &&
		b.Security.Message.EstablishSecurityContext
}

// needsTLS reports whether b's security mode needs HTTPS.
func needsTLS(b binding.Binding) bool {
	return b.Security.Mode == binding.ModeTransport || b.Security.Mode == binding.ModeTransportWithMessageCredential
}

// flagHints map the fields binding's configuration errors name to the
// flags of serve and call that set them.
var flagHints = []struct{ field, flags string }{
	{"Security.Mode", "--security"},
	{"Security.Message.ClientCredentialType", "--credential"},
	{"Security.Message.EstablishSecurityContext", "--session / --no-session"},
	{"Security.Message.AlgorithmSuite", "--suite"},
	{"ReliableSession", "--reliable"},
	{"Credentials.ServiceCertificate", "serve --cert (--key, --cert-password); call --service-cert"},
	{"Credentials.UserNameValidator", "serve --user or --users"},
	{"Credentials.UserName", "call --username and --password"},
	{"Credentials.ClientCertificate", "call --client-cert (--client-key, --client-cert-password)"},
	{"Credentials.TrustedRoots", "serve --trust and --validation"},
	{"Credentials.TrustedPeers", "serve --trust and --validation"},
	{"Credentials.Validation", "serve --validation"},
	{"NegotiateServiceCredential", "--negotiate"},
	{"Credentials.Windows.ServiceKeytab", "serve --keytab"},
	{"Credentials.Windows.Krb5Conf", "call --krb5-conf"},
	{"Credentials.Windows.UserName", "call --username user@REALM (or --realm)"},
	{"Credentials.Windows.SPN", "call --spn"},
	{"Credentials.Windows.ClientKeytab", "call --client-keytab"},
}

// withFlagHint adds to a binding configuration error the flags that set
// the fields it names.
func withFlagHint(err error) error {
	msg := err.Error()
	var flags []string
	for _, h := range flagHints {
		if namesField(msg, h.field) && !slices.Contains(flags, h.flags) {
			flags = append(flags, h.flags)
		}
	}
	if len(flags) == 0 {
		return err
	}
	return fmt.Errorf("%w (flags: %s)", err, strings.Join(flags, "; "))
}

// namesField reports whether msg names field (not a longer name that
// starts with it: Credentials.UserName is not Credentials.UserNameValidator).
func namesField(msg, field string) bool {
	for i := strings.Index(msg, field); i >= 0; {
		end := i + len(field)
		if end == len(msg) || !unicode.IsLetter(rune(msg[end])) {
			return true
		}
		j := strings.Index(msg[end:], field)
		if j < 0 {
			return false
		}
		i = end + j
	}
	return false
}

// loadCertificate reads a certificate with its private key: a PKCS#12
// file (.pfx, .p12) with password, else PEM files (keyFile may be "" for a
// peer's certificate).
func loadCertificate(file, keyFile, password string) (*wssecurity.Certificate, error) {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".pfx", ".p12":
		if keyFile != "" {
			return nil, fmt.Errorf("%s: a PKCS#12 file holds its key; give no key file", file)
		}
		return binding.LoadPKCS12(file, password)
	}
	if password != "" {
		return nil, fmt.Errorf("%s: a certificate password goes with a PKCS#12 file (.pfx, .p12)", file)
	}
	return binding.LoadPEM(file, keyFile)
}

// loadCertificates reads every certificate of a PEM file (a CA, trusted
// peers).
func loadCertificates(file string) ([]*x509.Certificate, error) {
	c, err := binding.LoadPEM(file, "")
	if err != nil {
		return nil, err
	}
	return append([]*x509.Certificate{c.Cert}, c.Chain...), nil
}

// trustCredentials sets how a service trusts client certificates: the
// certificates of file as roots (chain), pinned peers (peer) or both
// (peerorchain).
func trustCredentials(creds *binding.Credentials, file, mode string) error {
	switch strings.ToLower(mode) {
	case "", "chain", "chaintrust":
		creds.Validation = binding.ChainTrust
	case "peer", "peertrust":
		creds.Validation = binding.PeerTrust
	case "peerorchain", "peerorchaintrust":
		creds.Validation = binding.PeerOrChainTrust
	default:
		return fmt.Errorf("--validation %q: want chain, peer or peerorchain", mode)
	}
	if file == "" {
		return nil
	}
	certs, err := loadCertificates(file)
	if err != nil {
		return fmt.Errorf("--trust: %w", err)
	}
	if creds.Validation != binding.PeerTrust {
		creds.TrustedRoots = certs
	}
	if creds.Validation != binding.ChainTrust {
		creds.TrustedPeers = certs
	}
	return nil
}

// users is a service's user names and passwords (serve --user, --users).
type users map[string]string

// add adds "NAME:PASSWORD".
func (u users) add(entry, source string) error {
	name, password, ok := strings.Cut(entry, ":")
	if !ok || name == "" || password == "" {
		return fmt.Errorf("%s: want NAME:PASSWORD", source)
	}
	if _, dup := u[name]; dup {
		return fmt.Errorf("%s: a user given twice", source)
	}
	u[name] = password
	return nil
}

// load adds the users of a file (parse).
func (u users) load(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("--users: %w", err)
	}
	return u.parse(data, "--users "+file)
}

// parse adds the users of data, from source: one NAME:PASSWORD per line;
// blank lines and lines starting with # are skipped. An error names the
// line by its number only: the line holds a password.
func (u users) parse(data []byte, source string) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := u.add(line, fmt.Sprintf("%s line %d", source, n)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if len(u) == 0 {
		return fmt.Errorf("%s: no user", source)
	}
	return nil
}

// validator checks user names and passwords against u.
func (u users) validator() wssecurity.UsernameValidator {
	return &wssecurity.UsernameTokenVerifier{LookupPassword: func(_ context.Context, user string) (string, error) {
		p, ok := u[user]
		if !ok {
			return "", wssecurity.ErrFailedAuthentication
		}
		return p, nil
	}}
}

// serverTLS is the TLS configuration of a service certificate.
func serverTLS(c *wssecurity.Certificate) *tls.Config {
	chain := [][]byte{c.Cert.Raw}
	for _, ca := range c.Chain {
		chain = append(chain, ca.Raw)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: c.Key, Leaf: c.Cert}}}
}

// certName names a certificate in what serve and call print.
func certName(c *x509.Certificate) string {
	return c.Subject.String()
}

// kerberosServeFlags are serve's Kerberos flags (--credential windows):
// the service's keytab, the principal it accepts tickets for and the
// clock skew it tolerates.
type kerberosServeFlags struct {
	keytab, principal string
	maxSkew           time.Duration
}

// kerberosServeFlagNames are the flags of kerberosServeFlags.
var kerberosServeFlagNames = []string{"keytab", "principal", "max-clock-skew"}

func (k *kerberosServeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.keytab, "keytab", "", "the service's Kerberos keytab (--credential windows): the keys of its service principal, e.g. HTTP/host")
	fs.StringVar(&k.principal, "principal", "", "the one service principal of --keytab tickets may be for (HTTP/host or HTTP/host@REALM; default: any principal of the keytab)")
	fs.DurationVar(&k.maxSkew, "max-clock-skew", 0, "the clock difference to Kerberos clients tolerated (default 5m, as Kerberos)")
}

// credentials returns the service's Windows credentials the flags name
// and the lines serve prints about them: the service principal and its
// realm.
func (k *kerberosServeFlags) credentials() (*binding.WindowsCredentials, []string, error) {
	if k.keytab == "" {
		return nil, nil, errors.New("--credential windows: give --keytab, the keytab of the service principal (kadmin ktadd, or ktpass on Windows)")
	}
	if k.maxSkew < 0 {
		return nil, nil, errors.New("--max-clock-skew must not be negative")
	}
	kt, err := keytab.Load(k.keytab)
	if err != nil {
		return nil, nil, fmt.Errorf("--keytab %s: %w", k.keytab, err)
	}
	var all, accepted []string
	name, realm, _ := strings.Cut(k.principal, "@")
	for _, e := range kt.Entries {
		p := strings.Join(e.Principal.Components, "/") + "@" + e.Principal.Realm
		if slices.Contains(all, p) {
			continue
		}
		all = append(all, p)
		if k.principal == "" || (strings.Join(e.Principal.Components, "/") == name && (realm == "" || realm == e.Principal.Realm)) {
			accepted = append(accepted, p)
		}
	}
	switch {
	case len(all) == 0:
		return nil, nil, fmt.Errorf("--keytab %s: the keytab holds no key", k.keytab)
	case len(accepted) == 0:
		return nil, nil, fmt.Errorf("--principal %s: --keytab %s has no key for it (it holds %s)", k.principal, k.keytab, strings.Join(all, ", "))
	}
	skew := k.maxSkew
	if skew == 0 {
		skew = spnego.DefaultMaxClockSkew
	}
	lines := []string{fmt.Sprintf("clients authenticate with Kerberos (SPNEGO negotiation; keytab %s, clock skew %s)", k.keytab, skew)}
	for _, p := range accepted {
		_, r, _ := strings.Cut(p, "@")
		lines = append(lines, fmt.Sprintf("service principal %s (realm %s)", p, r))
	}
	return &binding.WindowsCredentials{ServiceKeytab: k.keytab, ServicePrincipal: k.principal, MaxClockSkew: k.maxSkew}, lines, nil
}

// kerberosCallFlags are call's Kerberos flags (--credential windows), with
// --username, --password and --user: where the KDCs are, the client's
// realm and keytab, the service principal name.
type kerberosCallFlags struct {
	krb5Conf, realm, clientKeytab, spn string
}

// kerberosCallFlagNames are the flags of kerberosCallFlags.
var kerberosCallFlagNames = []string{"krb5-conf", "realm", "client-keytab", "spn"}

func (k *kerberosCallFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.krb5Conf, "krb5-conf", "", "krb5.conf naming the realms and their KDCs (--credential windows; default $KRB5_CONFIG, else /etc/krb5.conf)")
	fs.StringVar(&k.realm, "realm", "", "Kerberos realm of --username when it names none (default: the krb5.conf's default_realm)")
	fs.StringVar(&k.clientKeytab, "client-keytab", "", "keytab holding the key of the Kerberos client --username, instead of --password")
	fs.StringVar(&k.spn, "spn", "", "service principal name the Kerberos ticket is for, e.g. HTTP/server.example.com (default host/<the URL's host>, as WCF without an endpoint identity)")
}

// kerberosClient is the Kerberos client call runs as.
type kerberosClient struct {
	// principal is user@REALM, spn the service principal name and how
	// says how the client logs in.
	principal, spn, how string
}

// credentials returns the client's Windows credentials for the service at
// rawURL, logging in as user with password (or --client-keytab).
func (k *kerberosCallFlags) credentials(rawURL, user string, password wssecurity.Secret) (*binding.WindowsCredentials, kerberosClient, error) {
	var kc kerberosClient
	if user == "" {
		return nil, kc, errors.New("--credential windows: give the Kerberos client: --username user@REALM (or --user user@REALM:PASSWORD)")
	}
	if (password == "") == (k.clientKeytab == "") {
		return nil, kc, errors.New("--credential windows: give --password or --client-keytab (one of them)")
	}
	name, realm, hasRealm := strings.Cut(user, "@")
	switch {
	case hasRealm && k.realm != "" && k.realm != realm:
		return nil, kc, fmt.Errorf("--username %s names realm %s, --realm %s", user, realm, k.realm)
	case !hasRealm:
		realm = k.realm
	}
	conf := k.krb5Conf
	if conf == "" {
		if conf = os.Getenv("KRB5_CONFIG"); conf == "" {
			conf = "/etc/krb5.conf"
		}
	}
	c, err := config.Load(conf)
	if err != nil {
		return nil, kc, fmt.Errorf("--krb5-conf %s: %w", conf, err)
	}
	if realm == "" {
		if realm = c.LibDefaults.DefaultRealm; realm == "" {
			return nil, kc, fmt.Errorf("--username %s: no realm: give --username user@REALM or --realm (%s has no default_realm)", user, conf)
		}
	}
	spn := k.spn
	if spn == "" {
		// WCF without an endpoint identity: host/ and the URL's DNS
		// name (SspiSecurityTokenProvider).
		u, err := url.Parse(rawURL)
		if err != nil || u.Hostname() == "" {
			return nil, kc, fmt.Errorf("--spn: no host in %q to make the default of", rawURL)
		}
		spn = "host/" + u.Hostname()
	}
	kc = kerberosClient{principal: name + "@" + realm, spn: spn, how: "password"}
	if k.clientKeytab != "" {
		kc.how = "keytab " + k.clientKeytab
	}
	return &binding.WindowsCredentials{Krb5Conf: conf, UserName: name, Realm: realm, Password: password,
		ClientKeytab: k.clientKeytab, SPN: spn}, kc, nil
}
