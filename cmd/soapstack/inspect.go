package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/soapstack/soapstack/internal/keylog"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// multiFlag collects a repeatable KEY=VALUE flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func splitPairs(vals []string, name string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vals {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--%s wants KEY=VALUE, got %q", name, v)
		}
		out[k] = val
	}
	return out, nil
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("inspect", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	at := fs.String("at", "", "pin the clock for Timestamp checks (RFC 3339)")
	certFile := fs.String("cert", "", "PEM certificate(s): ours with --key, else a known peer certificate")
	keyFile := fs.String("key", "", "PEM private key of --cert (decrypts EncryptedKeys)")
	pfx := fs.String("pfx", "", "PKCS#12 file with our certificate and key")
	pfxPassword := fs.String("pfx-password", "", "password of --pfx")
	var passwords, sctKeys multiFlag
	fs.Var(&passwords, "password", "USER=PASS to check a UsernameToken (repeatable)")
	fs.Var(&sctKeys, "sct-key", "IDENTIFIER=BASE64 session key of a SecurityContextToken (repeatable)")
	keyring := fs.String("cookie-keyring", "", "key ring file (JSON, see secureconv/COOKIE.md) to open stateful SCT cookies")
	keyLogFile := fs.String("keylog", "", "session key log (lines SCT_KEY <context-id> <generation|-> <key-hex>) with the keys of SecurityContextTokens")
	suiteName := fs.String("suite", "", "algorithm suite the message was made with (e.g. Basic128): key lengths and encryption are checked against it")
	peerCert := fs.String("peer-cert", "", "PEM certificate(s) of the peer, besides our own --cert/--key or --pfx")
	allowUnsigned := fs.String("allow-unsigned", "none", "parts that need not be signed: body, timestamp, addressing (comma-separated), all or none")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: soapstack inspect [--json] [--at RFC3339] [--cert PEM] [--key PEM] [--pfx FILE --pfx-password P] [--peer-cert PEM]")
		fmt.Fprintln(stderr, "         [--password USER=PASS]... [--sct-key IDENTIFIER=BASE64]... [--keylog FILE] [--cookie-keyring FILE]")
		fmt.Fprintln(stderr, "         [--suite NAME] [--allow-unsigned PARTS] FILE")
		fmt.Fprintln(stderr, "")
		fmt.Fprintln(stderr, "Verifies and decrypts what it can with the keys given and reports whether the Envelope's own Body,")
		fmt.Fprintln(stderr, "Timestamp and addressing headers are among the signed nodes (\"coverage\"). Exit 0 when everything")
		fmt.Fprintln(stderr, "present verifies and decrypts and every part not named by --allow-unsigned is signed, 1 otherwise,")
		fmt.Fprintln(stderr, "2 for usage errors.")
		fmt.Fprintln(stderr, "A negotiation leg (an RST/RSTR/RSTR collection with wst:BinaryExchange: TLSNEGO, SPNEGO) is also decoded")
		fmt.Fprintln(stderr, "after the report (\"negotiation\" in --json): Context, ValueType, TLS records and handshake messages,")
		fmt.Fprintln(stderr, "SPNEGO tokens, the proof token's wrap and the Authenticator; nothing of it is verified.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	usage := func(err error) int {
		fmt.Fprintf(stderr, "soapstack inspect: %v\n", err)
		return 2
	}
	var opts wssecurity.InspectOptions
	if *at != "" {
		t, err := time.Parse(time.RFC3339Nano, *at)
		if err != nil {
			return usage(fmt.Errorf("--at: %w", err))
		}
		opts.At = t
	}
	if opts.Passwords, err = splitPairs(passwords, "password"); err != nil {
		return usage(err)
	}
	keys, err := splitPairs(sctKeys, "sct-key")
	if err != nil {
		return usage(err)
	}
	opts.SessionKeys = map[string][]byte{}
	for id, b64 := range keys {
		k, err := wssecurity.DecodeKey(b64)
		if err != nil {
			return usage(fmt.Errorf("--sct-key %s: %w", id, err))
		}
		opts.SessionKeys[id] = k
	}
	if err := loadInspectKeys(&opts, *certFile, *keyFile, *pfx, *pfxPassword); err != nil {
		return usage(err)
	}
	if *peerCert != "" {
		certs, err := readCertificates(*peerCert)
		if err != nil {
			return usage(fmt.Errorf("--peer-cert: %w", err))
		}
		opts.Certificates = append(opts.Certificates, certs...)
	}
	if *suiteName != "" {
		if opts.Suite, err = wssecurity.SuiteByName(*suiteName); err != nil {
			return usage(fmt.Errorf("--suite: %w", err))
		}
	}
	if opts.AllowUnsigned, err = wssecurity.ParseInspectParts(*allowUnsigned); err != nil {
		return usage(fmt.Errorf("--allow-unsigned: %w", err))
	}
	if *keyLogFile != "" {
		f, err := os.Open(*keyLogFile)
		if err != nil {
			return usage(fmt.Errorf("--keylog: %w", err))
		}
		entries, err := keylog.Read(f)
		f.Close()
		if err != nil {
			return usage(fmt.Errorf("--keylog %s: %w", *keyLogFile, err))
		}
		if len(entries) == 0 {
			return usage(fmt.Errorf("--keylog %s: no SCT_KEY lines", *keyLogFile))
		}
		opts.SessionKey = func(contextID, generation string) ([]byte, bool) {
			return keylog.Find(entries, contextID, generation)
		}
	}
	if *keyring != "" {
		ring, err := secureconv.LoadKeyRing(*keyring)
		if err != nil {
			return usage(fmt.Errorf("--cookie-keyring: %w", err))
		}
		at := opts.At
		opts.OpenCookie = func(cookie []byte) ([]byte, error) {
			now := at
			if now.IsZero() {
				now = time.Now()
			}
			tok, err := secureconv.OpenCookie(ring, cookie, now)
			if err != nil {
				return nil, err
			}
			return tok.Key, nil
		}
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return usage(err)
	}
	m, err := soap.ParseMessage(raw, soap.Limits{})
	if err != nil {
		if *asJSON {
			_ = json.NewEncoder(stdout).Encode(map[string]any{"verified": false, "errors": []string{err.Error()},
				"signed": []string{}, "encrypted": []string{}, "body": "",
				"coverage": []any{}, "covered": false})
		} else {
			fmt.Fprintf(stdout, "not a valid SOAP message: %v\n", err)
		}
		return 1
	}
	rep := wssecurity.Inspect(ctx, m, opts)
	nego := inspectNegotiation(m.Payload())
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(inspectOutput{InspectReport: rep, Negotiation: nego})
	} else {
		printReport(stdout, rep)
		if nego != nil {
			printNegotiation(stdout, nego)
		}
	}
	if !rep.Verified {
		return 1
	}
	return 0
}

func loadInspectKeys(opts *wssecurity.InspectOptions, certFile, keyFile, pfx, pfxPassword string) error {
	if pfx != "" {
		b, err := os.ReadFile(pfx)
		if err != nil {
			return err
		}
		c, err := wssecurity.LoadPKCS12(b, pfxPassword)
		if err != nil {
			return fmt.Errorf("--pfx: %w", err)
		}
		opts.Certificate = c
	}
	if certFile == "" {
		if keyFile != "" {
			return errors.New("--key needs --cert")
		}
		return nil
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return err
	}
	if keyFile != "" {
		keyPEM, err := os.ReadFile(keyFile)
		if err != nil {
			return err
		}
		c, err := wssecurity.LoadPEM(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("--cert/--key: %w", err)
		}
		opts.Certificate = c
		return nil
	}
	certs, err := parseCertificates(certPEM)
	if err != nil {
		return fmt.Errorf("--cert: %w", err)
	}
	opts.Certificates = append(opts.Certificates, certs...)
	return nil
}

// readCertificates reads the certificates of a PEM file.
func readCertificates(file string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseCertificates(b)
}

func parseCertificates(certPEM []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := certPEM; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate found")
	}
	return out, nil
}

func printReport(w io.Writer, r *wssecurity.InspectReport) {
	fmt.Fprintf(w, "SOAP %s\n", r.SOAPVersion)
	for _, k := range []string{"version", "action", "to", "messageID", "relatesTo", "replyTo"} {
		if v, ok := r.Addressing[k]; ok && v != "" {
			fmt.Fprintf(w, "  wsa %-10s %s\n", k, v)
		}
	}
	fmt.Fprintln(w, "Security header:")
	for _, l := range r.Layout {
		fmt.Fprintf(w, "  %s\n", l)
	}
	if r.Timestamp != nil {
		fmt.Fprintf(w, "Timestamp: created %s expires %s\n", r.Timestamp["created"], r.Timestamp["expires"])
	}
	for _, t := range r.Tokens {
		fmt.Fprintf(w, "token: %s\n", t)
	}
	for _, s := range r.Signatures {
		state := "verified"
		if !s.Verified {
			state = "FAILED: " + s.Error
		}
		fmt.Fprintf(w, "signature %s (%s, key %s): %s\n", s.ID, s.Method, s.KeyFrom, state)
		for _, ref := range s.References {
			fmt.Fprintf(w, "  signs %s\n", ref)
		}
	}
	fmt.Fprintf(w, "signed: %s\n", strings.Join(r.Signed, ", "))
	fmt.Fprintln(w, "coverage (the Envelope's own parts among the signed nodes):")
	for _, c := range r.Coverage {
		state := "signed by " + strings.Join(c.SignedBy, ", ")
		switch {
		case !c.Signed && c.Required:
			state = "NOT SIGNED"
		case !c.Signed:
			state = "not signed (allowed)"
		}
		fmt.Fprintf(w, "  %-10s %s: %s\n", c.Part, c.Element, state)
	}
	fmt.Fprintf(w, "encrypted: %s\n", strings.Join(r.Encrypted, ", "))
	fmt.Fprintf(w, "body: %s\n", r.Body)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
	if r.Verified {
		fmt.Fprintln(w, "result: everything present verified, the required parts are signed")
	} else {
		fmt.Fprintln(w, "result: FAILED")
	}
}
