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
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: soapstack inspect [--json] [--at RFC3339] [--cert PEM] [--key PEM] [--pfx FILE --pfx-password P] [--password USER=PASS]... [--sct-key IDENTIFIER=BASE64]... [--cookie-keyring FILE] FILE")
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
				"signed": []string{}, "encrypted": []string{}, "body": ""})
		} else {
			fmt.Fprintf(stdout, "not a valid SOAP message: %v\n", err)
		}
		return 1
	}
	rep := wssecurity.Inspect(ctx, m, opts)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printReport(stdout, rep)
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
	for rest := certPEM; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return fmt.Errorf("--cert: %w", err)
		}
		opts.Certificates = append(opts.Certificates, c)
	}
	if len(opts.Certificates) == 0 {
		return errors.New("--cert: no certificate found")
	}
	return nil
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
	fmt.Fprintf(w, "encrypted: %s\n", strings.Join(r.Encrypted, ", "))
	fmt.Fprintf(w, "body: %s\n", r.Body)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
	if r.Verified {
		fmt.Fprintln(w, "result: everything present verified")
	} else {
		fmt.Fprintln(w, "result: FAILED")
	}
}
