package wstrust

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strconv"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Bounds of RST and RSTR values.
const (
	// MaxSecretSize bounds the decoded size of a BinarySecret (entropy or
	// proof key), in bytes.
	MaxSecretSize = 512
	// MaxKeySize bounds KeySize, in bits.
	MaxKeySize = 4096
	// MaxChildren bounds the number of child elements of an RST or RSTR.
	MaxChildren = 64
	// maxTimeText bounds the text of wsu:Created and wsu:Expires.
	maxTimeText = 64
)

// secretType is the Type of a wst:BinarySecret.
type secretType int

// BinarySecret types.
const (
	// SecretUnspecified is a BinarySecret without Type, which WS-Trust
	// defines as a symmetric key. WCF writes proof keys this way.
	SecretUnspecified secretType = iota
	// SecretNonce is entropy (.../Nonce), as WCF writes client and server
	// entropy.
	SecretNonce
	// SecretSymmetricKey is a symmetric key (.../SymmetricKey).
	SecretSymmetricKey
	// SecretAsymmetricKey is an asymmetric key (.../AsymmetricKey); this
	// package parses it but never accepts it as entropy or proof.
	SecretAsymmetricKey
)

// BinarySecret is a wst:BinarySecret: entropy or a proof key.
type BinarySecret struct {
	// ID is the wsu:Id; WCF writes one on every BinarySecret it sends.
	ID string
	// Type is the secret's type.
	Type secretType
	// Value is the decoded secret. It is a secret: never log it.
	Value []byte
}

// Lifetime is a wst:Lifetime. A zero time is an absent element.
type Lifetime struct {
	Created time.Time
	Expires time.Time
}

// RST is a WS-Trust RST for a SecurityContextToken:
// Issue, Renew or Cancel.
type RST struct {
	// Context is the Context attribute, echoed in the response ("" for
	// none; WCF sends none).
	Context string
	// TokenType is the requested token type (Version.TokenType for an
	// SCT), "" for none.
	TokenType string
	// Operation is the RequestType.
	Operation Operation
	// AppliesTo is the wsp:AppliesTo element, kept as it is.
	AppliesTo *etree.Element
	// Entropy is the requestor's entropy (a BinarySecret of type Nonce in
	// WCF's requests), nil for none.
	Entropy *BinarySecret
	// KeySize is the requested key size in bits, 0 for none.
	KeySize int
	// KeyType is the requested KeyType URI, "" for none.
	KeyType string
	// ComputedKeyAlgorithm is the requested computed key algorithm URI,
	// "" for none.
	ComputedKeyAlgorithm string
	// Lifetime is the requested lifetime, nil for none.
	Lifetime *Lifetime
	// RenewTarget and CancelTarget hold the token reference of a Renew or
	// Cancel request: a wsse:SecurityTokenReference (WCF writes the
	// unattached reference, see SecurityContextToken.UnattachedReference)
	// or the SecurityContextToken itself.
	RenewTarget  *etree.Element
	CancelTarget *etree.Element
	// Target is the parsed RenewTarget or CancelTarget (set by ParseRST).
	Target *SCTReference
	// Extensions are the children this package does not interpret,
	// written after the others: WS-Trust elements such as AllowPostdating,
	// Renewing or BinaryExchange, and elements of other namespaces.
	Extensions []*etree.Element
	// Element is the element the request was parsed from.
	Element *etree.Element
}

// ProofToken is the content of a wst:RequestedProofToken: exactly one of
// the fields is set.
type ProofToken struct {
	// ComputedKey is the computed key algorithm URI (Combined entropy:
	// Version.ComputedKeyPSHA1).
	ComputedKey string
	// Secret is the proof key in clear (Server entropy over a protected
	// channel).
	Secret *BinarySecret
	// EncryptedKey is an xenc:EncryptedKey holding the proof key, kept as
	// it is (WCF's TLSNEGO writes TLS_Wrap keys this way).
	EncryptedKey *etree.Element
}

// RSTR is a WS-Trust RSTR for a
// SecurityContextToken: the answer to Issue, Renew or Cancel.
type RSTR struct {
	// Context echoes the request's Context attribute.
	Context string
	// TokenType is the issued token type, "" for none.
	TokenType string
	// RequestedSecurityToken is the issued token element (the child of
	// wst:RequestedSecurityToken), kept as received so a client can echo
	// it unchanged. When building, nil means SCT.Build.
	RequestedSecurityToken *etree.Element
	// SCT is the issued token parsed, nil when RequestedSecurityToken is
	// absent or not a SecurityContextToken.
	SCT *SecurityContextToken
	// AppliesTo is the wsp:AppliesTo element, kept as it is.
	AppliesTo *etree.Element
	// RequestedAttachedReference and RequestedUnattachedReference are the
	// wsse:SecurityTokenReference elements of the issued token.
	RequestedAttachedReference   *etree.Element
	RequestedUnattachedReference *etree.Element
	// Proof is the RequestedProofToken, nil for none.
	Proof *ProofToken
	// Entropy is the issuer's entropy, nil for none.
	Entropy *BinarySecret
	// Lifetime is the token's lifetime, nil for none.
	Lifetime *Lifetime
	// KeySize is the issued key size in bits, 0 for none.
	KeySize int
	// RequestedTokenCancelled marks the answer to a Cancel.
	RequestedTokenCancelled bool
	// Extensions are the children this package does not interpret
	// (BinaryExchange, Authenticator, elements of other namespaces),
	// written last.
	Extensions []*etree.Element
	// InCollection reports that the response was read from a
	// RequestSecurityTokenResponseCollection (set by ParseRSTR).
	InCollection bool
	// Element is the RSTR element the response was parsed from.
	Element *etree.Element
}

// wIsTrustElement reports whether local names a WS-Trust element (both
// versions) that an RST or RSTR may carry and this package does not
// interpret: such children are kept in Extensions. Any other name in the
// WS-Trust namespace is refused.
func wIsTrustElement(local string) bool {
	switch local {
	case "AllowPostdating", "Renewing", "Claims", "BinaryExchange", "Authenticator",
		"SignChallenge", "SignChallengeResponse", "Participants", "Delegatable",
		"Forwardable", "OnBehalfOf", "ActAs", "Issuer", "AuthenticationType",
		"SignatureAlgorithm", "EncryptionAlgorithm", "CanonicalizationAlgorithm",
		"KeyWrapAlgorithm", "Encryption", "ProofEncryption", "UseKey", "SignWith",
		"EncryptWith", "DelegateTo", "SecondaryParameters", "ValidateTarget", "Status",
		"RequestedTokenReference", "KeyExchangeToken", "RequestKET":
		return true
	}
	return false
}

// Build returns the RST as WCF writes it for version v (WSTrust.Driver.
// WriteRequestSecurityToken): prefix "t" ("trust" in 1.3), Context, then
// TokenType, RequestType, AppliesTo, Entropy, KeySize, RenewTarget,
// CancelTarget, followed by KeyType, ComputedKeyAlgorithm, Lifetime and
// the extensions. The RequestType is written for a valid Operation only
// (ParseRST requires one). Elements are copied; r is not changed.
func (r *RST) Build(v Version) *etree.Element {
	v = v.orDefault()
	p := v.TrustPrefix()
	el := NewElement(p, v.TrustNamespace(), ElRST)
	if r.Context != "" {
		el.CreateAttr(attrContext, r.Context)
	}
	if r.Entropy != nil && r.Entropy.ID != "" {
		el.CreateAttr("xmlns:"+prefixWSU, wsse.NSWSU)
	}
	if r.TokenType != "" {
		el.CreateElement(p + ":" + elTokenType).SetText(r.TokenType)
	}
	if rt := v.RequestType(r.Operation); rt != "" {
		el.CreateElement(p + ":" + elRequestType).SetText(rt)
	}
	if r.AppliesTo != nil {
		wAdopt(el, Standalone(r.AppliesTo))
	}
	if r.Entropy != nil {
		wAdopt(el.CreateElement(p+":"+elEntropy), r.Entropy.build(v))
	}
	if r.KeySize > 0 {
		el.CreateElement(p + ":" + elKeySize).SetText(strconv.Itoa(r.KeySize))
	}
	if r.RenewTarget != nil {
		wAdopt(el.CreateElement(p+":"+elRenewTarget), Standalone(r.RenewTarget))
	}
	if r.CancelTarget != nil {
		wAdopt(el.CreateElement(p+":"+elCancelTarget), Standalone(r.CancelTarget))
	}
	if r.KeyType != "" {
		el.CreateElement(p + ":" + elKeyType).SetText(r.KeyType)
	}
	if r.ComputedKeyAlgorithm != "" {
		el.CreateElement(p + ":" + elComputedKeyAlgorithm).SetText(r.ComputedKeyAlgorithm)
	}
	if r.Lifetime != nil {
		wAdopt(el, r.Lifetime.build(v))
	}
	for _, x := range r.Extensions {
		wAdopt(el, Standalone(x))
	}
	return el
}

// build returns the BinarySecret element (wsu:Id first, then Type, as
// WCF's BinarySecretTokenEntry writes them).
func (b *BinarySecret) build(v Version) *etree.Element {
	p := v.TrustPrefix()
	el := NewElement(p, v.TrustNamespace(), ElBinarySecret)
	if b.ID != "" {
		el.CreateAttr(prefixWSU+":"+attrID, b.ID)
		el.CreateAttr("xmlns:"+prefixWSU, wsse.NSWSU)
	}
	if t := v.SecretTypeURI(b.Type); t != "" {
		el.CreateAttr(attrType, t)
	}
	el.SetText(base64.StdEncoding.EncodeToString(b.Value))
	return el
}

// build returns the Lifetime element with WCF's time format
// (yyyy-MM-ddTHH:mm:ss.fffZ, UTC).
func (l *Lifetime) build(v Version) *etree.Element {
	p := v.TrustPrefix()
	el := NewElement(p, v.TrustNamespace(), elLifetime)
	el.CreateAttr("xmlns:"+prefixWSU, wsse.NSWSU)
	if !l.Created.IsZero() {
		el.CreateElement(prefixWSU + ":" + elCreated).SetText(FormatTime(l.Created))
	}
	if !l.Expires.IsZero() {
		el.CreateElement(prefixWSU + ":" + elExpires).SetText(FormatTime(l.Expires))
	}
	return el
}

// FormatTime formats t in UTC with milliseconds as WCF does, or with the
// finer fraction t carries.
func FormatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		return t.Format(lifetimeLayoutFine)
	}
	return t.Format(lifetimeLayout)
}

// Build returns the RSTR as WCF writes it for version v (WSTrust.Driver.
// WriteRequestSecurityTokenResponse): prefix "t" ("trust" in 1.3), Context,
// xmlns:u on the root, then TokenType, RequestedSecurityToken, AppliesTo,
// RequestedAttachedReference, RequestedUnattachedReference,
// RequestedProofToken, Entropy, Lifetime, KeySize, RequestedTokenCancelled
// and the extensions. In 1.3 WCF sends the RSTR inside a collection: use
// BuildBody for the SOAP Body. Elements are copied; r is not changed.
func (r *RSTR) Build(v Version) *etree.Element {
	v = v.orDefault()
	p := v.TrustPrefix()
	el := etree.NewElement(p + ":" + ElRSTR)
	if r.Context != "" {
		el.CreateAttr(attrContext, r.Context)
	}
	el.CreateAttr("xmlns:"+p, v.TrustNamespace())
	el.CreateAttr("xmlns:"+prefixWSU, wsse.NSWSU)
	if r.TokenType != "" {
		el.CreateElement(p + ":" + elTokenType).SetText(r.TokenType)
	}
	switch {
	case r.RequestedSecurityToken != nil:
		wAdopt(el.CreateElement(p+":"+elRequestedToken), Standalone(r.RequestedSecurityToken))
	case r.SCT != nil:
		tok := r.SCT.Build(v)
		if r.SCT.Element != nil {
			tok = Standalone(r.SCT.Element)
		}
		wAdopt(el.CreateElement(p+":"+elRequestedToken), tok)
	}
	if r.AppliesTo != nil {
		wAdopt(el, Standalone(r.AppliesTo))
	}
	if r.RequestedAttachedReference != nil {
		wAdopt(el.CreateElement(p+":"+elRequestedAttached), Standalone(r.RequestedAttachedReference))
	}
	if r.RequestedUnattachedReference != nil {
		wAdopt(el.CreateElement(p+":"+elRequestedUnattached), Standalone(r.RequestedUnattachedReference))
	}
	if pr := r.Proof; pr != nil {
		pt := el.CreateElement(p + ":" + elRequestedProofToken)
		switch {
		case pr.ComputedKey != "":
			pt.CreateElement(p + ":" + elComputedKey).SetText(pr.ComputedKey)
		case pr.Secret != nil:
			wAdopt(pt, pr.Secret.build(v))
		case pr.EncryptedKey != nil:
			wAdopt(pt, Standalone(pr.EncryptedKey))
		}
	}
	if r.Entropy != nil {
		wAdopt(el.CreateElement(p+":"+elEntropy), r.Entropy.build(v))
	}
	if r.Lifetime != nil {
		wAdopt(el, r.Lifetime.build(v))
	}
	if r.KeySize > 0 {
		el.CreateElement(p + ":" + elKeySize).SetText(strconv.Itoa(r.KeySize))
	}
	if r.RequestedTokenCancelled {
		el.CreateElement(p + ":" + elRequestedTokenCanceled)
	}
	for _, x := range r.Extensions {
		wAdopt(el, Standalone(x))
	}
	return el
}

// BuildBody returns the SOAP Body payload of the response as WCF sends it:
// the RSTR itself in 2005/02, a RequestSecurityTokenResponseCollection
// holding the RSTR in 1.3 (for Issue, Renew and Cancel alike; the action
// stays Version.ResponseAction).
func (r *RSTR) BuildBody(v Version) *etree.Element {
	v = v.orDefault()
	rstr := r.Build(v)
	if v != V13 {
		return rstr
	}
	p := v.TrustPrefix()
	coll := NewElement(p, v.TrustNamespace(), ElRSTRC)
	wAdopt(coll, rstr)
	return coll
}

// wParser collects the state of one RST or RSTR parse.
type wParser struct {
	v    Version
	ns   string
	lim  Limits
	seen map[string]bool
}

// bad returns an error wrapping ErrInvalidRequest.
func (p *wParser) bad(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...)
}

// once marks a child name as seen and refuses a repeated one.
func (p *wParser) once(local string) error {
	if p.seen[local] {
		return p.bad("repeated %s", local)
	}
	p.seen[local] = true
	return nil
}

// text reads a URI-valued child.
func (p *wParser) uri(c *etree.Element) (string, error) {
	s, err := wURIText(c)
	if err != nil {
		return "", p.bad("%s: %v", c.Tag, err)
	}
	return s, nil
}

// keySize reads a KeySize child.
func (p *wParser) keySize(c *etree.Element) (int, error) {
	txt, err := wText(c, 16)
	if err != nil {
		return 0, p.bad("KeySize: %v", err)
	}
	n, err := strconv.Atoi(Trim(txt))
	if err != nil || n < 0 || n > MaxKeySize {
		return 0, p.bad("KeySize outside 0..%d", MaxKeySize)
	}
	return n, nil
}

// binarySecret reads a BinarySecret element of the version's namespace.
func (p *wParser) binarySecret(el *etree.Element) (*BinarySecret, error) {
	if !xmlutil.Is(el, p.ns, ElBinarySecret) {
		return nil, p.bad("unexpected %s, want BinarySecret", wQName(xmlutil.ElementName(el)))
	}
	b := &BinarySecret{}
	var err error
	if b.ID, err = wID(el); err != nil {
		return nil, p.bad("BinarySecret: %v", err)
	}
	if a := xmlutil.AttrNS(el, "", attrType); a != nil {
		t, ok := wSecretType(Trim(a.Value))
		if !ok {
			return nil, p.bad("BinarySecret of unknown Type")
		}
		b.Type = t
	}
	txt, err := wText(el, wBase64Len(MaxSecretSize))
	if err != nil {
		return nil, p.bad("BinarySecret: %v", err)
	}
	if b.Value, err = wsse.DecodeBase64(txt, MaxSecretSize); err != nil {
		return nil, p.bad("BinarySecret: %v", err)
	}
	if len(b.Value) == 0 {
		return nil, p.bad("empty BinarySecret")
	}
	return b, nil
}

// wSecretType maps a BinarySecret Type URI of either version to its type,
// as WCF's reader accepts both.
func wSecretType(uri string) (secretType, bool) {
	for _, v := range [...]Version{V200502, V13} {
		for _, t := range [...]secretType{SecretNonce, SecretSymmetricKey, SecretAsymmetricKey} {
			if uri == v.SecretTypeURI(t) {
				return t, true
			}
		}
	}
	return 0, false
}

// single returns the only child element of el.
func (p *wParser) single(el *etree.Element) (*etree.Element, error) {
	kids, err := wChildren(el)
	if err != nil {
		return nil, p.bad("%v", err)
	}
	if len(kids) != 1 {
		return nil, p.bad("%s must hold exactly one element, has %d", el.Tag, len(kids))
	}
	return kids[0], nil
}

// entropy reads an Entropy element: one BinarySecret that is not an
// asymmetric key.
func (p *wParser) entropy(el *etree.Element) (*BinarySecret, error) {
	c, err := p.single(el)
	if err != nil {
		return nil, err
	}
	b, err := p.binarySecret(c)
	if err != nil {
		return nil, err
	}
	if b.Type == SecretAsymmetricKey {
		return nil, p.bad("asymmetric key as entropy")
	}
	return b, nil
}

// lifetime reads a Lifetime element: at most one wsu:Created and one
// wsu:Expires (RFC 3339 times, converted to UTC), Created before Expires.
func (p *wParser) lifetime(el *etree.Element) (*Lifetime, error) {
	kids, err := wChildren(el)
	if err != nil {
		return nil, p.bad("Lifetime: %v", err)
	}
	l := &Lifetime{}
	var seenCreated, seenExpires bool
	for _, c := range kids {
		var dst *time.Time
		var seen *bool
		switch {
		case xmlutil.Is(c, wsse.NSWSU, elCreated):
			dst, seen = &l.Created, &seenCreated
		case xmlutil.Is(c, wsse.NSWSU, elExpires):
			dst, seen = &l.Expires, &seenExpires
		default:
			return nil, p.bad("unexpected %s in Lifetime", wQName(xmlutil.ElementName(c)))
		}
		if *seen {
			return nil, p.bad("repeated %s in Lifetime", c.Tag)
		}
		*seen = true
		txt, err := wText(c, maxTimeText)
		if err != nil {
			return nil, p.bad("Lifetime: %v", err)
		}
		t, err := time.Parse(time.RFC3339Nano, Trim(txt))
		if err != nil {
			return nil, p.bad("Lifetime: invalid %s", c.Tag)
		}
		if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 {
			return nil, p.bad("Lifetime: %s out of range", c.Tag)
		}
		*dst = t
	}
	if !l.Created.IsZero() && !l.Expires.IsZero() && !l.Created.Before(l.Expires) {
		return nil, p.bad("Lifetime: Created is not before Expires")
	}
	return l, nil
}

// target reads a RenewTarget or CancelTarget: a reference to an SCT or
// the SCT itself.
func (p *wParser) target(el *etree.Element) (*etree.Element, *SCTReference, error) {
	c, err := p.single(el)
	if err != nil {
		return nil, nil, err
	}
	if xmlutil.Is(c, wsse.NSWSSE, ElSTR) {
		ref, err := ParseSCTReference(c)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %w", ErrInvalidRequest, el.Tag, err)
		}
		if ref.Version != 0 && ref.Version != p.v {
			return nil, nil, p.bad("%s references a token of another version", el.Tag)
		}
		return c, ref, nil
	}
	sct, err := p.lim.ParseSCT(c)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrInvalidRequest, el.Tag, err)
	}
	if sct.Version != p.v {
		return nil, nil, p.bad("%s holds a token of another version", el.Tag)
	}
	return c, &SCTReference{Version: sct.Version, URI: sct.Identifier, Identifier: sct.Identifier, Instance: sct.Instance, Element: c}, nil
}

// extension keeps a child the parser does not interpret, refusing
// undefined names in the WS-Trust namespace.
func (p *wParser) extension(c *etree.Element, name xml.Name, dst *[]*etree.Element) error {
	if name.Space == p.ns && !wIsTrustElement(name.Local) {
		return p.bad("unexpected %s", wQName(name))
	}
	if _, ok := VersionOfTrust(name.Space); ok && name.Space != p.ns {
		return p.bad("%s of another WS-Trust version", name.Local)
	}
	*dst = append(*dst, c)
	return nil
}

// ParseRST reads an RST of either version with the default limits (see
// Limits.ParseRST).
func ParseRST(el *etree.Element) (*RST, Version, error) {
	return Limits{}.ParseRST(el)
}

// ParseRST reads a RequestSecurityToken of either WS-Trust version and
// returns it with its version. It is strict: a RequestType of Issue, Renew
// or Cancel is required; TokenType, RequestType, Entropy, KeySize and the
// other known children may appear once each; Entropy holds one
// BinarySecret of at most MaxSecretSize bytes; KeySize is 0..MaxKeySize
// bits; a RenewTarget (CancelTarget) holds one reference to an SCT or the
// SCT itself and is required for, and allowed only with, Renew (Cancel).
// Elements of other namespaces and WS-Trust elements it does not
// interpret are kept in Extensions (the schema allows any element there);
// undefined WS-Trust names are refused. Errors wrap ErrInvalidRequest.
func (l Limits) ParseRST(el *etree.Element) (*RST, Version, error) {
	if el == nil {
		return nil, 0, fmt.Errorf("%w: missing RequestSecurityToken", ErrInvalidRequest)
	}
	name := xmlutil.ElementName(el)
	v, ok := VersionOfTrust(name.Space)
	if !ok || name.Local != ElRST {
		return nil, 0, fmt.Errorf("%w: unexpected %s, want RequestSecurityToken", ErrInvalidRequest, wQName(name))
	}
	p := &wParser{v: v, ns: name.Space, lim: l, seen: map[string]bool{}}
	r := &RST{Element: el}
	kids, err := p.start(el, &r.Context)
	if err != nil {
		return nil, 0, err
	}
	for _, c := range kids {
		cn := xmlutil.ElementName(c)
		if done, err := p.common(c, cn, &r.AppliesTo, &r.Extensions); done || err != nil {
			if err != nil {
				return nil, 0, err
			}
			continue
		}
		switch cn.Local {
		case elTokenType, elRequestType, elEntropy, elKeySize, elKeyType, elComputedKeyAlgorithm,
			elLifetime, elRenewTarget, elCancelTarget:
			if err := p.once(cn.Local); err != nil {
				return nil, 0, err
			}
		}
		switch cn.Local {
		case elTokenType:
			r.TokenType, err = p.uri(c)
		case elRequestType:
			var rt string
			if rt, err = p.uri(c); err == nil {
				var ok bool
				if r.Operation, ok = v.OperationOf(rt); !ok {
					err = p.bad("unsupported RequestType")
				}
			}
		case elEntropy:
			r.Entropy, err = p.entropy(c)
		case elKeySize:
			r.KeySize, err = p.keySize(c)
		case elKeyType:
			r.KeyType, err = p.uri(c)
		case elComputedKeyAlgorithm:
			r.ComputedKeyAlgorithm, err = p.uri(c)
		case elLifetime:
			r.Lifetime, err = p.lifetime(c)
		case elRenewTarget:
			r.RenewTarget, r.Target, err = p.target(c)
		case elCancelTarget:
			r.CancelTarget, r.Target, err = p.target(c)
		default:
			err = p.extension(c, cn, &r.Extensions)
		}
		if err != nil {
			return nil, 0, err
		}
	}
	switch {
	case r.Operation == 0:
		return nil, 0, p.bad("no RequestType")
	case r.RenewTarget != nil && r.CancelTarget != nil:
		return nil, 0, p.bad("both RenewTarget and CancelTarget")
	case r.Operation == OpRenew && r.RenewTarget == nil:
		return nil, 0, p.bad("Renew without RenewTarget")
	case r.Operation == OpCancel && r.CancelTarget == nil:
		return nil, 0, p.bad("Cancel without CancelTarget")
	case r.Operation == OpIssue && (r.RenewTarget != nil || r.CancelTarget != nil):
		return nil, 0, p.bad("Issue with a RenewTarget or CancelTarget")
	case r.Operation == OpRenew && r.CancelTarget != nil, r.Operation == OpCancel && r.RenewTarget != nil:
		return nil, 0, p.bad("target does not match the RequestType")
	}
	return r, v, nil
}

// ParseRSTR reads a response of either version with the default limits
// (see Limits.ParseRSTR).
func ParseRSTR(el *etree.Element) (*RSTR, Version, error) {
	return Limits{}.ParseRSTR(el)
}

// ParseRSTR reads a RequestSecurityTokenResponse of either WS-Trust
// version, or a RequestSecurityTokenResponseCollection holding exactly one
// (WCF's 1.3 form; collections with none or several responses are
// refused), and returns it with its version. It is strict: the known
// children may appear once each; RequestedSecurityToken holds one token,
// parsed as an SCT when it is one (its cookie bounded by l); the
// references hold one wsse:SecurityTokenReference each; RequestedProofToken
// holds one ComputedKey (the version's P_SHA1 URI), BinarySecret or
// xenc:EncryptedKey; Entropy holds one BinarySecret of at most
// MaxSecretSize bytes; KeySize is 0..MaxKeySize bits. Elements of other
// namespaces and WS-Trust elements it does not interpret are kept in
// Extensions; undefined WS-Trust names are refused. Errors wrap
// ErrInvalidRequest.
func (l Limits) ParseRSTR(el *etree.Element) (*RSTR, Version, error) {
	if el == nil {
		return nil, 0, fmt.Errorf("%w: missing RequestSecurityTokenResponse", ErrInvalidRequest)
	}
	name := xmlutil.ElementName(el)
	v, ok := VersionOfTrust(name.Space)
	inColl := false
	if ok && name.Local == ElRSTRC {
		kids, err := wChildren(el)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
		}
		if len(kids) != 1 {
			return nil, 0, fmt.Errorf("%w: RequestSecurityTokenResponseCollection with %d responses, want one", ErrInvalidRequest, len(kids))
		}
		el, inColl = kids[0], true
		name = xmlutil.ElementName(el)
		if name.Space != v.TrustNamespace() {
			return nil, 0, fmt.Errorf("%w: unexpected %s in RequestSecurityTokenResponseCollection", ErrInvalidRequest, wQName(name))
		}
	}
	if !ok || name.Local != ElRSTR {
		return nil, 0, fmt.Errorf("%w: unexpected %s, want RequestSecurityTokenResponse", ErrInvalidRequest, wQName(name))
	}
	p := &wParser{v: v, ns: name.Space, lim: l, seen: map[string]bool{}}
	r := &RSTR{Element: el, InCollection: inColl}
	kids, err := p.start(el, &r.Context)
	if err != nil {
		return nil, 0, err
	}
	for _, c := range kids {
		cn := xmlutil.ElementName(c)
		if done, err := p.common(c, cn, &r.AppliesTo, &r.Extensions); done || err != nil {
			if err != nil {
				return nil, 0, err
			}
			continue
		}
		switch cn.Local {
		case elTokenType, elRequestedToken, elRequestedAttached, elRequestedUnattached,
			elRequestedProofToken, elEntropy, elLifetime, elKeySize, elRequestedTokenCanceled:
			if err := p.once(cn.Local); err != nil {
				return nil, 0, err
			}
		}
		switch cn.Local {
		case elTokenType:
			r.TokenType, err = p.uri(c)
		case elRequestedToken:
			err = p.requestedToken(c, r)
		case elRequestedAttached:
			r.RequestedAttachedReference, err = p.reference(c)
		case elRequestedUnattached:
			r.RequestedUnattachedReference, err = p.reference(c)
		case elRequestedProofToken:
			r.Proof, err = p.proof(c)
		case elEntropy:
			r.Entropy, err = p.entropy(c)
		case elLifetime:
			r.Lifetime, err = p.lifetime(c)
		case elKeySize:
			r.KeySize, err = p.keySize(c)
		case elRequestedTokenCanceled:
			var kids []*etree.Element
			if kids, err = wChildren(c); err == nil && len(kids) > 0 {
				err = p.bad("RequestedTokenCancelled is not empty")
			}
			r.RequestedTokenCancelled = true
		default:
			err = p.extension(c, cn, &r.Extensions)
		}
		if err != nil {
			return nil, 0, err
		}
	}
	return r, v, nil
}

// requestedToken reads a RequestedSecurityToken.
func (p *wParser) requestedToken(el *etree.Element, r *RSTR) error {
	c, err := p.single(el)
	if err != nil {
		return err
	}
	r.RequestedSecurityToken = c
	if n := xmlutil.ElementName(c); n.Local == ElSCT {
		if _, isSC := VersionOfSC(n.Space); isSC {
			sct, err := p.lim.ParseSCT(c)
			if err != nil {
				return fmt.Errorf("%w: RequestedSecurityToken: %w", ErrInvalidRequest, err)
			}
			if sct.Version != p.v {
				return p.bad("RequestedSecurityToken of another version")
			}
			r.SCT = sct
		}
	}
	return nil
}

// reference reads a RequestedAttachedReference or
// RequestedUnattachedReference: one wsse:SecurityTokenReference, checked
// with wsse.ParseSTR (or ParseSCTReference for an SCT reference
// qualified by Instance, which wssecurity does not read).
func (p *wParser) reference(el *etree.Element) (*etree.Element, error) {
	c, err := p.single(el)
	if err != nil {
		return nil, err
	}
	if _, err := ParseSCTReference(c); err == nil {
		return c, nil
	}
	if _, err := wsse.ParseSTR(c); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidRequest, el.Tag, err)
	}
	return c, nil
}

// proof reads a RequestedProofToken.
func (p *wParser) proof(el *etree.Element) (*ProofToken, error) {
	c, err := p.single(el)
	if err != nil {
		return nil, err
	}
	switch {
	case xmlutil.Is(c, p.ns, elComputedKey):
		alg, err := p.uri(c)
		if err != nil {
			return nil, err
		}
		if alg != p.v.ComputedKeyPSHA1() {
			return nil, p.bad("unsupported computed key algorithm")
		}
		return &ProofToken{ComputedKey: alg}, nil
	case xmlutil.Is(c, p.ns, ElBinarySecret):
		b, err := p.binarySecret(c)
		if err != nil {
			return nil, err
		}
		if b.Type == SecretAsymmetricKey {
			return nil, p.bad("asymmetric proof key")
		}
		return &ProofToken{Secret: b}, nil
	case xmlutil.Is(c, wsse.NSXENC, ElEncryptedKey):
		return &ProofToken{EncryptedKey: c}, nil
	}
	return nil, p.bad("unsupported proof token %s", wQName(xmlutil.ElementName(c)))
}

// start reads what RST and RSTR share: the Context attribute and the child
// elements, bounded.
func (p *wParser) start(el *etree.Element, context *string) ([]*etree.Element, error) {
	if a := xmlutil.AttrNS(el, "", attrContext); a != nil {
		ctx, err := wURI(a.Value)
		if err != nil {
			return nil, p.bad("Context: %v", err)
		}
		*context = ctx
	}
	kids, err := wChildren(el)
	if err != nil {
		return nil, p.bad("%v", err)
	}
	if len(kids) > MaxChildren {
		return nil, p.bad("more than %d children", MaxChildren)
	}
	return kids, nil
}

// common handles the children RST and RSTR treat alike: AppliesTo and
// elements of other namespaces. It reports whether c was one of them.
func (p *wParser) common(c *etree.Element, cn xml.Name, appliesTo **etree.Element, extensions *[]*etree.Element) (bool, error) {
	if cn.Space == NSWSP && cn.Local == elAppliesTo {
		if err := p.once(elAppliesTo); err != nil {
			return true, err
		}
		*appliesTo = c
		return true, nil
	}
	if cn.Space != p.ns {
		return true, p.extension(c, cn, extensions)
	}
	return false, nil
}
