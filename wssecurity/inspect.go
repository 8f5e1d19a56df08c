package wssecurity

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/soap"
)

// InspectOptions gives Inspect the keys it may use. Everything is
// optional: without keys Inspect still reports the structure.
type InspectOptions struct {
	// Certificate with its private key decrypts EncryptedKeys addressed to
	// it and names our side.
	Certificate *Certificate
	// Certificates are other known certificates (the peer's), to verify
	// signatures that reference a certificate the message does not carry.
	Certificates []*x509.Certificate
	// Passwords verify UsernameTokens, by user name.
	Passwords map[string]string
	// SessionKeys are the keys of SecurityContextTokens by Identifier.
	SessionKeys map[string][]byte
	// OpenCookie opens the Cookie of a stateful SecurityContextToken and
	// returns the session key (package secureconv's OpenCookie with a key
	// ring); nil leaves cookies closed.
	OpenCookie func(cookie []byte) ([]byte, error)
	// At pins the clock for Timestamp checks (time.Now when zero).
	At time.Time
	// Limits bound decrypted content.
	Limits soap.Limits
}

// SignatureReport describes one signature of an inspected message.
type SignatureReport struct {
	ID         string   `json:"id,omitempty"`
	Method     string   `json:"method,omitempty"`
	KeyFrom    string   `json:"keyFrom,omitempty"`
	References []string `json:"references"`
	Verified   bool     `json:"verified"`
	Error      string   `json:"error,omitempty"`
}

// InspectReport is what Inspect found. The JSON names are a stable
// contract of soapstack inspect --json.
type InspectReport struct {
	SOAPVersion string            `json:"soapVersion"`
	Addressing  map[string]string `json:"addressing,omitempty"`
	// Layout lists the children of the Security header in order.
	Layout     []string          `json:"layout"`
	Timestamp  map[string]string `json:"timestamp,omitempty"`
	Tokens     []string          `json:"tokens"`
	Signatures []SignatureReport `json:"signatures"`
	Signed     []string          `json:"signed"`
	Encrypted  []string          `json:"encrypted"`
	Body       string            `json:"body"`
	Verified   bool              `json:"verified"`
	Errors     []string          `json:"errors"`
	Notes      []string          `json:"notes"`
}

// knownPrefix returns the report prefix of a well-known namespace.
func knownPrefix(ns string) (string, bool) {
	switch ns {
	case soap.NS11:
		return "soap11", true
	case soap.NS12:
		return "soap", true
	case soap.NSWSA10:
		return "wsa", true
	case soap.NSWSA200408:
		return "wsa04", true
	case NSWSSE:
		return "wsse", true
	case NSWSSE11:
		return "wsse11", true
	case NSWSU:
		return "wsu", true
	case NSDS:
		return "ds", true
	case NSXENC:
		return "xenc", true
	case NSWSC200502:
		return "wsc", true
	case NSWSC13:
		return "wsc13", true
	}
	return "", false
}

// describe names an element for reports: prefix:Local#id.
func describe(el *etree.Element) string {
	n := soap.ElementName(el)
	name := n.Local
	if p, ok := knownPrefix(n.Space); ok {
		name = p + ":" + n.Local
	}
	id := wsuID(el)
	if id == "" {
		id = el.SelectAttrValue("Id", "")
	}
	if id != "" {
		name += "#" + id
	}
	return name
}

// inspectResolver supplies session keys to the receiver.
type inspectResolver struct {
	keys   map[string][]byte
	cookie func([]byte) ([]byte, error)
	notes  *[]string
}

func (ir inspectResolver) TokenElement(ctx context.Context, el *etree.Element) ([]byte, bool, error) {
	n := soap.ElementName(el)
	if n.Local != "SecurityContextToken" || (n.Space != NSWSC200502 && n.Space != NSWSC13) {
		return nil, false, nil
	}
	ident := firstChild(el, n.Space, "Identifier")
	if ident == nil {
		return nil, false, fmt.Errorf("%w: SecurityContextToken without Identifier", ErrInvalidToken)
	}
	id := strings.TrimSpace(ident.Text())
	if key, ok := ir.keys[id]; ok {
		return key, true, nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == "Cookie" && ir.cookie != nil {
			data, err := decodeBase64(c.Text(), 64<<10)
			if err != nil {
				return nil, true, fmt.Errorf("%w: cookie: %v", ErrInvalidToken, err)
			}
			key, err := ir.cookie(data)
			if err != nil {
				return nil, true, fmt.Errorf("%w: cookie of %s does not open: %v", ErrInvalidToken, id, err)
			}
			ir.keys[id] = key
			*ir.notes = append(*ir.notes, "session key of "+id+" taken from its cookie")
			return key, true, nil
		}
	}
	*ir.notes = append(*ir.notes, "no key for SecurityContextToken "+id+" (use --sct-key or --cookie-keyring)")
	return nil, true, nil
}

func (ir inspectResolver) TokenReference(ctx context.Context, str *STR) ([]byte, error) {
	if key, ok := ir.keys[str.URI]; ok {
		return key, nil
	}
	return nil, fmt.Errorf("%w: no key for token %s", ErrTokenUnavailable, str.URI)
}

type inspectUsers struct {
	passwords map[string]string
	notes     *[]string
}

func (u inspectUsers) ValidateUsernameToken(ctx context.Context, ut *UsernameTokenData) error {
	pw, ok := u.passwords[ut.Username]
	if !ok {
		*u.notes = append(*u.notes, "UsernameToken of "+ut.Username+" not checked (use --password USER=PASS)")
		return nil
	}
	v := &UsernameTokenVerifier{LookupPassword: func(context.Context, string) (string, error) { return pw, nil }}
	return v.ValidateUsernameToken(ctx, ut)
}

// Inspect processes the Security header of m with whatever keys it is
// given, without a policy: it verifies every signature it can, decrypts
// every EncryptedData it can (m is changed in place) and reports the
// structure, what is signed and encrypted, and every failure.
func Inspect(ctx context.Context, m *soap.Message, opts InspectOptions) *InspectReport {
	rep := &InspectReport{SOAPVersion: m.Version.String(), Layout: []string{}, Tokens: []string{},
		Signatures: []SignatureReport{}, Signed: []string{}, Encrypted: []string{}, Errors: []string{}, Notes: []string{}}
	now := opts.At
	if now.IsZero() {
		now = time.Now()
	}
	clock := func() time.Time { return now }
	if a := m.Addressing; a.Version != 0 {
		rep.Addressing = map[string]string{"version": a.Version.String(), "action": a.Action, "to": a.To, "messageID": a.MessageID}
		for _, rt := range a.RelatesTo {
			rep.Addressing["relatesTo"] = rt.ID
		}
		if a.ReplyTo != nil {
			rep.Addressing["replyTo"] = a.ReplyTo.Address
		}
	}
	cfg := &Config{Certificate: opts.Certificate, Now: clock, Limits: opts.Limits,
		TokenResolver: inspectResolver{keys: sessionKeys(opts.SessionKeys), cookie: opts.OpenCookie, notes: &rep.Notes},
		Usernames:     inspectUsers{passwords: opts.Passwords, notes: &rep.Notes}}
	r := newReceiver(ctx, Policy{}.WithDefaults(), cfg, false, &exchange{}, m)
	r.inspect = true
	for _, c := range opts.Certificates {
		r.tokens[etree.NewElement("known-certificate")] = &token{kind: tokX509, cert: c}
	}
	sec, err := SecurityHeader(m)
	switch {
	case err != nil:
		rep.Errors = append(rep.Errors, err.Error())
	case sec == nil:
		rep.Notes = append(rep.Notes, "no Security header")
	default:
		for _, c := range sec.ChildElements() {
			rep.Layout = append(rep.Layout, describe(c))
		}
		if err := r.process(); err != nil {
			rep.Errors = append(rep.Errors, err.Error())
		}
	}
	for _, e := range r.errs {
		rep.Errors = append(rep.Errors, e.Error())
	}
	if r.ts != nil {
		rep.Timestamp = map[string]string{"created": FormatTime(r.ts.Created)}
		if !r.ts.Expires.IsZero() {
			rep.Timestamp["expires"] = FormatTime(r.ts.Expires)
		}
	}
	for el, t := range r.tokens {
		if el.Parent() == nil && el.Tag == "known-certificate" {
			continue
		}
		desc := describe(el)
		switch t.kind {
		case tokX509:
			desc += " (X.509 " + t.cert.Subject.String() + ")"
		case tokUsername:
			desc += " (user " + t.ut.Username + ")"
		case tokEncryptedKey:
			desc += " (key unwrapped)"
		case tokDerived:
			desc += fmt.Sprintf(" (%d-byte key)", len(t.key))
		}
		rep.Tokens = append(rep.Tokens, desc)
	}
	signedSeen := map[string]bool{}
	for _, s := range r.sigs {
		sr := SignatureReport{ID: s.el.SelectAttrValue("Id", ""), References: []string{}}
		if s.key != nil {
			sr.KeyFrom = keyDescription(s.key)
		}
		if s.err != nil {
			sr.Error = s.err.Error()
		} else {
			sr.Verified = true
			sr.Method = s.v.SignatureMethod
			for _, ref := range s.v.References {
				d := describe(ref.Element)
				sr.References = append(sr.References, d)
				if !signedSeen[d] {
					signedSeen[d] = true
					rep.Signed = append(rep.Signed, d)
				}
			}
		}
		rep.Signatures = append(rep.Signatures, sr)
	}
	for _, d := range r.decs {
		if d.typ == xmlenc.TypeContent {
			rep.Encrypted = append(rep.Encrypted, describe(d.parent)+" (content)")
			continue
		}
		for _, w := range d.what {
			rep.Encrypted = append(rep.Encrypted, describe(w))
		}
	}
	for _, ed := range m.Envelope.FindElements("//EncryptedData") {
		if soap.ElementName(ed).Space == xmlenc.NS {
			rep.Errors = append(rep.Errors, "not decrypted: "+describe(ed))
		}
	}
	var b strings.Builder
	for _, c := range m.Body.Child {
		doc := etree.NewDocument()
		switch t := c.(type) {
		case *etree.Element:
			doc.AddChild(t.Copy())
		case *etree.CharData:
			if trimXMLSpace(t.Data) == "" {
				continue
			}
			b.WriteString(t.Data)
			continue
		default:
			continue
		}
		s, _ := doc.WriteToString()
		b.WriteString(s)
	}
	rep.Body = b.String()
	rep.Verified = len(rep.Errors) == 0
	return rep
}

func keyDescription(t *token) string {
	switch t.kind {
	case tokX509:
		if t.cert != nil {
			return "X.509 " + t.cert.Subject.String()
		}
	case tokDerived:
		return "derived key " + describe(t.el) + " from " + keyDescription(t.base)
	case tokEncryptedKey:
		return "EncryptedKey " + describe(t.el)
	case tokExternal:
		if t.el != nil {
			return describe(t.el)
		}
		return "external token"
	}
	return "key"
}

// DecodeKey decodes a base64 key argument.
func DecodeKey(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimSpace(s))
}

func sessionKeys(m map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
