package wssecurity

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/dsig"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

type tokenKind int

const (
	tokEncryptedKey tokenKind = iota + 1
	tokDerived
	tokX509
	tokUsername
	tokExternal
	// tokExchange is the key of the request, named in a reply by its
	// EncryptedKeySHA1.
	tokExchange
)

// token is a processed security token.
type token struct {
	kind tokenKind
	el   *etree.Element
	key  []byte
	cert *x509.Certificate
	// base is the token a derived key comes from.
	base   *token
	ekSHA1 []byte
	// fromDecryption marks tokens that arrived encrypted.
	fromDecryption bool
	ut             *UsernameTokenData
	// session describes an external session token (its identifier).
	session *SessionToken
}

// root returns the token a key ultimately comes from.
func (t *token) root() *token {
	for t.base != nil {
		t = t.base
	}
	return t
}

type sigResult struct {
	// err is set (inspection only) for a signature that did not verify.
	err            error
	el             *etree.Element
	v              *dsig.Verified
	key            *token
	fromDecryption bool
	seq            int
}

type decResult struct {
	parent *etree.Element
	typ    string
	key    *token
	seq    int
	// what names the decrypted content (for reports).
	what []*etree.Element
}

// receiver processes the Security header of one incoming message, top to
// bottom as WSS4J does, then checks the result against the policy.
type receiver struct {
	ctx       context.Context
	p         Policy
	suite     algorithmSuite
	cfg       *Config
	initiator bool // a client reading a reply
	ex        *exchange
	m         *soap.Message
	sec       *etree.Element
	// now is the time of Config.Now at which the message is checked.
	now time.Time

	seq       int
	ts        *wsse.Timestamp
	tokens    map[*etree.Element]*token
	sigs      []*sigResult
	decs      []*decResult
	confirms  [][]byte
	confirmEl []*etree.Element
	hasConfNo bool
	uts       []*token
	decrypted map[*etree.Element]bool
	// exTok is the request's key named in a reply.
	exTok *token
	// done holds the Security header children already processed.
	done map[*etree.Element]bool
	// external holds tokens resolved by reference, by URI.
	external map[string]*token
	// idx is the ID index of the message as it stands (see ids).
	idx *dsig.IDIndex
	// inspect accepts every supported algorithm and records errors instead
	// of stopping (soapstack inspect); it never enforces a policy.
	inspect bool
	errs    []error
}

func newReceiver(ctx context.Context, p Policy, cfg *Config, initiator bool, ex *exchange, m *soap.Message) *receiver {
	return &receiver{ctx: ctx, p: p, suite: p.Suite.algorithms(), cfg: cfg, initiator: initiator, ex: ex, m: m, now: cfg.now(),
		tokens: map[*etree.Element]*token{}, decrypted: map[*etree.Element]bool{}, done: map[*etree.Element]bool{}}
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidSecurity}, args...)...)
}

// process runs the header and the policy checks.
func (r *receiver) process() error {
	if err := r.checkTransport(); err != nil {
		return err
	}
	sec, err := securityHeader(r.m)
	if err != nil {
		return err
	}
	r.sec = sec
	if sec == nil {
		if r.p.Binding == TransportBinding && !r.p.IncludeTimestamp && (r.initiator || len(r.p.Supporting) == 0) {
			return nil // the policy asks for nothing in this message
		}
		return refuse(ErrMissing, "no Security header")
	}
	r.m.MarkUnderstood(sec)
	for i := 0; i < len(sec.Child); i++ {
		el, ok := sec.Child[i].(*etree.Element)
		if !ok {
			if cd, isText := sec.Child[i].(*etree.CharData); isText && wsse.TrimXMLSpace(cd.Data) != "" {
				return invalid("text in the Security header")
			}
			continue
		}
		if r.done[el] {
			continue
		}
		if err := r.element(el, false); err != nil {
			if !r.inspect {
				return err
			}
			r.errs = append(r.errs, err)
		}
	}
	if r.inspect {
		return nil
	}
	if err := r.checkPlacement(); err != nil {
		return err
	}
	return r.enforce()
}

// element processes one child of the Security header.
func (r *receiver) element(el *etree.Element, fromDecryption bool) error {
	if r.done[el] {
		return fmt.Errorf("%w: element processed twice", ErrInvalidSecurity)
	}
	r.done[el] = true
	r.seq++
	name := xmlutil.ElementName(el)
	switch {
	case name.Space == wsse.NSWSU && name.Local == "Timestamp":
		if r.ts != nil {
			return refuse(ErrDuplicate, "more than one Timestamp")
		}
		ts, err := wsse.ParseTimestamp(el)
		if err != nil {
			return err
		}
		if r.inspect {
			r.ts = ts
		}
		maxAge := r.p.TimestampTTL
		if r.inspect {
			maxAge = 0
		}
		if err := ts.Check(r.now, r.p.MaxClockSkew, maxAge); err != nil {
			return err
		}
		r.ts = ts
	case name.Space == wsse.NSWSSE && name.Local == "BinarySecurityToken":
		bst, err := wsse.ParseBinarySecurityToken(el)
		if err != nil {
			return err
		}
		r.tokens[el] = &token{kind: tokX509, el: el, cert: bst.Certificate, fromDecryption: fromDecryption}
	case name.Space == wsse.NSWSSE && name.Local == "UsernameToken":
		ut, err := wsse.ParseUsernameToken(el)
		if err != nil {
			return err
		}
		if r.initiator {
			return invalid("unexpected UsernameToken in a reply")
		}
		if r.cfg.Usernames == nil {
			return fmt.Errorf("%w: no username validator configured", ErrFailedAuthentication)
		}
		if err := checkUsernameTokenTime(ut, r.now, r.p.MaxClockSkew, r.usernameMaxAge()); err != nil {
			return err
		}
		if err := r.cfg.Usernames.ValidateUsernameToken(r.ctx, ut); err != nil {
			return err
		}
		t := &token{kind: tokUsername, el: el, ut: ut, fromDecryption: fromDecryption}
		r.tokens[el] = t
		r.uts = append(r.uts, t)
	case name.Space == xmlenc.NS && name.Local == "EncryptedKey":
		return r.encryptedKey(el)
	case (name.Space == wsse.NSWSC200502 || name.Space == wsse.NSWSC13) && name.Local == "DerivedKeyToken":
		dk, err := wsse.ParseDerivedKeyToken(el)
		if err != nil {
			return err
		}
		base, err := r.resolveSTR(dk.STR)
		if err != nil {
			if errors.Is(err, ErrTokenUnavailable) {
				return fmt.Errorf("%w: %v", ErrUnknownDerivationSource, err)
			}
			return err
		}
		if len(base.key) == 0 {
			return fmt.Errorf("%w: derived key from a token without a symmetric key", ErrInvalidToken)
		}
		key, err := dk.DeriveKey(base.key)
		if err != nil {
			return err
		}
		r.tokens[el] = &token{kind: tokDerived, el: el, key: key, base: base}
	case name.Space == xmlenc.NS && name.Local == "ReferenceList":
		ids, err := xmlenc.ParseReferenceList(el)
		if err != nil {
			return invalid("%w", err)
		}
		for _, id := range ids {
			if err := r.decrypt(id, nil); err != nil {
				return err
			}
		}
	case name.Space == xmlenc.NS && name.Local == "EncryptedData":
		// Decrypted when a ReferenceList or EncryptedKey names it; one left
		// encrypted is refused by checkPlacement.
	case name.Space == dsig.NSDS && name.Local == "Signature":
		return r.signature(el, fromDecryption)
	case name.Space == wsse.NSWSSE11 && name.Local == "SignatureConfirmation":
		r.confirmEl = append(r.confirmEl, el)
		if a := xmlutil.AttrNS(el, "", "Value"); a != nil {
			v, err := wsse.DecodeBase64(a.Value, 1024)
			if err != nil {
				return invalid("SignatureConfirmation value: %v", err)
			}
			r.confirms = append(r.confirms, v)
		} else {
			r.hasConfNo = true
		}
	default:
		if r.cfg.TokenResolver != nil {
			key, ok, err := r.cfg.TokenResolver.TokenElement(r.ctx, el)
			if err != nil {
				return err
			}
			if ok {
				r.tokens[el] = &token{kind: tokExternal, el: el, key: key, session: sessionFromElement(el, key)}
				return nil
			}
		}
		return refuse(ErrMisplaced, "unsupported element %s in the Security header", name.Local)
	}
	return nil
}

func (r *receiver) keyTransportOptions() []xmlenc.Option {
	if r.inspect || r.suite.AsymmetricKeyWrap == wsse.AlgRSA15 {
		return []xmlenc.Option{xmlenc.AllowRSA15()}
	}
	return nil
}

// encryptedKey unwraps an EncryptedKey addressed to our certificate.
func (r *receiver) encryptedKey(el *etree.Element) error {
	ek, err := xmlenc.ParseEncryptedKey(el)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if ek.Algorithm != r.suite.AsymmetricKeyWrap && !r.inspect {
		return fmt.Errorf("%w: key transport %s", ErrUnsupportedAlgorithm, ek.Algorithm)
	}
	own := r.cfg.Certificate
	if own == nil || own.Key == nil {
		return fmt.Errorf("%w: no private key for an EncryptedKey", ErrTokenUnavailable)
	}
	priv, ok := own.Key.(*rsa.PrivateKey)
	if !ok {
		return fmt.Errorf("%w: our key is not an RSA key", ErrTokenUnavailable)
	}
	if ek.KeyInfo == nil {
		return fmt.Errorf("%w: EncryptedKey without KeyInfo", ErrInvalidToken)
	}
	strEl := firstChild(ek.KeyInfo, wsse.NSWSSE, "SecurityTokenReference")
	if strEl == nil {
		return fmt.Errorf("%w: EncryptedKey KeyInfo without a SecurityTokenReference", ErrInvalidToken)
	}
	str, err := wsse.ParseSTR(strEl)
	if err != nil {
		return err
	}
	if !str.MatchCertificate(own.Cert) {
		return fmt.Errorf("%w: EncryptedKey for another certificate", ErrTokenUnavailable)
	}
	// A failed unwrap yields a random key (Bleichenbacher
	// countermeasure); it surfaces as a failed signature or decryption.
	key, err := r.unwrapKey(el, ek, priv)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFailedCheck, err)
	}
	t := &token{kind: tokEncryptedKey, el: el, key: key, ekSHA1: sha1Sum(ek.CipherValue)}
	r.tokens[el] = t
	for _, id := range ek.DataReferences {
		if err := r.decrypt(id, t); err != nil {
			return err
		}
	}
	return nil
}

// childElements is el.ChildElements() in one allocation (etree's grows its
// slice from nothing).
func childElements(el *etree.Element) []*etree.Element {
	out := make([]*etree.Element, 0, len(el.Child))
	for _, t := range el.Child {
		if c, ok := t.(*etree.Element); ok {
			out = append(out, c)
		}
	}
	return out
}

func firstChild(el *etree.Element, ns, local string) *etree.Element {
	for _, t := range el.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if xmlutil.Is(c, ns, local) {
			return c
		}
	}
	return nil
}

// resolveSTR finds the token a SecurityTokenReference names.
func (r *receiver) resolveSTR(strEl *etree.Element) (*token, error) {
	str, err := wsse.ParseSTR(strEl)
	if err != nil {
		return nil, err
	}
	switch str.Kind {
	case wsse.STRReference:
		if !str.Local {
			if r.cfg.TokenResolver == nil {
				return nil, fmt.Errorf("%w: reference to an external token", ErrTokenUnavailable)
			}
			if t, ok := r.external[str.URI]; ok {
				return t, nil
			}
			key, err := r.cfg.TokenResolver.TokenReference(r.ctx, str)
			if err != nil {
				return nil, err
			}
			t := &token{kind: tokExternal, key: key}
			if r.external == nil {
				r.external = map[string]*token{}
			}
			r.external[str.URI] = t
			return t, nil
		}
		id := str.LocalID()
		for el, t := range r.tokens {
			if wsse.WSUID(el) == id || el.SelectAttrValue("Id", "") == id {
				return t, nil
			}
		}
		// A token placed after its use (Lax allows it; Strict does not):
		// process it now; the main loop skips it later.
		// A snapshot: processing a token may decrypt what follows it.
		for _, c := range childElements(r.sec) {
			if wsse.WSUID(c) != id && c.SelectAttrValue("Id", "") != id {
				continue
			}
			if r.done[c] {
				return nil, fmt.Errorf("%w: reference loop through %q", ErrInvalidToken, id)
			}
			n := xmlutil.ElementName(c)
			if n.Local == "Signature" || n.Local == "ReferenceList" || n.Local == "EncryptedData" {
				break
			}
			if r.p.Layout == Strict && !r.inspect {
				return nil, refuse(ErrLayout, "token %q used before it is declared (Strict layout)", id)
			}
			if err := r.element(c, false); err != nil {
				return nil, err
			}
			if t, ok := r.tokens[c]; ok {
				return t, nil
			}
		}
		if t, ok, err := r.sctByIdentifier(str, id); ok {
			return t, err
		}
		return nil, fmt.Errorf("%w: no token with id %q", ErrTokenUnavailable, id)
	case wsse.STRKeyIdentifier:
		if str.ValueType == wsse.URIEncryptedKeySHA1 {
			if r.ex != nil && len(r.ex.ekSHA1) > 0 && subtle.ConstantTimeCompare(r.ex.ekSHA1, str.KeyIdentifier) == 1 {
				if r.exTok == nil {
					r.exTok = &token{kind: tokExchange, key: r.ex.key, ekSHA1: r.ex.ekSHA1}
				}
				return r.exTok, nil
			}
			for _, t := range r.tokens {
				if t.kind == tokEncryptedKey && subtle.ConstantTimeCompare(t.ekSHA1, str.KeyIdentifier) == 1 {
					return t, nil
				}
			}
			return nil, fmt.Errorf("%w: unknown EncryptedKeySHA1", ErrTokenUnavailable)
		}
	}
	// X.509 forms: a received certificate, the peer's or our own.
	for _, t := range r.tokens {
		if t.kind == tokX509 && str.MatchCertificate(t.cert) {
			return t, nil
		}
	}
	if c := r.cfg.PeerCertificate; c != nil && str.MatchCertificate(c) {
		return &token{kind: tokX509, cert: c}, nil
	}
	if r.ex != nil && r.ex.peerCert != nil && str.MatchCertificate(r.ex.peerCert) {
		return &token{kind: tokX509, cert: r.ex.peerCert}, nil
	}
	return nil, fmt.Errorf("%w: no certificate matches the reference", ErrTokenUnavailable)
}

// decrypt decrypts the EncryptedData with the given Id; ekToken is the
// EncryptedKey that listed it, whose key applies when the EncryptedData has
// no KeyInfo.
func (r *receiver) decrypt(id string, ekToken *token) error {
	idx, err := r.ids()
	if err != nil {
		return err
	}
	el := idx.Lookup(id)
	if el == nil || !xmlutil.Is(el, xmlenc.NS, "EncryptedData") {
		return fmt.Errorf("%w: no EncryptedData with id %q", ErrFailedCheck, id)
	}
	if r.decrypted[el] {
		return refuse(ErrDuplicate, "EncryptedData %q referenced twice", id)
	}
	ed, err := xmlenc.ParseEncryptedData(el)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFailedCheck, err)
	}
	if ed.Algorithm != r.suite.Encryption && !r.inspect {
		return fmt.Errorf("%w: encryption %s", ErrUnsupportedAlgorithm, ed.Algorithm)
	}
	key := ekToken
	if ed.KeyInfo != nil {
		strEl := firstChild(ed.KeyInfo, wsse.NSWSSE, "SecurityTokenReference")
		if strEl == nil {
			return fmt.Errorf("%w: EncryptedData KeyInfo without a SecurityTokenReference", ErrInvalidToken)
		}
		if key, err = r.resolveSTR(strEl); err != nil {
			return err
		}
	}
	if key == nil || len(key.key) == 0 {
		return fmt.Errorf("%w: no key for EncryptedData %q", ErrTokenUnavailable, id)
	}
	c, err := newBlockCipher(ed.Algorithm, key.key)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFailedCheck, err)
	}
	parent, replaced := el.Parent(), el
	if xmlutil.Is(parent, wsse.NSWSSE11, "EncryptedHeader") {
		parent, replaced = parent.Parent(), parent
	}
	inSecurity := parent == r.sec
	if err := r.decryptionSite(parent, ed.Type); err != nil && !r.inspect {
		return err
	}
	r.decrypted[el] = true
	toks, err := xmlenc.DecryptData(el, c, r.cfg.Limits)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFailedCheck, err)
	}
	// A decrypted element may carry an Id that another element has.
	if err := r.idx.Replace(replaced, toks); err != nil {
		r.idx = nil
		return invalid("%w", err)
	}
	r.seq++
	d := &decResult{parent: parent, typ: ed.Type, key: key, seq: r.seq}
	for _, t := range toks {
		if te, ok := t.(*etree.Element); ok {
			d.what = append(d.what, te)
		}
	}
	r.decs = append(r.decs, d)
	if inSecurity {
		// The decrypted element takes the place of the EncryptedData; the
		// main loop reaches it there (a ReferenceList precedes what it
		// lists, as every sender writes it).
		for _, t := range toks {
			if te, ok := t.(*etree.Element); ok {
				r.decrypted[te] = true
			}
		}
	}
	if parent == r.m.Header {
		return r.m.ReadAddressing()
	}
	return nil
}

// ids returns the ID index of the message as it stands: built on first
// use and kept up to date by decrypt, the only change the receiver makes
// to the tree.
func (r *receiver) ids() (*dsig.IDIndex, error) {
	if r.idx == nil {
		idx, err := dsig.NewIDIndex(r.m.Envelope)
		if err != nil {
			return nil, invalid("%w", err)
		}
		r.idx = idx
	}
	return r.idx, nil
}

// signature verifies a ds:Signature.
func (r *receiver) signature(el *etree.Element, _ bool) error {
	idx, err := r.ids()
	if err != nil {
		return err
	}
	var keyTok *token
	v, err := dsig.Verify(el, idx, dsig.VerifyOptions{
		SignatureMethods: r.signatureMethods(),
		DigestMethods:    r.digestMethods(),
		Transforms:       []string{dsig.AlgExcC14N},
		KeyResolver: func(keyInfo *etree.Element, method string) (any, error) {
			if keyInfo == nil {
				return nil, errors.New("signature without KeyInfo")
			}
			strEl := firstChild(keyInfo, wsse.NSWSSE, "SecurityTokenReference")
			if strEl == nil {
				return nil, errors.New("KeyInfo without a SecurityTokenReference")
			}
			t, err := r.resolveSTR(strEl)
			if err != nil {
				return nil, err
			}
			keyTok = t
			if t.cert != nil {
				return t.cert.PublicKey, nil
			}
			return t.key, nil
		},
	})
	if err != nil {
		if FaultSubcode(err) == "" {
			err = fmt.Errorf("%w: %w", ErrFailedCheck, err)
		}
		if r.inspect {
			r.sigs = append(r.sigs, &sigResult{el: el, key: keyTok, err: err})
		}
		return err
	}
	r.seq++
	r.sigs = append(r.sigs, &sigResult{el: el, v: v, key: keyTok, fromDecryption: r.decrypted[el], seq: r.seq})
	return nil
}

func (r *receiver) signatureMethods() []string {
	if r.inspect {
		return []string{wsse.AlgHMACSHA1, wsse.AlgHMACSHA256, wsse.AlgRSASHA1, wsse.AlgRSASHA256}
	}
	return []string{r.suite.SymmetricSig, r.suite.AsymmetricSig}
}

func (r *receiver) digestMethods() []string {
	if r.inspect {
		return []string{wsse.AlgSHA1, wsse.AlgSHA256}
	}
	return []string{r.suite.Digest}
}
