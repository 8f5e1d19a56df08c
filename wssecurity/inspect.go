package wssecurity

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/dsig"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/internal/xmlutil"
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
	// SessionKey, when set, looks up the key of a SecurityContextToken by
	// Identifier and key generation (its Instance, "" for none), e.g. in a
	// key log (soapstack inspect --keylog). SessionKeys are tried first.
	SessionKey func(contextID, generation string) ([]byte, bool)
	// OpenCookie opens the Cookie of a stateful SecurityContextToken and
	// returns the session key (package secureconv's OpenCookie with a key
	// ring); nil leaves cookies closed.
	OpenCookie func(cookie []byte) ([]byte, error)
	// At pins the clock for Timestamp checks (time.Now when zero).
	At time.Time
	// Suite is the algorithm suite the message was made with, when known
	// (0 when not): every EncryptedKey must then carry the suite's key
	// length and every EncryptedData use its encryption algorithm.
	// Without it each unwrapped key is checked against the EncryptedData it
	// encrypts.
	Suite Suite
	// AllowUnsigned names the parts of the Envelope that need not be
	// signed (a message protected by TLS, a peer that does not sign its
	// addressing headers). By default the Envelope's Body, the Security
	// header's Timestamp and every addressing header must be signed.
	AllowUnsigned InspectParts
	// Limits bound decrypted content.
	Limits soap.Limits
}

// InspectParts is a set of the Envelope parts whose signature Inspect
// checks.
type InspectParts int

// The parts of InspectParts.
const (
	// PartBody is the Envelope's own soap:Body.
	PartBody InspectParts = 1 << iota
	// PartTimestamp is the wsu:Timestamp child of the Security header.
	PartTimestamp
	// PartAddressing are the WS-Addressing headers (To, Action, MessageID,
	// ReplyTo, RelatesTo, From, FaultTo... of either version) that are
	// children of the Envelope's Header.
	PartAddressing
	// AllParts is every part.
	AllParts = PartBody | PartTimestamp | PartAddressing
)

type partName struct {
	p    InspectParts
	name string
}

var partNames = []partName{{PartBody, "body"}, {PartTimestamp, "timestamp"}, {PartAddressing, "addressing"}}

// ParseInspectParts reads a comma-separated list of "body", "timestamp",
// "addressing", "all" or "none".
func ParseInspectParts(s string) (InspectParts, error) {
	var out InspectParts
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch f {
		case "all":
			out |= AllParts
			continue
		case "none", "":
			continue
		}
		i := slices.IndexFunc(partNames, func(n partName) bool { return n.name == f })
		if i < 0 {
			return 0, fmt.Errorf("wssecurity: unknown message part %q (want body, timestamp, addressing, all or none)", f)
		}
		out |= partNames[i].p
	}
	return out, nil
}

// String returns the parts as ParseInspectParts reads them.
func (p InspectParts) String() string {
	var names []string
	for _, n := range partNames {
		if p&n.p != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// PartCoverage says whether one part of the Envelope is among the nodes a
// verified signature digested (by node identity, as the receiver checks
// it: a signed copy elsewhere in the message does not count).
type PartCoverage struct {
	// Part is "body", "timestamp" or "addressing".
	Part string `json:"part"`
	// Element names the Envelope's own element, e.g. "soap:Body#id-1".
	Element string `json:"element"`
	// Signed reports whether a verified signature signs this very node.
	Signed bool `json:"signed"`
	// SignedBy lists the Ids (or names) of the signatures that sign it.
	SignedBy []string `json:"signedBy,omitempty"`
	// Required reports whether the part must be signed (not in
	// InspectOptions.AllowUnsigned).
	Required bool `json:"required"`
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
	// Coverage lists the Envelope's Body, Timestamp and addressing
	// headers and whether each is signed.
	Coverage []PartCoverage `json:"coverage"`
	// Covered reports whether every required part of Coverage is signed;
	// when it is not, Errors says which and Verified is false.
	Covered  bool     `json:"covered"`
	Verified bool     `json:"verified"`
	Errors   []string `json:"errors"`
	Notes    []string `json:"notes"`
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
	case wsse.NSWSSE:
		return "wsse", true
	case wsse.NSWSSE11:
		return "wsse11", true
	case wsse.NSWSU:
		return "wsu", true
	case wsse.NSDS:
		return "ds", true
	case wsse.NSXENC:
		return "xenc", true
	case wsse.NSWSC200502:
		return "wsc", true
	case wsse.NSWSC13:
		return "wsc13", true
	}
	return "", false
}

// describe names an element for reports: prefix:Local#id.
func describe(el *etree.Element) string {
	n := xmlutil.ElementName(el)
	name := n.Local
	if p, ok := knownPrefix(n.Space); ok {
		name = p + ":" + n.Local
	}
	id := wsse.WSUID(el)
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
	lookup func(contextID, generation string) ([]byte, bool)
	cookie func([]byte) ([]byte, error)
	notes  *[]string
	// source records where the key of each session came from, by
	// Identifier, to explain a key that does not verify.
	source map[string]string
}

// sessionKey finds the key of session id at generation gen.
func (ir inspectResolver) sessionKey(id, gen string) ([]byte, bool) {
	if key, ok := ir.keys[id]; ok {
		ir.source[id] = "--sct-key"
		return key, true
	}
	if ir.lookup != nil {
		if key, ok := ir.lookup(id, gen); ok {
			ir.source[id] = "the key log"
			*ir.notes = append(*ir.notes, "session key of "+sessionName(id, gen)+" taken from the key log")
			return key, true
		}
	}
	return nil, false
}

// sessionName names a session and its key generation for reports.
func sessionName(id, gen string) string {
	if gen == "" {
		return id
	}
	return id + " (generation " + gen + ")"
}

func (ir inspectResolver) TokenElement(ctx context.Context, el *etree.Element) ([]byte, bool, error) {
	n := xmlutil.ElementName(el)
	if n.Local != "SecurityContextToken" || (n.Space != wsse.NSWSC200502 && n.Space != wsse.NSWSC13) {
		return nil, false, nil
	}
	ident := firstChild(el, n.Space, "Identifier")
	if ident == nil {
		return nil, false, fmt.Errorf("%w: SecurityContextToken without Identifier", ErrInvalidToken)
	}
	id := strings.TrimSpace(ident.Text())
	gen := ""
	if inst := firstChild(el, n.Space, "Instance"); inst != nil {
		gen = strings.TrimSpace(inst.Text())
	}
	if key, ok := ir.sessionKey(id, gen); ok {
		return key, true, nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == "Cookie" && ir.cookie != nil {
			data, err := wsse.DecodeBase64(c.Text(), 64<<10)
			if err != nil {
				return nil, true, fmt.Errorf("%w: cookie: %v", ErrInvalidToken, err)
			}
			key, err := ir.cookie(data)
			if err != nil {
				return nil, true, fmt.Errorf("%w: cookie of %s does not open: %v", ErrInvalidToken, id, err)
			}
			ir.keys[id] = key
			ir.source[id] = "its cookie"
			*ir.notes = append(*ir.notes, "session key of "+id+" taken from its cookie")
			return key, true, nil
		}
	}
	*ir.notes = append(*ir.notes, "no key for SecurityContextToken "+sessionName(id, gen)+" (use --sct-key, --keylog or --cookie-keyring)")
	return nil, true, nil
}

func (ir inspectResolver) TokenReference(ctx context.Context, str *wsse.STR) ([]byte, error) {
	gen := referenceInstance(str)
	if key, ok := ir.sessionKey(str.URI, gen); ok {
		return key, nil
	}
	return nil, fmt.Errorf("%w: no key for token %s (use --sct-key or --keylog)", ErrTokenUnavailable, sessionName(str.URI, gen))
}

// referenceInstance returns the wsc:Instance attribute (the key
// generation) of an external reference to a SecurityContextToken, or "".
func referenceInstance(str *wsse.STR) string {
	if str.Element == nil {
		return ""
	}
	ref := firstChild(str.Element, wsse.NSWSSE, "Reference")
	if ref == nil {
		return ""
	}
	for _, ns := range []string{wsse.NSWSC200502, wsse.NSWSC13} {
		if a := xmlutil.AttrNS(ref, ns, "Instance"); a != nil {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
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
// structure, what is signed and encrypted, and every failure. It also
// reports whether the Envelope's own Body, Timestamp and addressing
// headers are among the signed nodes, by node identity as the receiver
// requires it; a required part that is not signed is an error.
func Inspect(ctx context.Context, m *soap.Message, opts InspectOptions) *InspectReport {
	rep := &InspectReport{SOAPVersion: m.Version.String(), Layout: []string{}, Tokens: []string{},
		Signatures: []SignatureReport{}, Signed: []string{}, Encrypted: []string{}, Errors: []string{}, Notes: []string{},
		Coverage: []PartCoverage{}}
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

	// The policy's Suite stays 0 unless given: inspect mode reads it as
	// "check key lengths against the suite".
	r.p.Suite, r.suite = opts.Suite, opts.Suite.algorithms()
	res := cfg.TokenResolver.(inspectResolver)
	res.lookup, res.source = opts.SessionKey, map[string]string{}
	cfg.TokenResolver = res
	for _, c := range opts.Certificates {
		r.tokens[etree.NewElement("known-certificate")] = &token{kind: tokX509, cert: c}
	}
	sec, err := securityHeader(m)
	switch {
	case err != nil:
		rep.Errors = append(rep.Errors, err.Error())
	case sec == nil:
		rep.Notes = append(rep.Notes, "no Security header")
	default:
		for _, c := range sec.ChildElements() {
			rep.Layout = append(rep.Layout, describe(c))
		}
		if opts.Suite != 0 {
			rep.Errors = append(rep.Errors, suiteEncryptionErrors(m, opts.Suite)...)
		}
		if err := r.process(); err != nil {
			rep.Errors = append(rep.Errors, err.Error())
		}
	}
	for _, e := range r.errs {
		rep.Errors = append(rep.Errors, e.Error())
	}
	if r.ts != nil {
		rep.Timestamp = map[string]string{"created": wsse.FormatTime(r.ts.Created)}
		if !r.ts.Expires.IsZero() {
			rep.Timestamp["expires"] = wsse.FormatTime(r.ts.Expires)
		}
	}
	external := map[*token]string{}
	for uri, t := range r.external {
		external[t] = uri
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
			desc += fmt.Sprintf(" (%d-byte key unwrapped)", len(t.key))
		case tokDerived:
			desc += fmt.Sprintf(" (%d-byte key)", len(t.key))
		}
		rep.Tokens = append(rep.Tokens, desc)
	}
	slices.Sort(rep.Tokens)
	for uri, t := range r.external {
		rep.Tokens = append(rep.Tokens, fmt.Sprintf("%s (session token by reference, %d-byte key)", uri, len(t.key)))
	}
	signedSeen := map[string]bool{}
	signedBy := map[*etree.Element][]string{}
	for _, s := range r.sigs {
		sr := SignatureReport{ID: s.el.SelectAttrValue("Id", ""), References: []string{}}
		if s.key != nil {
			sr.KeyFrom = keyDescription(s.key, external)
		}
		if s.err != nil {
			sr.Error = s.err.Error()
			if id := sessionOf(s.key, external); id != "" && res.source[id] != "" {
				rep.Errors = append(rep.Errors, fmt.Sprintf("signature %s does not verify with the key of session %s from %s (wrong or stale key?)",
					describe(s.el), id, res.source[id]))
			}
		} else {
			sr.Verified = true
			sr.Method = s.v.SignatureMethod
			name := sr.ID
			if name == "" {
				name = describe(s.el)
			}
			for _, ref := range s.v.References {
				d := describe(ref.Element)
				sr.References = append(sr.References, d)
				signedBy[ref.Element] = append(signedBy[ref.Element], name)
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
		if xmlutil.ElementName(ed).Space == xmlenc.NS {
			rep.Errors = append(rep.Errors, "not decrypted: "+describe(ed))
			if id := sessionOf(r.encryptionKey(ed), external); id != "" && res.source[id] != "" {
				rep.Errors = append(rep.Errors, fmt.Sprintf("%s does not decrypt with the key of session %s from %s (wrong or stale key?)",
					describe(ed), id, res.source[id]))
			}
		}
	}
	var parts []*etree.Element
	rep.Coverage, parts, rep.Covered = coverage(m, r.ts, signedBy, opts.AllowUnsigned)
	for i, c := range rep.Coverage {
		if c.Required && !c.Signed {
			rep.Errors = append(rep.Errors, unsignedError(c, parts[i], signedBy))
		}
	}
	if stray := strayParts(m, r.ts, signedBy, parts, opts.AllowUnsigned); len(stray) > 0 {
		rep.Errors = append(rep.Errors, stray...)
		rep.Covered = false
	}
	if opts.AllowUnsigned != 0 {
		rep.Notes = append(rep.Notes, "not required to be signed: "+opts.AllowUnsigned.String())
	}
	var b strings.Builder
	for _, c := range m.Body.Child {
		doc := etree.NewDocument()
		switch t := c.(type) {
		case *etree.Element:
			doc.AddChild(t.Copy())
		case *etree.CharData:
			if wsse.TrimXMLSpace(t.Data) == "" {
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

// coverage lists the Envelope's own Body, the Security header's Timestamp
// and the addressing headers with the signatures that digested each very
// node, and reports whether every part not in allow is signed. els are
// the parts' elements, in the order of the list.
func coverage(m *soap.Message, ts *wsse.Timestamp, signedBy map[*etree.Element][]string, allow InspectParts) (out []PartCoverage, els []*etree.Element, ok bool) {
	out = []PartCoverage{}
	ok = true
	add := func(part InspectParts, name string, el *etree.Element) {
		c := PartCoverage{Part: name, Element: describe(el), SignedBy: signedBy[el], Required: allow&part == 0}
		c.Signed = len(c.SignedBy) > 0
		if c.Required && !c.Signed {
			ok = false
		}
		out = append(out, c)
		els = append(els, el)
	}
	if m.Body != nil {
		add(PartBody, "body", m.Body)
	}
	if ts != nil && ts.Element != nil {
		add(PartTimestamp, "timestamp", ts.Element)
	}
	for _, h := range m.Headers() {
		if ns := xmlutil.ElementName(h).Space; ns == soap.NSWSA10 || ns == soap.NSWSA200408 {
			add(PartAddressing, "addressing", h)
		}
	}
	return out, els, ok
}

// unsignedError explains a required part that is not signed, naming a
// signed element of the same name elsewhere (a signature wrapping: the
// signed node was moved and another put in its place).
func unsignedError(c PartCoverage, own *etree.Element, signedBy map[*etree.Element][]string) string {
	msg := fmt.Sprintf("the Envelope's %s %s is not signed", c.Part, c.Element)
	name := xmlutil.ElementName(own)
	var elsewhere []string
	for el := range signedBy {
		if el != own && xmlutil.ElementName(el) == name {
			elsewhere = append(elsewhere, elementPath(el))
		}
	}
	slices.Sort(elsewhere)
	if len(elsewhere) > 0 {
		msg += "; a signature signs another " + name.Local + " at " + strings.Join(elsewhere, ", ") +
			" (moved or copied: a signature wrapping attack?)"
	}
	return msg
}

// strayParts reports signed elements named as a Body, a Timestamp or an
// addressing header that stand elsewhere than their own place when the
// Envelope has no part of that name where it belongs: the signed node was
// moved away and nothing put in its place (a message without To would
// otherwise pass as addressed anywhere). The receiver refuses these
// (ErrMisplaced). Parts in allow are not reported.
func strayParts(m *soap.Message, ts *wsse.Timestamp, signedBy map[*etree.Element][]string, own []*etree.Element, allow InspectParts) []string {
	have := map[xml.Name]bool{}
	for _, el := range own {
		have[xmlutil.ElementName(el)] = true
	}
	var out []string
	for el := range signedBy {
		n := xmlutil.ElementName(el)
		var part InspectParts
		var inPlace bool
		switch {
		case n.Local == "Body" && (n.Space == soap.NS11 || n.Space == soap.NS12):
			part, inPlace = PartBody, el == m.Body
		case n.Space == wsse.NSWSU && n.Local == "Timestamp":
			part, inPlace = PartTimestamp, ts != nil && el == ts.Element
		case n.Space == soap.NSWSA10 || n.Space == soap.NSWSA200408:
			part, inPlace = PartAddressing, el.Parent() == m.Header
		default:
			continue
		}
		if inPlace || have[n] || allow&part != 0 {
			continue
		}
		out = append(out, fmt.Sprintf("a signature signs a %s at %s, but the Envelope has none in its place (moved: a signature wrapping attack?)",
			n.Local, elementPath(el)))
	}
	slices.Sort(out)
	return out
}

// elementPath names el by its ancestors, from the Envelope.
func elementPath(el *etree.Element) string {
	var parts []string
	for e := el; e != nil && e.Tag != ""; e = e.Parent() {
		parts = append(parts, describe(e))
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// suiteEncryptionErrors reports EncryptedData whose algorithm is not the
// suite's.
func suiteEncryptionErrors(m *soap.Message, suite Suite) []string {
	want := suite.algorithms().Encryption
	var out []string
	for _, el := range m.Envelope.FindElements("//EncryptedData") {
		if xmlutil.ElementName(el).Space != xmlenc.NS {
			continue
		}
		ed, err := xmlenc.ParseEncryptedData(el)
		if err != nil || ed.Algorithm == want {
			continue
		}
		out = append(out, fmt.Sprintf("%s uses %s, the %s suite uses %s", describe(el), ed.Algorithm, suite, want))
	}
	return out
}

// unwrapKey unwraps the key of an EncryptedKey addressed to our key pair.
// A service unwraps the suite's key length with the Bleichenbacher
// countermeasure (a failure yields a random key). Inspect works offline
// on its user's own messages: it decrypts the key as it was wrapped, then
// checks its length against the EncryptedData it encrypts and the suite
// when one is given, so that a wrong key is an error that says so, never
// a silent guess.
func (r *receiver) unwrapKey(el *etree.Element, ek *xmlenc.EncryptedKey, priv *rsa.PrivateKey) ([]byte, error) {
	if !r.inspect {
		return ek.Unwrap(priv, r.suite.symmetricKeyLength(), r.cfg.rand(), r.keyTransportOptions()...)
	}
	key, err := ek.UnwrapExact(priv, xmlenc.AllowRSA15())
	if err != nil {
		return nil, fmt.Errorf("%s does not unwrap with the private key of %s: %w", describe(el), r.cfg.Certificate.Cert.Subject, err)
	}
	if r.p.Suite != 0 {
		if want := r.suite.symmetricKeyLength(); len(key) != want {
			return nil, fmt.Errorf("%s carries a %d-byte key, the %s suite uses %d-byte keys", describe(el), len(key), r.p.Suite, want)
		}
	}
	for _, ed := range r.encryptedBy(el, ek) {
		d, err := xmlenc.ParseEncryptedData(ed)
		if err != nil {
			continue // reported when it is decrypted
		}
		n, err := xmlenc.KeySize(d.Algorithm)
		if err == nil && n != len(key) {
			return nil, fmt.Errorf("%s carries a %d-byte key, but %s encrypted with it uses %s (%d-byte keys)",
				describe(el), len(key), describe(ed), d.Algorithm, n)
		}
	}
	return key, nil
}

// encryptedBy returns the EncryptedData elements the EncryptedKey el
// encrypts directly: those its ReferenceList lists and those whose KeyInfo
// references it by Id or by EncryptedKeySHA1 (not through derived keys,
// whose length the DerivedKeyToken gives).
func (r *receiver) encryptedBy(el *etree.Element, ek *xmlenc.EncryptedKey) []*etree.Element {
	var out []*etree.Element
	if idx, err := dsig.NewIDIndex(r.m.Envelope); err == nil {
		for _, id := range ek.DataReferences {
			if ed := idx.Lookup(id); ed != nil && xmlutil.Is(ed, xmlenc.NS, "EncryptedData") {
				out = append(out, ed)
			}
		}
	}
	ids := []string{wsse.WSUID(el), ek.ID}
	sum := sha1Sum(ek.CipherValue)
	for _, ed := range r.m.Envelope.FindElements("//EncryptedData") {
		if !xmlutil.Is(ed, xmlenc.NS, "EncryptedData") || slices.Contains(out, ed) {
			continue
		}
		ki := firstChild(ed, wsse.NSDS, "KeyInfo")
		if ki == nil {
			continue
		}
		strEl := firstChild(ki, wsse.NSWSSE, "SecurityTokenReference")
		if strEl == nil {
			continue
		}
		str, err := wsse.ParseSTR(strEl)
		if err != nil {
			continue
		}
		switch {
		case str.Kind == wsse.STRReference && str.Local && str.LocalID() != "" && slices.Contains(ids, str.LocalID()):
			out = append(out, ed)
		case str.Kind == wsse.STRKeyIdentifier && str.ValueType == wsse.URIEncryptedKeySHA1 && subtle.ConstantTimeCompare(str.KeyIdentifier, sum) == 1:
			out = append(out, ed)
		}
	}
	return out
}

// encryptionKey returns the processed token the KeyInfo of the
// EncryptedData ed references, or nil.
func (r *receiver) encryptionKey(ed *etree.Element) *token {
	ki := firstChild(ed, wsse.NSDS, "KeyInfo")
	if ki == nil {
		return nil
	}
	strEl := firstChild(ki, wsse.NSWSSE, "SecurityTokenReference")
	if strEl == nil {
		return nil
	}
	str, err := wsse.ParseSTR(strEl)
	if err != nil || str.Kind != wsse.STRReference {
		return nil
	}
	if !str.Local {
		return r.external[str.URI]
	}
	for el, t := range r.tokens {
		if id := str.LocalID(); id != "" && (wsse.WSUID(el) == id || el.SelectAttrValue("Id", "") == id) {
			return t
		}
	}
	return nil
}

// sessionOf returns the identifier of the session a key comes from, or "".
func sessionOf(t *token, external map[*token]string) string {
	if t == nil {
		return ""
	}
	root := t.root()
	if root.kind != tokExternal {
		return ""
	}
	if root.session != nil {
		return root.session.Identifier
	}
	return external[root]
}

func keyDescription(t *token, external map[*token]string) string {
	switch t.kind {
	case tokX509:
		if t.cert != nil {
			return "X.509 " + t.cert.Subject.String()
		}
	case tokDerived:
		return "derived key " + describe(t.el) + " from " + keyDescription(t.base, external)
	case tokEncryptedKey:
		return "EncryptedKey " + describe(t.el)
	case tokExternal:
		if t.el != nil {
			return describe(t.el)
		}
		if uri, ok := external[t]; ok {
			return "session token " + uri
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
