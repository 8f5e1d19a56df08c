package secureconv

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/soapstack/soapstack/soap"
)

// ErrTokenTooLarge reports a session token whose encoding would exceed
// MaxTokenEncodingLen (too many or too long claims, a large bootstrap
// token): it cannot be sealed into a cookie nor stored in a shared cache.
var ErrTokenTooLarge = errors.New("secureconv: session token too large")

// tAtoms are the well-known strings of the identity encoding, coded by
// their 1-based index. The list is part of the format (COOKIE.md): append
// only.
var tAtoms = [...]string{
	soap.ClaimName,
	soap.ClaimRole,
	soap.ClaimAuthenticationMethod,
	soap.ClaimThumbprint,
	soap.ClaimX500DistinguishedName,
	soap.ClaimDNS,
	soap.AuthMethodPassword,
	soap.AuthMethodX509,
	soap.AuthMethodWindows,
	soap.LocalAuthority,
}

// tAtomCode returns the code of a well-known string, 0 for any other.
func tAtomCode(s string) byte {
	for i, a := range tAtoms {
		if a == s {
			return byte(i + 1)
		}
	}
	return 0
}

// tAtomLen returns the encoded length of an atom.
func tAtomLen(s string) int {
	if tAtomCode(s) != 0 {
		return 1
	}
	return 1 + 2 + len(s)
}

func tAppendAtom(b []byte, s string) []byte {
	if c := tAtomCode(s); c != 0 {
		return append(b, c)
	}
	b = append(b, 0)
	return tAppendField(b, []byte(s))
}

// validateIdentities checks identities against the bounds of the encoding.
func validateIdentities(ids []soap.Identity) error {
	if len(ids) > MaxIdentities {
		return fmt.Errorf("%w: %d identities exceed %d", ErrTokenTooLarge, len(ids), MaxIdentities)
	}
	total := 0
	for i := range ids {
		id := &ids[i]
		if err := tCheckString("authentication method", id.AuthenticationMethod, MaxClaimTypeLen); err != nil {
			return err
		}
		total += len(id.Claims)
		if total > MaxClaims {
			return fmt.Errorf("%w: more than %d claims", ErrTokenTooLarge, MaxClaims)
		}
		for _, c := range id.Claims {
			if err := tCheckString("claim type", c.Type, MaxClaimTypeLen); err != nil {
				return err
			}
			if err := tCheckString("claim value", c.Value, MaxClaimValueLen); err != nil {
				return err
			}
			if err := tCheckString("claim issuer", c.Issuer, MaxClaimTypeLen); err != nil {
				return err
			}
		}
	}
	return nil
}

func tCheckString(name, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%w: %s of %d bytes exceeds %d", ErrTokenTooLarge, name, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("secureconv: session token: %s is not UTF-8", name)
	}
	return nil
}

// appendIdentities appends the identity section of the encoding; ids
// must have passed validateIdentities.
func appendIdentities(b []byte, ids []soap.Identity) []byte {
	b = append(b, byte(len(ids)))
	for i := range ids {
		id := &ids[i]
		b = tAppendAtom(b, id.AuthenticationMethod)
		b = append(b, byte(len(id.Claims)))
		for _, c := range id.Claims {
			b = tAppendAtom(b, c.Type)
			b = tAppendAtom(b, c.Value)
			b = tAppendAtom(b, c.Issuer)
		}
	}
	return b
}

// atom reads an atom of at most max bytes.
func (d *tDecoder) atom(name string, max int) string {
	c := d.byte()
	switch {
	case d.err != nil:
		return ""
	case c == 0:
		s := d.str(name, 0, max)
		if d.err == nil && tAtomCode(s) != 0 {
			d.fail(name + ": literal of a well-known string")
		}
		return s
	case int(c) <= len(tAtoms):
		return tAtoms[c-1]
	}
	d.fail(fmt.Sprintf("%s: unknown code %d", name, c))
	return ""
}

// identities reads the identity section.
func (d *tDecoder) identities() []soap.Identity {
	n := int(d.byte())
	if d.err != nil {
		return nil
	}
	if n > MaxIdentities {
		d.fail(fmt.Sprintf("%d identities", n))
		return nil
	}
	if n == 0 {
		return nil
	}
	ids := make([]soap.Identity, n)
	total := 0
	for i := range ids {
		ids[i].AuthenticationMethod = d.atom("authentication method", MaxClaimTypeLen)
		k := int(d.byte())
		total += k
		if d.err != nil {
			return nil
		}
		if total > MaxClaims {
			d.fail("too many claims")
			return nil
		}
		if k == 0 {
			continue
		}
		cs := make([]soap.Claim, k)
		for j := range cs {
			cs[j].Type = d.atom("claim type", MaxClaimTypeLen)
			cs[j].Value = d.atom("claim value", MaxClaimValueLen)
			cs[j].Issuer = d.atom("claim issuer", MaxClaimTypeLen)
		}
		if d.err != nil {
			return nil
		}
		ids[i].Claims = cs
	}
	return ids
}

// cloneIdentities returns a deep copy of ids (certificates are shared);
// nil stays nil.
func cloneIdentities(ids []soap.Identity) []soap.Identity {
	if ids == nil {
		return nil
	}
	c := make([]soap.Identity, len(ids))
	for i, id := range ids {
		if id.Claims != nil {
			id.Claims = append([]soap.Claim(nil), id.Claims...)
		}
		c[i] = id
	}
	return c
}

// storedIdentities returns a deep copy of ids without certificates, the
// form a session token keeps.
func storedIdentities(ids []soap.Identity) []soap.Identity {
	c := cloneIdentities(ids)
	for i := range c {
		c[i].Certificate = nil
	}
	return c
}

// identitiesOfClaims returns the identities of a session token that
// records none (decoded from a version 1 encoding), from its Claims:
// version 1 kept no SHA-1 thumbprint, so a certificate identity has its
// name and subject claims only.
func identitiesOfClaims(c Claims) []soap.Identity {
	switch c.Method {
	case AuthUsername:
		return []soap.Identity{soap.UsernameIdentity(c.Username)}
	case AuthCertificate:
		return []soap.Identity{{AuthenticationMethod: soap.AuthMethodX509, Claims: []soap.Claim{
			{Type: soap.ClaimName, Value: c.CertSubject, Issuer: soap.LocalAuthority},
			{Type: soap.ClaimX500DistinguishedName, Value: c.CertSubject, Issuer: soap.LocalAuthority},
			{Type: soap.ClaimAuthenticationMethod, Value: soap.AuthMethodX509, Issuer: soap.LocalAuthority},
		}}}
	}
	return []soap.Identity{soap.AnonymousIdentity()}
}
