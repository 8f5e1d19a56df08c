package wssecurity

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/dsig"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// exchange is what one request/reply pair shares: the symmetric key of the
// request, the certificate of the client, the signature values to confirm.
type exchange struct {
	// key is the symmetric binding key and ekSHA1 the EncryptedKeySHA1 of
	// the EncryptedKey that carried it.
	key    []byte
	ekSHA1 []byte
	// peerCert is the client's certificate (server side).
	peerCert *x509.Certificate
	// sigValues are the signature values of the request: sent (client) or
	// received (server), for SignatureConfirmation.
	sigValues [][]byte
	// session is the session token that protected the request (server
	// side), to protect the reply with.
	session *SessionToken
	// username is the user a request's UsernameToken authenticated.
	username string
	// utEl and certEl are the authenticating UsernameToken and the
	// client's BinarySecurityToken (server side); bootstrap is the token
	// kept for the principal (Config.KeepBootstrapToken).
	utEl, certEl *etree.Element
	bootstrap    []byte
}

// sender applies a policy to one outgoing message.
type sender struct {
	p         Policy
	suite     algorithmSuite
	cfg       *Config
	initiator bool
	ex        *exchange
	r         io.Reader
	ids       *idGen
	sec       *etree.Element
}

func newSender(p Policy, cfg *Config, initiator bool, ex *exchange) (*sender, error) {
	r := cfg.rand()
	ids, err := newIDGen(r)
	if err != nil {
		return nil, err
	}
	return &sender{p: p, suite: p.Suite.algorithms(), cfg: cfg, initiator: initiator, ex: ex, r: r, ids: ids}, nil
}

// certReference returns an STR naming cert in the given style.
func certReference(cert *x509.Certificate, style KeyReference) (*etree.Element, error) {
	switch style {
	case RefSKI:
		ski, err := wsse.SubjectKeyIdentifier(cert)
		if err != nil {
			return nil, err
		}
		return wsse.NewSTRKeyIdentifier(wsse.URIX509SKI, ski), nil
	case RefIssuerSerial:
		return wsse.NewSTRIssuerSerial(cert), nil
	default:
		return wsse.NewSTRKeyIdentifier(wsse.URIThumbprintSHA1, wsse.ThumbprintSHA1(cert)), nil
	}
}

func (s *sender) randomKey(n int) ([]byte, error) {
	k := make([]byte, n)
	if _, err := io.ReadFull(s.r, k); err != nil {
		return nil, fmt.Errorf("wssecurity: key: %w", err)
	}
	return k, nil
}

func (s *sender) keyTransportOptions() []xmlenc.Option {
	if s.suite.AsymmetricKeyWrap == wsse.AlgRSA15 {
		return []xmlenc.Option{xmlenc.AllowRSA15()}
	}
	return nil
}

func rsaPublic(cert *x509.Certificate) (*rsa.PublicKey, error) {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("wssecurity: the certificate has no RSA key")
	}
	return pub, nil
}

// encryptedKey builds an EncryptedKey carrying key to cert.
func (s *sender) encryptedKey(cert *x509.Certificate, style KeyReference, key []byte) (*etree.Element, string, error) {
	pub, err := rsaPublic(cert)
	if err != nil {
		return nil, "", err
	}
	ref, err := certReference(cert, style)
	if err != nil {
		return nil, "", err
	}
	id := s.ids.next("EK")
	ek, err := xmlenc.NewEncryptedKey(s.suite.AsymmetricKeyWrap, pub, key, id, ref, nil, s.r, s.keyTransportOptions()...)
	if err != nil {
		return nil, "", err
	}
	return ek, id, nil
}

// keys holds the signing and encryption keys of a message with the
// KeyInfo that names each.
type keys struct {
	sigKey     any
	sigKeyInfo *etree.Element
	sigMethod  string
	encKey     []byte
	encKeyInfo func() *etree.Element
	tokens     []*etree.Element // EncryptedKey, BinarySecurityToken, DerivedKeyTokens, in order
	// signingToken is the token the primary signature's key comes from
	// (for ProtectTokens).
	signingToken *etree.Element
	// encEK is the EncryptedKey whose key encrypts directly (no derived
	// key), which lists what it encrypted under WS-Security 1.0.
	encEK *etree.Element
}

// symmetricKeys prepares the keys of a symmetric binding: a fresh key in an
// EncryptedKey for a request, the request's key named by its
// EncryptedKeySHA1 for a reply, optionally derived.
func (s *sender) symmetricKeys() (*keys, error) {
	k := &keys{sigMethod: s.suite.SymmetricSig}
	var base func() *etree.Element
	dkNS := wsse.NSWSC200502
	key := s.ex.key
	switch {
	case s.p.ProtectionToken.Kind == SecureConversationToken:
		session := s.cfg.Session
		if !s.initiator {
			session = s.ex.session
		}
		if session == nil || len(session.Key) == 0 {
			return nil, errors.New("wssecurity: no session token to protect the message with")
		}
		key, dkNS = session.Key, session.Namespace
		if s.initiator {
			sct := xmlutil.CopyWithScope(session.Element)
			id := s.ids.ensureID(sct, "SCT")
			k.tokens = append(k.tokens, sct)
			k.signingToken = sct
			base = func() *etree.Element { return strToLocal(id, session.TokenType, "") }
		} else {
			base = func() *etree.Element { return sessionReference(session) }
		}
	case s.initiator:
		if s.cfg.PeerCertificate == nil {
			return nil, errors.New("wssecurity: the symmetric binding needs the service certificate (Config.PeerCertificate)")
		}
		key, err := s.randomKey(s.suite.symmetricKeyLength())
		if err != nil {
			return nil, err
		}
		ek, id, err := s.encryptedKey(s.cfg.PeerCertificate, s.p.ProtectionToken.Reference, key)
		if err != nil {
			return nil, err
		}
		parsed, err := xmlenc.ParseEncryptedKey(ek)
		if err != nil {
			return nil, err
		}
		s.ex.key = key
		s.ex.ekSHA1 = sha1Sum(parsed.CipherValue)
		k.tokens = append(k.tokens, ek)
		k.signingToken = ek
		k.encEK = ek
		base = func() *etree.Element { return s.encryptedKeyReference(id) }
	default:
		if s.ex == nil || len(s.ex.key) == 0 {
			return nil, errors.New("wssecurity: no request key to protect the reply with")
		}
		base = func() *etree.Element {
			str := wsse.NewSTRKeyIdentifier(wsse.URIEncryptedKeySHA1, s.ex.ekSHA1)
			wsse.SetTokenType(str, wsse.URIEncryptedKeyToken)
			return str
		}
	}
	if s.initiator && s.p.ProtectionToken.Kind != SecureConversationToken {
		key = s.ex.key
	}
	if s.p.ProtectionToken.DerivedKeys {
		sigDK, sigKey, err := wsse.NewDerivedKeyToken(dkNS, s.ids.next("DK"), base(), key, s.suite.SignatureKeyDerivationLength/8, s.r)
		if err != nil {
			return nil, err
		}
		encDK, encKey, err := wsse.NewDerivedKeyToken(dkNS, s.ids.next("DK"), base(), key, s.suite.EncryptionKeyDerivationLength/8, s.r)
		if err != nil {
			return nil, err
		}
		k.tokens = append(k.tokens, sigDK.Element, encDK.Element)
		k.sigKey, k.encKey = sigKey, encKey
		k.encEK = nil
		k.sigKeyInfo = strToLocal(sigDK.ID, dkNS+"/dk", "")
		k.encKeyInfo = func() *etree.Element { return strToLocal(encDK.ID, dkNS+"/dk", "") }
		k.signingToken = sigDK.Element
		return k, nil
	}
	k.sigKey, k.encKey = key, key
	k.sigKeyInfo = base()
	k.encKeyInfo = base
	return k, nil
}

// asymmetricKeys prepares the keys of an asymmetric binding: sign with our
// private key, encrypt a fresh key to the peer's certificate.
func (s *sender) asymmetricKeys() (*keys, error) {
	own := s.cfg.Certificate
	if own == nil || own.Key == nil {
		return nil, errors.New("wssecurity: the asymmetric binding needs our certificate and key (Config.Certificate)")
	}
	k := &keys{sigMethod: s.suite.AsymmetricSig, sigKey: own.Key}
	var peer *x509.Certificate
	var peerRef KeyReference
	ownToken, ownSlot := s.p.RecipientToken, slotRecipient
	if s.initiator {
		ownToken, ownSlot = s.p.InitiatorToken, slotInitiator
	}
	if includedIn(ownToken.inclusion(ownSlot), s.initiator) {
		id := s.ids.next("X509")
		bst := wsse.NewBinarySecurityToken(own.Cert, id)
		k.tokens = append(k.tokens, bst)
		k.signingToken = bst
		k.sigKeyInfo = strToLocal(id, wsse.URIX509v3, "")
	} else {
		ref, err := certReference(own.Cert, ownToken.Reference)
		if err != nil {
			return nil, err
		}
		k.sigKeyInfo = ref
	}
	if s.initiator {
		peer, peerRef = s.cfg.PeerCertificate, s.p.RecipientToken.Reference
	} else {
		peer, peerRef = s.ex.peerCert, s.p.RecipientToken.Reference
	}
	if peer == nil {
		return nil, errors.New("wssecurity: no peer certificate to encrypt to")
	}
	key, err := s.randomKey(s.suite.symmetricKeyLength())
	if err != nil {
		return nil, err
	}
	ek, id, err := s.encryptedKey(peer, peerRef, key)
	if err != nil {
		return nil, err
	}
	k.tokens = append(k.tokens, ek)
	k.encKey = key
	k.encEK = ek
	k.encKeyInfo = func() *etree.Element { return s.encryptedKeyReference(id) }
	return k, nil
}

// secure adds the Security header the policy asks for to m.
func (s *sender) secure(ctx context.Context, m *soap.Message) error {
	p := s.p
	now := s.cfg.now()
	if p.Binding == TransportBinding && !p.IncludeTimestamp && (!s.initiator || len(p.Supporting) == 0) {
		return nil // nothing to send: no Security header at all
	}
	s.sec = newSecurityHeader(m)
	// One wsu declaration on the Envelope, as WCF writes it, instead of one
	// on every header and on the Body that gets a wsu:Id.
	wsse.DeclareNS(m.Envelope, wsse.PrefixWSU, wsse.NSWSU)
	var ts *etree.Element
	if p.IncludeTimestamp {
		ts = wsse.NewTimestamp(now, p.TimestampTTL, s.ids.next("TS"))
	}
	// Supporting tokens (the initiator's).
	var signTargets, encTargets, supportTokens []*etree.Element
	var endorsing []crypto.Signer
	var endorsingInfo []*etree.Element
	var sessionEndorse *sessionEndorsement
	if s.initiator {
		for _, st := range p.Supporting {
			switch st.Token.Kind {
			case UsernameToken:
				if s.cfg.Username == "" {
					return errors.New("wssecurity: the policy needs a UsernameToken (Config.Username)")
				}
				ut, err := wsse.NewUsernameToken(wsse.UsernameTokenParams{ID: s.ids.next("UT"), Username: s.cfg.Username,
					Password: string(s.cfg.Password), Digest: st.Token.PasswordDigest, Created: now, Nonce: true, Rand: s.r})
				if err != nil {
					return err
				}
				supportTokens = append(supportTokens, ut)
				if st.Role != Supporting && p.Binding != TransportBinding {
					signTargets = append(signTargets, ut)
				}
				// A signed UsernameToken is encrypted too under message
				// security (WCF does; CXF by default, always.encrypted).
				if (st.Role == SignedEncryptedSupporting || st.Role == SignedSupporting) && p.Binding != TransportBinding {
					encTargets = append(encTargets, ut)
				}
			case X509Token:
				own := s.cfg.Certificate
				if own == nil || own.Key == nil {
					return errors.New("wssecurity: the policy needs a client certificate (Config.Certificate)")
				}
				endorsing = append(endorsing, own.Key)
				if !includedIn(st.Token.inclusion(slotSupporting), true) {
					ref, err := certReference(own.Cert, st.Token.Reference)
					if err != nil {
						return err
					}
					endorsingInfo = append(endorsingInfo, ref)
					continue
				}
				id := s.ids.next("X509")
				bst := wsse.NewBinarySecurityToken(own.Cert, id)
				supportTokens = append(supportTokens, bst)
				if st.Role == SignedEndorsingSupporting {
					signTargets = append(signTargets, bst)
				}
				switch st.Token.Reference {
				case RefThumbprint, RefSKI, RefIssuerSerial:
					// The policy names the reference (WS-SP
					// RequireThumbprintReference...): the signature refers
					// to the included certificate so, as CXF/WSS4J does
					// and CXF's streaming service requires.
					ref, err := certReference(own.Cert, st.Token.Reference)
					if err != nil {
						return err
					}
					endorsingInfo = append(endorsingInfo, ref)
				default:
					endorsingInfo = append(endorsingInfo, strToLocal(id, wsse.URIX509v3, ""))
				}
			case SecureConversationToken:
				// A session token endorsing a message sent over HTTPS
				// (WCF's SecureConversation over UserNameOverTransport).
				if p.Binding != TransportBinding {
					return errors.New("wssecurity: an endorsing session token needs a transport binding")
				}
				session := s.cfg.Session
				if session == nil || len(session.Key) == 0 {
					return errors.New("wssecurity: no session token to endorse the message with")
				}
				sct := xmlutil.CopyWithScope(session.Element)
				id := s.ids.ensureID(sct, "SCT")
				supportTokens = append(supportTokens, sct)
				sessionEndorse = &sessionEndorsement{key: session.Key, keyInfo: strToLocal(id, session.TokenType, "")}
			default:
				return fmt.Errorf("wssecurity: unsupported supporting token kind %d", st.Token.Kind)
			}
		}
	}
	if p.Binding == TransportBinding {
		if ts != nil {
			s.sec.AddChild(ts)
		}
		for _, t := range supportTokens {
			s.sec.AddChild(t)
		}
		if sessionEndorse != nil {
			if ts == nil {
				return errors.New("wssecurity: an endorsing session token signs the Timestamp: the policy needs one")
			}
			// Like WSS4J, the endorsement covers the Timestamp and wsa:To.
			targets := []*etree.Element{ts}
			if to := m.Addressing.Elem("To"); to != nil {
				targets = append(targets, to)
			}
			if _, err := s.sign(targets, s.suite.SymmetricSig, sessionEndorse.key, sessionEndorse.keyInfo, s.ids.next("SIG")); err != nil {
				return err
			}
		}
		if len(endorsing) > 0 {
			// WCF's CertificateOverTransport: the client certificate
			// endorses the Timestamp (and wsa:To, as the session
			// endorsement above).
			if ts == nil {
				return errors.New("wssecurity: an endorsing certificate over a transport binding signs the Timestamp: the policy needs one")
			}
			targets := []*etree.Element{ts}
			if to := m.Addressing.Elem("To"); to != nil {
				targets = append(targets, to)
			}
			for i, key := range endorsing {
				if _, err := s.sign(targets, s.suite.AsymmetricSig, key, endorsingInfo[i], s.ids.next("SIG")); err != nil {
					return err
				}
			}
		}
		return nil
	}

	var k *keys
	var err error
	if p.Binding == SymmetricBinding {
		k, err = s.symmetricKeys()
	} else {
		k, err = s.asymmetricKeys()
	}
	if err != nil {
		return err
	}

	// Header layout: Timestamp first (last with LaxTsLast), then tokens
	// before their use, a ReferenceList before what it decrypts, the
	// signatures, and the ReferenceList of what was encrypted after
	// signing.
	if ts != nil && p.Layout != LaxTsLast {
		s.sec.AddChild(ts)
	}
	for _, t := range k.tokens {
		s.sec.AddChild(t)
	}
	preList := etree.NewElement("placeholder-pre")
	s.sec.AddChild(preList)
	for _, t := range supportTokens {
		s.sec.AddChild(t)
	}

	if ts != nil {
		signTargets = append([]*etree.Element{ts}, signTargets...)
	}
	var confirmations []*etree.Element
	if !s.initiator && p.RequireSignatureConfirmation && p.WSS == WSS11 {
		for _, sc := range s.signatureConfirmations() {
			s.sec.AddChild(sc)
			signTargets = append(signTargets, sc)
			confirmations = append(confirmations, sc)
		}
	}
	if p.ProtectTokens && k.signingToken != nil {
		signTargets = append(signTargets, k.signingToken)
	}
	if p.SignedParts.Body {
		signTargets = append(signTargets, m.Body)
	}
	for _, t := range headerTokens(m) {
		h, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if h != s.sec && p.SignedParts.Includes(xmlutil.ElementName(h)) {
			signTargets = append(signTargets, h)
		}
	}

	encCipher, err := newBlockCipher(s.suite.Encryption, k.encKey)
	if err != nil {
		return err
	}
	// WS-Security 1.0: the EncryptedKey lists what its key encrypted after
	// signing, and that EncryptedData carries no KeyInfo.
	nested := s.wss10() && k.encEK != nil && p.Order != EncryptBeforeSign && !slices.Contains(signTargets, k.encEK)
	encKeyInfo := k.encKeyInfo
	if nested {
		encKeyInfo = func() *etree.Element { return nil }
	}
	encrypt := func(el *etree.Element, typ string) (string, error) {
		id := s.ids.next("ED")
		if _, err := xmlenc.EncryptElement(el, encCipher, typ, id, encKeyInfo(), s.r); err != nil {
			return "", err
		}
		return id, nil
	}
	var preIDs, postIDs []string
	// An empty Body is encrypted too (an EncryptedData of no content), as
	// WCF and Metro send their WS-RM control and acknowledgement messages:
	// a peer whose policy says EncryptedParts Body refuses a plain one.
	bodyEncrypted := p.EncryptedParts.Body
	if bodyEncrypted && p.Order == EncryptBeforeSign {
		id, err := encrypt(m.Body, xmlenc.TypeContent)
		if err != nil {
			return err
		}
		postIDs = append(postIDs, id)
	}

	sig, err := s.sign(signTargets, k.sigMethod, k.sigKey, k.sigKeyInfo, s.ids.next("SIG"))
	if err != nil {
		return err
	}
	sigs := []*etree.Element{sig.Element}
	s.ex.sigValues = [][]byte{sig.SignatureValue}
	for i, key := range endorsing {
		es, err := s.sign([]*etree.Element{sig.Element}, s.suite.AsymmetricSig, key, endorsingInfo[i], s.ids.next("SIG"))
		if err != nil {
			return err
		}
		sigs = append(sigs, es.Element)
		s.ex.sigValues = append(s.ex.sigValues, es.SignatureValue)
	}
	if ts != nil && p.Layout == LaxTsLast {
		s.sec.AddChild(ts)
	}

	if bodyEncrypted && p.Order != EncryptBeforeSign {
		id, err := encrypt(m.Body, xmlenc.TypeContent)
		if err != nil {
			return err
		}
		preIDs = append(preIDs, id)
	}
	for _, el := range encTargets {
		id, err := encrypt(el, xmlenc.TypeElement)
		if err != nil {
			return err
		}
		preIDs = append(preIDs, id)
	}
	// Headers listed in EncryptedParts travel as WSS 1.1 EncryptedHeaders,
	// so intermediaries still see mustUnderstand and the role.
	for _, h := range m.Headers() {
		if h == s.sec || !p.EncryptedParts.Includes(xmlutil.ElementName(h)) {
			continue
		}
		edID := s.ids.next("ED")
		if _, err := xmlenc.EncryptHeader(h, m.Version.Namespace(), encCipher, s.ids.next("EH"), edID, k.encKeyInfo(), s.r); err != nil {
			return err
		}
		preIDs = append(preIDs, edID)
	}
	if p.EncryptSignature {
		// The confirmations carry signature values: WSS4J requires them
		// encrypted with the signature.
		for _, el := range append(confirmations, sigs...) {
			id, err := encrypt(el, xmlenc.TypeElement)
			if err != nil {
				return err
			}
			preIDs = append(preIDs, id)
		}
	}
	if len(preIDs) > 0 && nested {
		if err := xmlenc.AddDataReferences(k.encEK, preIDs); err != nil {
			return err
		}
	} else if len(preIDs) > 0 {
		rl, err := xmlenc.NewReferenceList(preIDs)
		if err != nil {
			return err
		}
		s.sec.InsertChildAt(preList.Index(), rl)
	}
	s.sec.RemoveChild(preList)
	if len(postIDs) > 0 {
		rl, err := xmlenc.NewReferenceList(postIDs)
		if err != nil {
			return err
		}
		s.sec.AddChild(rl)
	}
	return nil
}

// sign signs targets and appends the Signature to the Security header.
func (s *sender) sign(targets []*etree.Element, method string, key any, keyInfo *etree.Element, id string) (*dsig.Signature, error) {
	refs := make([]dsig.Reference, 0, len(targets))
	for _, t := range targets {
		refs = append(refs, dsig.Reference{Element: t, ID: s.ids.ensureID(t, "id"), DigestMethod: s.suite.Digest})
	}
	sig, err := dsig.Sign(dsig.SignOptions{
		References:      refs,
		SignatureMethod: method,
		Key:             key,
		ID:              id,
		KeyInfo:         dsig.NewKeyInfo(keyInfo),
		Context:         s.sec,
		Rand:            s.r,
	})
	if err != nil {
		return nil, fmt.Errorf("wssecurity: signing: %w", err)
	}
	s.sec.AddChild(sig.Element)
	return sig, nil
}

// signatureConfirmations echoes the request's signature values (WSS 1.1);
// a request without signatures is confirmed by one element without Value.
func (s *sender) signatureConfirmations() []*etree.Element {
	mk := func(v []byte) *etree.Element {
		el := wsse.NewTokenElement(wsse.PrefixWSSE11, wsse.NSWSSE11, "SignatureConfirmation")
		wsse.SetWSUID(el, s.ids.next("SC"))
		if v != nil {
			el.CreateAttr("Value", base64.StdEncoding.EncodeToString(v))
		}
		return el
	}
	if s.ex == nil || len(s.ex.sigValues) == 0 {
		return []*etree.Element{mk(nil)}
	}
	out := make([]*etree.Element, 0, len(s.ex.sigValues))
	for _, v := range s.ex.sigValues {
		out = append(out, mk(v))
	}
	return out
}

// sessionEndorsement is the key and reference of an endorsing session
// token.
type sessionEndorsement struct {
	key     []byte
	keyInfo *etree.Element
}
