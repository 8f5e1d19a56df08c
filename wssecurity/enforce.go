package wssecurity

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// enforce checks the processed header against the policy: "what is signed
// is what is used", by node identity.
func (r *receiver) enforce() error {
	p := r.p
	if p.IncludeTimestamp && r.ts == nil {
		return refuse(ErrMissing, "the policy requires a Timestamp")
	}
	if p.Binding == TransportBinding {
		if err := r.enforceSupporting(nil); err != nil {
			return err
		}
		if err := r.checkSignedPlaces(); err != nil {
			return err
		}
		return r.replay(nil)
	}
	primary, err := r.primarySignature()
	if err != nil {
		return err
	}
	if err := r.checkPrimaryInclusion(primary); err != nil {
		return err
	}
	signed := map[*etree.Element]bool{}
	for _, ref := range primary.v.References {
		signed[ref.Element] = true
	}
	if r.ts != nil && !signed[r.ts.Element] {
		return refuse(ErrNotSigned, "the Timestamp is not signed")
	}
	if r.ts != nil && r.ts.Element.Parent() != r.sec {
		return refuse(ErrMisplaced, "the Timestamp is not a child of the Security header")
	}
	if r.ts != nil {
		children := childElements(r.sec)
		if p.Layout == LaxTsFirst && children[0] != r.ts.Element {
			return refuse(ErrLayout, "the Timestamp is not first (LaxTsFirst layout)")
		}
		if p.Layout == LaxTsLast && children[len(children)-1] != r.ts.Element {
			return refuse(ErrLayout, "the Timestamp is not last (LaxTsLast layout)")
		}
	}
	if p.SignedParts.Body && !signed[r.m.Body] {
		return refuse(ErrNotSigned, "the Body is not signed")
	}
	for _, t := range headerTokens(r.m) {
		h, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if h != r.sec && p.SignedParts.Includes(xmlutil.ElementName(h)) && !signed[h] {
			return refuse(ErrNotSigned, "header %s is not signed", h.Tag)
		}
	}
	for _, els := range r.m.Addressing.Elements {
		for _, el := range els {
			if el.Parent() != r.m.Header {
				return refuse(ErrMisplaced, "addressing header outside the SOAP Header")
			}
			if p.SignedParts.Includes(xmlutil.ElementName(el)) && !signed[el] {
				return refuse(ErrNotSigned, "addressing header %s is not signed", el.Tag)
			}
		}
	}
	if p.EncryptedParts.Body && len(r.m.Body.ChildElements()) > 0 {
		ok := false
		for _, d := range r.decs {
			if d.parent == r.m.Body && d.typ == xmlenc.TypeContent && r.isEncryptionKey(d.key, primary) {
				ok = true
				if p.Order == EncryptBeforeSign && d.seq < primary.seq {
					return invalid("the Body was encrypted after signing, the policy says encrypt before sign")
				}
				if p.Order == SignBeforeEncrypt && d.seq > primary.seq {
					return invalid("the Body was signed after encryption, the policy says sign before encrypt")
				}
			}
		}
		if !ok {
			return refuse(ErrNotEncrypted, "the Body is not encrypted")
		}
	}
	decryptedHeaders := map[*etree.Element]bool{}
	for _, d := range r.decs {
		if d.parent == r.m.Header {
			for _, w := range d.what {
				decryptedHeaders[w] = true
			}
		}
	}
	for _, t := range headerTokens(r.m) {
		h, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if xmlutil.Is(h, wsse.NSWSSE11, "EncryptedHeader") {
			return invalid("an EncryptedHeader was not decrypted")
		}
		if len(p.EncryptedParts.Headers) > 0 && p.EncryptedParts.Includes(xmlutil.ElementName(h)) && !decryptedHeaders[h] {
			return refuse(ErrNotEncrypted, "header %s is not encrypted", h.Tag)
		}
	}
	for _, t := range r.m.Body.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if xmlutil.Is(c, xmlenc.NS, "EncryptedData") {
			return invalid("an EncryptedData in the Body was not decrypted")
		}
	}
	if p.EncryptSignature && !primary.fromDecryption {
		return refuse(ErrNotEncrypted, "the signature is not encrypted")
	}
	if r.initiator {
		if err := r.checkConfirmations(signed); err != nil {
			return err
		}
	} else {
		r.ex.sigValues = r.ex.sigValues[:0]
		for _, s := range r.sigs {
			r.ex.sigValues = append(r.ex.sigValues, s.v.SignatureValue)
		}
		if root := primary.key.root(); root.kind == tokEncryptedKey {
			r.ex.key, r.ex.ekSHA1 = root.key, root.ekSHA1
		}
	}
	if err := r.enforceSupporting(primary); err != nil {
		return err
	}
	if err := r.checkSignedPlaces(); err != nil {
		return err
	}
	return r.replay(primary)
}

// primarySignature finds the one signature made with the binding's
// protection token and checks its algorithm and key.
func (r *receiver) primarySignature() (*sigResult, error) {
	var primary *sigResult
	for _, s := range r.sigs {
		if r.isProtectionKey(s.key) {
			if primary != nil {
				return nil, refuse(ErrDuplicate, "more than one signature with the protection token")
			}
			primary = s
		}
	}
	if primary == nil {
		return nil, refuse(ErrMissing, "no signature with the protection token")
	}
	want := r.suite.SymmetricSig
	if r.p.Binding == AsymmetricBinding {
		want = r.suite.AsymmetricSig
	}
	if primary.v.SignatureMethod != want {
		return nil, invalid("signature method %s, the policy requires %s", primary.v.SignatureMethod, want)
	}
	return primary, nil
}

// isProtectionKey reports whether t is the key of the binding's main
// signature.
func (r *receiver) isProtectionKey(t *token) bool {
	if t == nil {
		return false
	}
	switch r.p.Binding {
	case SymmetricBinding:
		derived := t.kind == tokDerived
		if derived != r.p.ProtectionToken.DerivedKeys {
			return false
		}
		root := t.root()
		if r.p.ProtectionToken.Kind == SecureConversationToken {
			if root.kind != tokExternal {
				return false
			}
			if !r.initiator {
				r.ex.session = root.session
			}
			return r.initiator || root.session != nil
		}
		if r.initiator {
			return root.kind == tokExchange
		}
		return root.kind == tokEncryptedKey
	case AsymmetricBinding:
		if t.kind != tokX509 || t.cert == nil {
			return false
		}
		if r.initiator {
			return r.cfg.PeerCertificate != nil && t.cert.Equal(r.cfg.PeerCertificate)
		}
		if r.cfg.Trust == nil || r.cfg.Trust.Verify(t.cert, nil, r.now) != nil {
			return false
		}
		r.ex.peerCert, r.ex.certEl = t.cert, t.el
		return true
	}
	return false
}

// enforceSupporting checks the supporting tokens of a request.
func (r *receiver) enforceSupporting(primary *sigResult) error {
	if r.initiator {
		return nil
	}
	signed := map[*etree.Element]bool{}
	if primary != nil {
		for _, ref := range primary.v.References {
			signed[ref.Element] = true
		}
	}
	for _, st := range r.p.Supporting {
		switch st.Token.Kind {
		case UsernameToken:
			if len(r.uts) != 1 {
				return refuse(ErrMissing, "the policy requires one UsernameToken")
			}
			ut := r.uts[0]
			r.ex.username, r.ex.utEl = ut.ut.Username, ut.el
			if primary != nil && st.Role != Supporting && !signed[ut.el] {
				return refuse(ErrNotSigned, "the UsernameToken is not signed")
			}
			mustEncrypt := st.Role == SignedEncryptedSupporting ||
				(st.Role == SignedSupporting && r.cfg.RequireEncryptedUsernameToken && r.p.Binding != TransportBinding)
			if primary != nil && mustEncrypt && !r.decrypted[ut.el] {
				return refuse(ErrNotEncrypted, "the UsernameToken is not encrypted")
			}
		case SecureConversationToken:
			ok := false
			for _, sg := range r.sigs {
				if sg.key == nil || sg.key.root().kind != tokExternal || sg.key.root().session == nil {
					continue
				}
				if sg.v.SignatureMethod != r.suite.SymmetricSig {
					continue
				}
				for _, ref := range sg.v.References {
					if r.ts != nil && ref.Element == r.ts.Element {
						if err := r.checkInclusion(sg.key, &st.Token, slotSupporting); err != nil {
							return err
						}
						ok = true
						r.ex.session = sg.key.root().session
					}
				}
			}
			if !ok {
				return refuse(ErrMissing, "the policy requires the session token to endorse the Timestamp")
			}
		case X509Token:
			// Under message security the certificate endorses the
			// primary signature; over a transport binding
			// (CertificateOverTransport) it signs the Timestamp.
			var endorsed *etree.Element
			switch {
			case primary != nil:
				endorsed = primary.el
			case r.p.Binding == TransportBinding && r.ts != nil:
				endorsed = r.ts.Element
			case r.p.Binding == TransportBinding:
				return refuse(ErrMissing, "the policy requires a Timestamp for the endorsing certificate to sign")
			default:
				return invalid("an endorsing token needs a signature to endorse")
			}
			ok := false
			for _, s := range r.sigs {
				if s == primary || s.key == nil || s.key.kind != tokX509 || s.key.cert == nil {
					continue
				}
				if s.v.SignatureMethod != r.suite.AsymmetricSig {
					continue
				}
				endorses := false
				for _, ref := range s.v.References {
					if ref.Element == endorsed {
						endorses = true
					}
				}
				if !endorses {
					continue
				}
				if err := r.checkInclusion(s.key, &st.Token, slotSupporting); err != nil {
					return err
				}
				if r.cfg.Trust == nil {
					return fmt.Errorf("%w: no trust store for the endorsing certificate", ErrFailedAuthentication)
				}
				if err := r.cfg.Trust.Verify(s.key.cert, nil, r.now); err != nil {
					return err
				}
				if st.Role == SignedEndorsingSupporting && !signed[s.key.el] {
					return refuse(ErrNotSigned, "the endorsing token is not signed")
				}
				r.ex.peerCert, r.ex.certEl = s.key.cert, s.key.el
				ok = true
			}
			if !ok {
				return refuse(ErrMissing, "the policy requires an endorsing X.509 token")
			}
		}
	}
	return nil
}

// checkConfirmations checks WS-Security 1.1 SignatureConfirmation in a
// reply against the signatures of the request.
func (r *receiver) checkConfirmations(signed map[*etree.Element]bool) error {
	if !r.p.RequireSignatureConfirmation || r.p.WSS != WSS11 {
		return nil
	}
	for _, el := range r.confirmEl {
		if !signed[el] {
			return invalid("a SignatureConfirmation is not signed")
		}
	}
	for _, want := range r.ex.sigValues {
		found := false
		for _, got := range r.confirms {
			if bytes.Equal(want, got) {
				found = true
			}
		}
		if !found {
			return invalid("the reply does not confirm the request's signature")
		}
	}
	if len(r.ex.sigValues) == 0 && !r.hasConfNo {
		return invalid("the reply has no SignatureConfirmation")
	}
	return nil
}

// replay refuses a request that carries replay material seen before: the
// value of its primary signature (or, in a transport binding, of each
// endorsing signature) with its Timestamp's Created, until the Timestamp
// expires, and the Nonce and Created of its UsernameToken. It runs last, once
// the whole message verified, so that forged messages never fill the cache.
// What carries no such material cannot be recognised (see the package
// documentation, "Replay detection").
func (r *receiver) replay(primary *sigResult) error {
	if r.initiator || r.cfg.Replay == nil {
		return nil
	}
	// Under a transport binding (primary == nil) signatures are not replay
	// material: an endorsing signature covers the Timestamp (and the
	// token), never the Body, so two different messages sent in one
	// Timestamp's second carry the same signature value. Eclipse Metro
	// does exactly that (its Created has one-second precision), and so
	// would any fast client; TLS is what keeps replays off that wire.
	if primary != nil {
		if err := r.replaySignature(primary); err != nil {
			return err
		}
	}
	for _, ut := range r.uts {
		if err := recordUsernameToken(r.ctx, r.cfg.Replay, ut.ut, r.now, r.p.MaxClockSkew, r.p.TimestampTTL); err != nil {
			return err
		}
	}
	return nil
}

// replaySignature records a signature value (with the Timestamp's Created)
// until the Timestamp expires.
func (r *receiver) replaySignature(s *sigResult) error {
	if s.v == nil {
		return nil
	}
	expires := r.now.Add(r.p.MaxClockSkew + r.p.TimestampTTL)
	h := sha256.New()
	if r.ts != nil {
		expires = r.ts.Expires.Add(r.p.MaxClockSkew)
		if r.ts.Expires.IsZero() {
			expires = r.ts.Created.Add(r.p.MaxClockSkew + r.p.TimestampTTL)
		}
		h.Write([]byte(r.ts.Created.UTC().Format(time.RFC3339Nano)))
	}
	h.Write(s.v.SignatureValue)
	seen, err := r.cfg.Replay.Seen(r.ctx, h.Sum([]byte("sig:")), r.now, expires)
	if err != nil {
		return err
	}
	if seen {
		return ErrReplay
	}
	return nil
}

// isEncryptionKey reports whether t may encrypt the Body: the protection
// token's key (symmetric binding) or a key transported to us (asymmetric).
func (r *receiver) isEncryptionKey(t *token, primary *sigResult) bool {
	if r.p.Binding == AsymmetricBinding {
		return t.root().kind == tokEncryptedKey
	}
	return t.root() == primary.key.root()
}
