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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/wssecurity"
)

// bindingFlags are the flags serve and call share: a binding.Binding in
// WCF's terms. Unset flags keep the binding's WCF default, but for the two
// defaults soapstack cannot do yet (negotiation, issue 14): the WS
// bindings' client credential is UserName instead of Windows, and
// NegotiateServiceCredential is off.
type bindingFlags struct {
	name       string
	security   string
	credential string
	suite      string
	session    bool
	noSession  bool
	reliable   bool
}

// bindingFlagNames are the flags of bindingFlags, to tell whether any was
// given.
var bindingFlagNames = []string{"binding", "security", "credential", "suite", "session", "no-session"}

func (f *bindingFlags) register(fs *flag.FlagSet, reliableHelp string) {
	fs.StringVar(&f.name, "binding", "", "the WCF binding: basichttp, wshttp or ws2007http (default wshttp)")
	fs.StringVar(&f.security, "security", "", "security mode: none, transport, message or transportwithmessagecredential (default: the binding's, message for the WS bindings, none for basichttp)")
	fs.StringVar(&f.credential, "credential", "", "message client credential type: none, username or certificate (default username; WCF's Windows default is not supported yet)")
	fs.StringVar(&f.suite, "suite", "", "algorithm suite of the message security, e.g. Basic256 (the default), Basic128, Basic256Sha256, TripleDes")
	fs.BoolVar(&f.session, "session", false, "establishSecurityContext: a WS-SecureConversation session (the WS bindings' default)")
	fs.BoolVar(&f.noSession, "no-session", false, "no secure session: every message carries the one-shot security")
	fs.BoolVar(&f.reliable, "reliable", false, reliableHelp)
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
		return b, fmt.Errorf("--credential %q: want none, username or certificate", f.credential)
	}
	// Not supported yet (issue 14); the client knows the service
	// certificate instead (call --service-cert).
	m.NegotiateServiceCredential = false
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
// client credential: userFlags only with UserName, certFlags only with
// Certificate, neither without message security.
func credentialFlags(fs *flag.FlagSet, b binding.Binding, userFlags, certFlags []string) error {
	mode := b.Security.Mode
	message := mode == binding.ModeMessage || mode == binding.ModeTransportWithMessageCredential
	ct := b.Security.Message.ClientCredentialType
	for _, c := range []struct {
		flags []string
		want  binding.CredentialType
	}{{userFlags, binding.CredentialUserName}, {certFlags, binding.CredentialCertificate}} {
		for _, f := range c.flags {
			switch {
			case !given(fs, f):
			case !message:
				return fmt.Errorf("--%s: security mode %s has no client credential in the message (--security message or transportwithmessagecredential)", f, mode)
			case ct != c.want:
				return fmt.Errorf("--%s: the client credential is %s (--credential %s)", f, ct, strings.ToLower(c.want.String()))
			}
		}
	}
	return nil
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
