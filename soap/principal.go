package soap

import (
	"context"
	"crypto/sha1" // the thumbprint claim is SHA-1 by definition (WIF)
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
)

// Well-known claim types, spelled as WIF and WCF spell them so that claims
// read the same on both platforms. Claim types are open: any URI will do.
const (
	// ClaimName is the caller's name (user name, certificate subject).
	ClaimName = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
	// ClaimRole is a role the caller is in (set by claims transformation).
	ClaimRole = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
	// ClaimAuthenticationMethod is how the caller authenticated; its value
	// is one of the AuthMethod constants.
	ClaimAuthenticationMethod = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod"
	// ClaimThumbprint is the SHA-1 thumbprint of the caller's certificate
	// (base64, as WIF writes it).
	ClaimThumbprint = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/thumbprint"
	// ClaimX500DistinguishedName is the subject distinguished name of the
	// caller's certificate.
	ClaimX500DistinguishedName = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/x500distinguishedname"
	// ClaimDNS is a DNS name of the caller's certificate.
	ClaimDNS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/dns"
)

// Authentication methods, the values of ClaimAuthenticationMethod and of
// Identity.AuthenticationMethod (WIF's AuthenticationMethods URIs).
const (
	// AuthMethodPassword is a UserNameToken with a password.
	AuthMethodPassword = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"
	// AuthMethodX509 is an X.509 certificate (message signature or TLS
	// client certificate).
	AuthMethodX509 = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/x509"
	// AuthMethodWindows is Windows authentication (SPNEGO/Kerberos).
	AuthMethodWindows = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/windows"
)

// LocalAuthority is the issuer of the claims a server derives itself from
// the credentials it verified (WIF's ClaimsIdentity.DefaultIssuer).
const LocalAuthority = "LOCAL AUTHORITY"

// Claim is one statement about the caller: a type (a URI), a value and the
// party that issued it.
type Claim struct {
	Type   string
	Value  string
	Issuer string
}

// Identity is one authenticated identity of the caller (a request may carry
// several: a signing certificate and a UsernameToken, say).
type Identity struct {
	// AuthenticationMethod is how this identity was proven (AuthMethod*),
	// or "" for an anonymous identity.
	AuthenticationMethod string
	// Claims are the statements about this identity. The first ClaimName
	// claim is its name.
	Claims []Claim
	// Certificate is the certificate that authenticated this identity, or
	// nil.
	Certificate *x509.Certificate
}

// Name returns the value of the identity's first ClaimName claim, or "".
func (id *Identity) Name() string {
	c, _ := id.FindClaim(ClaimName)
	return c.Value
}

// FindClaim returns the first claim of type typ.
func (id *Identity) FindClaim(typ string) (Claim, bool) {
	for _, c := range id.Claims {
		if c.Type == typ {
			return c, true
		}
	}
	return Claim{}, false
}

// HasClaim reports whether the identity has a claim of type typ with value
// value.
func (id *Identity) HasClaim(typ, value string) bool {
	for _, c := range id.Claims {
		if c.Type == typ && c.Value == value {
			return true
		}
	}
	return false
}

// SessionInfo identifies the secure session a request arrived in.
type SessionInfo struct {
	// ContextID is the SecurityContextToken's Identifier.
	ContextID string
	// KeyGeneration is the token's Instance (the key generation after a
	// renewal), or "" before the first renewal.
	KeyGeneration string
	// Version names the WS-SecureConversation version the session was
	// issued under ("2005/02" or "1.3").
	Version string
	// CookieMode is true when the session state travels in the token
	// (stateful SCT) rather than in the server's token cache.
	CookieMode bool
}

// Principal is who called: the identities the security layers verified,
// the secure session when there is one, and, when the server keeps it, the
// raw bootstrap token. Layers put it in the handler's context
// (NewContextWithPrincipal); the application reads it with
// PrincipalFromContext. A Principal in a context is never modified; a layer
// that changes it stores a copy.
type Principal struct {
	// Identities are the verified identities, the primary one first. An
	// anonymous caller has one identity with no AuthenticationMethod.
	Identities []Identity
	// Session is the secure session, or nil.
	Session *SessionInfo
	// BootstrapToken is the canonical XML of the token that established the
	// session or authenticated the request, when the server was configured
	// to keep it (WIF's BootstrapContext); nil otherwise.
	BootstrapToken []byte
}

// Primary returns the primary identity, or nil when there is none.
func (p *Principal) Primary() *Identity {
	if p == nil || len(p.Identities) == 0 {
		return nil
	}
	return &p.Identities[0]
}

// Name returns the primary identity's name, or "".
func (p *Principal) Name() string {
	if id := p.Primary(); id != nil {
		return id.Name()
	}
	return ""
}

// AuthenticationMethod returns how the primary identity was proven, or ""
// for an anonymous caller.
func (p *Principal) AuthenticationMethod() string {
	if id := p.Primary(); id != nil {
		return id.AuthenticationMethod
	}
	return ""
}

// IsAuthenticated reports whether some identity was proven.
func (p *Principal) IsAuthenticated() bool {
	if p == nil {
		return false
	}
	for i := range p.Identities {
		if p.Identities[i].AuthenticationMethod != "" {
			return true
		}
	}
	return false
}

// Certificate returns the first identity's certificate, or nil.
func (p *Principal) Certificate() *x509.Certificate {
	if p == nil {
		return nil
	}
	for i := range p.Identities {
		if c := p.Identities[i].Certificate; c != nil {
			return c
		}
	}
	return nil
}

// HasClaim reports whether any identity has a claim of type typ with value
// value.
func (p *Principal) HasClaim(typ, value string) bool {
	if p == nil {
		return false
	}
	for i := range p.Identities {
		if p.Identities[i].HasClaim(typ, value) {
			return true
		}
	}
	return false
}

// Clone returns a deep copy of p (certificates are shared: they are
// immutable).
func (p *Principal) Clone() *Principal {
	if p == nil {
		return nil
	}
	c := &Principal{Identities: make([]Identity, len(p.Identities))}
	for i, id := range p.Identities {
		id.Claims = append([]Claim(nil), id.Claims...)
		c.Identities[i] = id
	}
	if p.Session != nil {
		s := *p.Session
		c.Session = &s
	}
	if p.BootstrapToken != nil {
		c.BootstrapToken = append([]byte(nil), p.BootstrapToken...)
	}
	return c
}

// String describes p for logs: names and methods, never secrets.
func (p *Principal) String() string {
	if p == nil || len(p.Identities) == 0 {
		return "anonymous"
	}
	s := ""
	for i := range p.Identities {
		if i > 0 {
			s += ", "
		}
		id := &p.Identities[i]
		s += fmt.Sprintf("%q (%s)", id.Name(), shortMethod(id.AuthenticationMethod))
	}
	if p.Session != nil {
		s += " in session " + p.Session.ContextID
		if p.Session.KeyGeneration != "" {
			s += " generation " + p.Session.KeyGeneration
		}
	}
	return s
}

// shortMethod names an authentication method for logs.
func shortMethod(m string) string {
	switch m {
	case "":
		return "anonymous"
	case AuthMethodPassword:
		return "password"
	case AuthMethodX509:
		return "x509"
	case AuthMethodWindows:
		return "windows"
	}
	return m
}

type principalKey struct{}

// NewContextWithPrincipal returns a copy of ctx that carries p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal in ctx, if any. A request that
// no security layer authenticated has none.
func PrincipalFromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// Authorizer decides whether the principal may perform action (the
// request's wsa:Action, or its SOAPAction). A non-nil error refuses the
// request; the caller receives an AccessDenied fault and the error goes to
// the log only. p is nil when no layer authenticated the request.
type Authorizer func(ctx context.Context, action string, p *Principal) error

// AccessDeniedReason is the reason of the fault sent when an Authorizer
// refuses a request (WCF's text).
const AccessDeniedReason = "Access is denied."

// AccessDeniedFault returns the fault WCF's ServiceAuthorizationManager
// sends on refusal: Sender, subcode wsse:FailedAuthentication, "Access is
// denied.", with cause kept for logs.
func AccessDeniedFault(cause error) *Fault {
	return SenderFault(AccessDeniedReason, xml.Name{Space: nsWSSESecext, Local: "FailedAuthentication"}).WithCause(cause)
}

// nsWSSESecext is the WS-Security 1.0 secext namespace, the namespace of WCF's
// AccessDenied subcode.
const nsWSSESecext = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"

// Authorize returns a server layer that asks authorize about every request
// before the next handler runs; place it after (inside) the security
// layers, which set the principal.
func Authorize(authorize Authorizer) ServerLayer {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
			action := req.Addressing.Action
			if action == "" {
				action = req.SOAPAction
			}
			p, _ := PrincipalFromContext(ctx)
			if err := authorize(ctx, action, p); err != nil {
				return nil, AccessDeniedFault(err)
			}
			return next.ServeSOAP(ctx, req)
		})
	}
}

// UsernameIdentity returns the identity of a caller authenticated by a user
// name and password: a ClaimName and a ClaimAuthenticationMethod claim,
// issued by LocalAuthority.
func UsernameIdentity(name string) Identity {
	return Identity{
		AuthenticationMethod: AuthMethodPassword,
		Claims: []Claim{
			{Type: ClaimName, Value: name, Issuer: LocalAuthority},
			{Type: ClaimAuthenticationMethod, Value: AuthMethodPassword, Issuer: LocalAuthority},
		},
	}
}

// CertificateIdentity returns the identity of a caller authenticated by an
// X.509 certificate, with the claims WIF derives from one: the subject
// distinguished name as ClaimName and ClaimX500DistinguishedName, the SHA-1
// thumbprint (base64), each DNS name, and the authentication method.
func CertificateIdentity(cert *x509.Certificate) Identity {
	dn := cert.Subject.String()
	sum := sha1.Sum(cert.Raw)
	id := Identity{
		AuthenticationMethod: AuthMethodX509,
		Certificate:          cert,
		Claims: []Claim{
			{Type: ClaimName, Value: dn, Issuer: LocalAuthority},
			{Type: ClaimX500DistinguishedName, Value: dn, Issuer: LocalAuthority},
			{Type: ClaimThumbprint, Value: base64.StdEncoding.EncodeToString(sum[:]), Issuer: LocalAuthority},
		},
	}
	for _, d := range cert.DNSNames {
		id.Claims = append(id.Claims, Claim{Type: ClaimDNS, Value: d, Issuer: LocalAuthority})
	}
	id.Claims = append(id.Claims, Claim{Type: ClaimAuthenticationMethod, Value: AuthMethodX509, Issuer: LocalAuthority})
	return id
}

// AnonymousIdentity returns the identity of a caller that presented no
// credential: no claims, no authentication method.
func AnonymousIdentity() Identity { return Identity{} }
