package wssecurity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/dsig"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signOnlyPolicy signs the Body, Timestamp and addressing headers without
// encrypting anything, so that wrapping attacks can move signed parts.
func signOnlyPolicy() Policy {
	p := AnonymousForCertificate(Basic256)
	p.EncryptedParts = Parts{}
	p.EncryptSignature = false
	p.RequireSignatureConfirmation = false
	return p
}

func newEl(tag, ns string) *etree.Element {
	prefix, _, _ := strings.Cut(tag, ":")
	el := etree.NewElement(tag)
	el.CreateAttr("xmlns:"+prefix, ns)
	return el
}

func secHeader(m *soap.Message) *etree.Element { return m.FindHeader(wsse.NSWSSE, "Security") }

func childByTag(el *etree.Element, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			return c
		}
	}
	return nil
}

// evilPayload is what an attacker wants the application to process.
func evilPayload() *etree.Element {
	e := newEl("e:echo", "urn:echo")
	e.SetText("evil")
	return e
}

// moveBody moves the signed Body's content into a wrapper placed by place
// and gives the Envelope a new Body with the attacker's payload; id is the
// wsu:Id of the new Body ("" for none, "same" for the original one).
func moveBody(m *soap.Message, id string, place func(m *soap.Message, wrapper *etree.Element)) {
	orig := m.Body.Copy()
	w := newEl("x:Wrapper", "urn:x")
	w.AddChild(orig)
	place(m, w)
	for len(m.Body.Child) > 0 {
		m.Body.RemoveChildAt(0)
	}
	if a := xmlutil.AttrNS(m.Body, wsse.NSWSU, "Id"); a != nil {
		switch id {
		case "same":
		case "":
			m.Body.RemoveAttr(a.Space + ":Id")
		default:
			a.Value = id
		}
	}
	m.Body.AddChild(evilPayload())
}

func inHeaderFirst(m *soap.Message, w *etree.Element) { m.Header.InsertChildAt(0, w) }
func inHeaderLast(m *soap.Message, w *etree.Element)  { m.AddHeader(w) }
func inSecurity(m *soap.Message, w *etree.Element)    { secHeader(m).AddChild(w) }
func inForeignRole(m *soap.Message, w *etree.Element) {
	w.CreateAttr("s:role", "urn:somebody-else")
	w.CreateAttr("s:mustUnderstand", "0")
	m.AddHeader(w)
}

// wrapHeader moves a signed addressing header into a wrapper and adds an
// unsigned replacement with the attacker's value.
func wrapHeader(local, value string) func(m *soap.Message) {
	return func(m *soap.Message) {
		h := m.Addressing.Elem(local)
		m.Header.RemoveChild(h)
		w := newEl("x:Wrapper", "urn:x")
		w.AddChild(h)
		m.AddHeader(w)
		n := newEl("a:"+local, soap.NSWSA200408)
		if local == "ReplyTo" {
			n.CreateElement("a:Address").SetText(value)
		} else {
			n.SetText(value)
		}
		m.AddHeader(n)
	}
}

// wrapHeaderOnly moves a signed addressing header into a wrapper header
// and puts nothing in its place.
func wrapHeaderOnly(local string) func(m *soap.Message) {
	return func(m *soap.Message) {
		h := m.Addressing.Elem(local)
		m.Header.RemoveChild(h)
		w := newEl("x:Wrapper", "urn:x")
		w.AddChild(h)
		m.AddHeader(w)
	}
}

func TestSignatureWrappingAttacks(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	atk := &attacker{t: t, pki: pki}
	sha256SignOnly := func() Policy { p := signOnlyPolicy(); p.Suite = Basic256Sha256; return p }()
	mutualSignOnly := func() Policy {
		p := MutualCertificate(WSS10, Basic256Sha256)
		p.EncryptedParts = Parts{}
		p.EncryptSignature = false
		p.RequireSignatureConfirmation = false
		return p
	}()
	plainClient := func() *Policy {
		p := AnonymousForCertificate(Basic256)
		p.EncryptedParts = Parts{}
		return &p
	}()
	sessionKey := func(m *soap.Message) []byte { return atk.sessionKey(m, 32) }
	tests := []attackCase{
		{name: "body into header wrapper, same id", policy: signOnlyPolicy(), want: dsig.ErrDuplicateID,
			tamper: func(m *soap.Message) { moveBody(m, "same", inHeaderFirst) }},
		{name: "body into header wrapper, new id", policy: signOnlyPolicy(), want: ErrNotSigned, detail: "Body",
			tamper: func(m *soap.Message) { moveBody(m, "new-id", inHeaderFirst) }},
		{name: "body into header wrapper, no id", policy: signOnlyPolicy(), want: ErrNotSigned, detail: "Body",
			tamper: func(m *soap.Message) { moveBody(m, "", inHeaderLast) }},
		{name: "body into Security header", policy: signOnlyPolicy(), want: ErrMisplaced, detail: "unsupported element Wrapper",
			tamper: func(m *soap.Message) { moveBody(m, "", inSecurity) }},
		{name: "body into foreign-role header", policy: signOnlyPolicy(), want: ErrNotSigned, detail: "Body",
			tamper: func(m *soap.Message) { moveBody(m, "", inForeignRole) }},
		{name: "body wrapped inside the new Body", policy: signOnlyPolicy(), want: ErrNotSigned, detail: "Body", tamper: func(m *soap.Message) {
			orig := m.Body.Copy()
			for len(m.Body.Child) > 0 {
				m.Body.RemoveChildAt(0)
			}
			w := newEl("x:Wrapper", "urn:x")
			w.AddChild(orig)
			m.Body.AddChild(w)
			if a := xmlutil.AttrNS(m.Body, wsse.NSWSU, "Id"); a != nil {
				m.Body.RemoveAttr(a.Space + ":Id")
			}
		}},
		{name: "signed Timestamp wrapped, fresh unsigned one", policy: signOnlyPolicy(), want: ErrNotSigned, detail: "Timestamp", tamper: func(m *soap.Message) {
			sec := secHeader(m)
			ts := childByTag(sec, "Timestamp")
			sec.RemoveChild(ts)
			w := newEl("x:Wrapper", "urn:x")
			w.AddChild(ts)
			m.AddHeader(w)
			sec.InsertChildAt(0, wsse.NewTimestamp(time.Now(), time.Hour, "fresh"))
		}},
		{name: "two Timestamps", policy: signOnlyPolicy(), want: ErrDuplicate, detail: "Timestamp", tamper: func(m *soap.Message) {
			secHeader(m).AddChild(wsse.NewTimestamp(time.Now(), time.Minute, "ts-2"))
		}},
		{name: "wrapped signed To + unsigned To", policy: signOnlyPolicy(), want: ErrNotSigned, detail: "To", tamper: wrapHeader("To", "http://evil/")},
		{name: "wrapped signed Action + unsigned Action", policy: signOnlyPolicy(), want: ErrNotSigned, detail: "Action", tamper: wrapHeader("Action", "urn:evil")},
		{name: "wrapped signed ReplyTo + unsigned ReplyTo", policy: signOnlyPolicy(), want: ErrNotSigned, detail: "ReplyTo", tamper: wrapHeader("ReplyTo", "http://evil/")},
		// Nothing in the moved header's place: no To left to check, so
		// another endpoint sharing the keys would accept the message.
		{name: "signed To wrapped, none in its place", policy: signOnlyPolicy(), want: ErrMisplaced, detail: "WS-Addressing To", tamper: wrapHeaderOnly("To")},
		{name: "signed Action wrapped, none in its place", policy: signOnlyPolicy(), want: ErrMisplaced, detail: "WS-Addressing Action", tamper: wrapHeaderOnly("Action")},
		{name: "signed MessageID wrapped, none in its place", policy: signOnlyPolicy(), want: ErrMisplaced, detail: "WS-Addressing MessageID", tamper: wrapHeaderOnly("MessageID")},
		{name: "signed To inside the Security header", policy: signOnlyPolicy(), want: ErrMisplaced, tamper: func(m *soap.Message) {
			h := m.Addressing.Elem("To")
			m.Header.RemoveChild(h)
			secHeader(m).AddChild(h)
		}},
		{name: "Id confusion: ID attribute", policy: signOnlyPolicy(), want: dsig.ErrDuplicateID, tamper: func(m *soap.Message) {
			w := newEl("x:W", "urn:x")
			w.CreateAttr("ID", wsse.WSUID(m.Body))
			m.AddHeader(w)
		}},
		{name: "Id confusion: xml:id", policy: signOnlyPolicy(), want: dsig.ErrDuplicateID, tamper: func(m *soap.Message) {
			w := newEl("x:W", "urn:x")
			w.CreateAttr("xml:id", wsse.WSUID(m.Body))
			m.AddHeader(w)
		}},
		{name: "Id confusion: Id attribute", policy: signOnlyPolicy(), want: dsig.ErrDuplicateID, tamper: func(m *soap.Message) {
			w := newEl("x:W", "urn:x")
			w.CreateAttr("Id", wsse.WSUID(m.Body))
			m.AddHeader(w)
		}},
		{name: "Id confusion: wsu:Id under another prefix", policy: signOnlyPolicy(), want: dsig.ErrDuplicateID, tamper: func(m *soap.Message) {
			w := newEl("x:W", "urn:x")
			w.CreateAttr("xmlns:zz", wsse.NSWSU)
			w.CreateAttr("zz:Id", wsse.WSUID(m.Body))
			m.AddHeader(w)
		}},
		{name: "prefix rebinding of the signed payload", policy: signOnlyPolicy(), want: dsig.ErrInvalidSignature, detail: "digest", tamper: func(m *soap.Message) {
			p := m.Payload()
			p.RemoveAttr("xmlns:e")
			p.CreateAttr("xmlns:e", "urn:evil")
		}},
		{name: "prefix renamed in the signed payload", policy: signOnlyPolicy(), want: dsig.ErrInvalidSignature, detail: "digest", tamper: func(m *soap.Message) {
			p := m.Payload()
			p.RemoveAttr("xmlns:e")
			p.CreateAttr("xmlns:f", "urn:echo")
			p.Space = "f"
		}},
		{name: "duplicated EncryptedData in a wrapper", policy: AnonymousForCertificate(Basic256), want: dsig.ErrDuplicateID, tamper: func(m *soap.Message) {
			ed := childByTag(m.Body, "EncryptedData")
			w := newEl("x:Wrapper", "urn:x")
			w.AddChild(ed.Copy())
			m.AddHeader(w)
		}},
		{name: "duplicated EncryptedData in the Security header", policy: AnonymousForCertificate(Basic256), want: dsig.ErrDuplicateID, tamper: func(m *soap.Message) {
			ed := childByTag(m.Body, "EncryptedData")
			secHeader(m).AddChild(ed.Copy())
		}},
		{name: "body ciphertext replaced by cleartext", policy: AnonymousForCertificate(Basic256), want: ErrFailedCheck, detail: "no EncryptedData", tamper: func(m *soap.Message) {
			for len(m.Body.Child) > 0 {
				m.Body.RemoveChildAt(0)
			}
			m.Body.AddChild(evilPayload())
		}},
		// A correctly signed message from a sender that does not encrypt
		// the Body the policy requires encrypted.
		{name: "body sent in clear, correctly signed", policy: AnonymousForCertificate(Basic256), client: plainClient,
			want: ErrNotEncrypted, detail: "Body"},
		// The truncation check runs before any cryptography, so a valid
		// truncated MAC would be refused the same way.
		{name: "HMAC truncation", policy: signOnlyPolicy(), want: dsig.ErrInvalidSignature, detail: "HMACOutputLength", tamper: func(m *soap.Message) {
			sm := m.Envelope.FindElement(".//SignatureMethod")
			sm.CreateElement("ds:HMACOutputLength").SetText("80")
		}},
		{name: "re-signed, untouched (control)", policy: sha256SignOnly, want: nil, tamper: func(m *soap.Message) {
			atk.resign(m, sessionKey(m), "", "")
		}},
		{name: "signature algorithm downgrade, re-signed", policy: sha256SignOnly, want: dsig.ErrUnsupportedAlgorithm, detail: "hmac-sha1", tamper: func(m *soap.Message) {
			atk.resign(m, sessionKey(m), wsse.AlgHMACSHA1, "")
		}},
		{name: "digest algorithm downgrade, re-signed", policy: sha256SignOnly, want: dsig.ErrUnsupportedAlgorithm, detail: "sha1", tamper: func(m *soap.Message) {
			atk.resign(m, sessionKey(m), "", wsse.AlgSHA1)
		}},
		{name: "asymmetric, re-signed, untouched (control)", policy: mutualSignOnly, want: nil, tamper: func(m *soap.Message) {
			atk.resign(m, pki.client.Key, "", "")
		}},
		{name: "asymmetric signature downgrade, re-signed", policy: mutualSignOnly, want: dsig.ErrUnsupportedAlgorithm, detail: "rsa-sha1", tamper: func(m *soap.Message) {
			atk.resign(m, pki.client.Key, wsse.AlgRSASHA1, "")
		}},
		{name: "asymmetric method with the symmetric key", policy: signOnlyPolicy(), want: dsig.ErrInvalidKey, detail: "needs an RSA public key", tamper: func(m *soap.Message) {
			sm := m.Envelope.FindElement(".//SignatureMethod")
			sm.CreateAttr("Algorithm", wsse.AlgRSASHA1)
		}},
		{name: "encryption algorithm downgrade", policy: AnonymousForCertificate(Basic256), want: ErrUnsupportedAlgorithm, detail: "encryption", tamper: func(m *soap.Message) {
			em := childByTag(m.Body, "EncryptedData").FindElement("EncryptionMethod")
			em.CreateAttr("Algorithm", wsse.AlgAES128CBC)
		}},
		{name: "key transport downgrade to RSA 1.5", policy: AnonymousForCertificate(Basic256), want: ErrUnsupportedAlgorithm, detail: "key transport", tamper: func(m *soap.Message) {
			em := childByTag(secHeader(m), "EncryptedKey").FindElement("EncryptionMethod")
			em.CreateAttr("Algorithm", wsse.AlgRSA15)
		}},
		{name: "unknown token reference", policy: signOnlyPolicy(), want: ErrTokenUnavailable, detail: "nothing-here", tamper: func(m *soap.Message) {
			ref := m.Envelope.FindElement(".//Signature/KeyInfo/SecurityTokenReference/Reference")
			ref.CreateAttr("URI", "#nothing-here")
		}},
		{name: "oversized KeyIdentifier", policy: signOnlyPolicy(), want: ErrInvalidToken, detail: "KeyIdentifier is longer", tamper: func(m *soap.Message) {
			ki := childByTag(secHeader(m), "EncryptedKey").FindElement(".//KeyIdentifier")
			ki.SetText(strings.Repeat("QUFB", 40000))
		}},
		{name: "derived key referencing itself", policy: func() Policy {
			p := signOnlyPolicy()
			p.ProtectionToken = serviceCert(true)
			return p
		}(), want: ErrInvalidToken, detail: "reference loop", tamper: func(m *soap.Message) {
			dk := childByTag(secHeader(m), "DerivedKeyToken")
			ref := dk.FindElement("SecurityTokenReference/Reference")
			ref.CreateAttr("URI", "#"+wsse.WSUID(dk))
		}},
		{name: "timestamp moved last under LaxTsFirst", policy: func() Policy { p := signOnlyPolicy(); p.Layout = LaxTsFirst; return p }(),
			want: ErrLayout, detail: "LaxTsFirst", tamper: func(m *soap.Message) {
				sec := secHeader(m)
				ts := childByTag(sec, "Timestamp")
				sec.RemoveChild(ts)
				sec.AddChild(ts)
			}},
		{name: "token after its use under Strict", policy: func() Policy {
			p := signOnlyPolicy()
			p.Layout = Strict
			return p
		}(), want: ErrLayout, detail: "Strict", tamper: func(m *soap.Message) {
			sec := secHeader(m)
			ek := childByTag(sec, "EncryptedKey")
			sec.RemoveChild(ek)
			sec.AddChild(ek)
		}},
		{name: "Manifest in the signature", policy: signOnlyPolicy(), want: dsig.ErrMalformed, detail: "Object", tamper: func(m *soap.Message) {
			sig := m.Envelope.FindElement(".//Signature")
			obj := sig.CreateElement("ds:Object")
			obj.CreateElement("ds:Manifest")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { atk.t = t; tt.run(t, ccfg, scfg) })
	}
}

func TestTimestampFreshnessAttacks(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	for name, tt := range map[string]struct {
		shift time.Duration
		want  error
	}{"expired": {-2 * time.Hour, ErrExpired}, "from the future": {2 * time.Hour, ErrCreatedInFuture}} {
		shift := tt.shift
		t.Run(name, func(t *testing.T) {
			c := ccfg
			c.Now = func() time.Time { return time.Now().Add(shift) }
			l := newLoop(t, signOnlyPolicy(), c, scfg)
			_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
			f, ok := soap.AsFault(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, FaultInvalidSecurity, f.Subcode().Local)
			assert.ErrorIs(t, f, tt.want, "the wrong defence fired")
			assert.Zero(t, l.calls.Load())
		})
	}
}

// TestUsernameTokenReplayAttacks replays a transport-binding request whose
// UsernameToken uses a digest: the same nonce, even re-encoded, is refused;
// a digest without Created is refused.
func TestUsernameTokenReplayAttacks(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := UserNameOverTransport()
	p.Supporting[0].Token.PasswordDigest = true
	scfg.Usernames = &UsernameTokenVerifier{
		LookupPassword: func(ctx context.Context, user string) (string, error) { return "clarinet", nil },
	}
	scfg.Replay = NewMemoryReplayCache() // shared by both server layers below
	scfg.AllowInsecureTransport = true   // send() below has no TLS peer
	var captured []byte
	l := newLoop(t, p, ccfg, scfg)
	l.tamper = func(m *soap.Message) { captured, _ = m.Bytes() }
	_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
	require.NoError(t, err)

	sl, err := ServerLayer(p, scfg)
	require.NoError(t, err)
	calls := 0
	srv := soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		calls++
		return nil, nil
	}), sl)
	send := func(b []byte) error {
		m, err := soap.ParseMessage(b, soap.Limits{})
		require.NoError(t, err)
		_, err = srv.ServeSOAP(context.Background(), m)
		return err
	}
	require.ErrorIs(t, send(captured), ErrReplay, "a straight replay")
	// Re-encode the nonce: line breaks inside the base64 text.
	doc := string(captured)
	i := strings.Index(doc, "Nonce")
	i += strings.Index(doc[i:], ">") + 1
	reencoded := doc[:i+8] + "\r\n" + doc[i+8:]
	require.ErrorIs(t, send([]byte(reencoded)), ErrReplay, "a replay with a re-encoded nonce")
	// Drop wsu:Created from the digest token (not the Timestamp's, which
	// comes first and would be refused for another reason).
	m, err := soap.ParseMessage(captured, soap.Limits{})
	require.NoError(t, err)
	ut := childByTag(secHeader(m), "UsernameToken")
	if ut == nil {
		ut = m.Envelope.FindElement("//UsernameToken")
	}
	require.NotNil(t, ut)
	created := ut.SelectElement("Created")
	require.NotNil(t, created)
	ut.RemoveChild(created)
	noCreated, err := m.Bytes()
	require.NoError(t, err)
	err = send(noCreated)
	require.ErrorIs(t, err, ErrFailedAuthentication, "a digest without Created")
	f, ok := soap.AsFault(err)
	require.True(t, ok)
	require.ErrorContains(t, f.Cause, "without Created")
	assert.Zero(t, calls)
}

// TestSOAPActionSpoofing sends a request whose signed wsa:Action names one
// operation with an HTTP SOAPAction naming another: the dispatcher must
// refuse it rather than follow the unsigned transport header.
func TestSOAPActionSpoofing(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := signOnlyPolicy()
	mux := soap.NewServeMux()
	called := map[string]int{}
	for _, a := range []string{"urn:echo", "urn:admin"} {
		mux.HandleFunc(a, func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			called[a]++
			return soap.Reply(req, a+"Response", nil)
		})
	}
	sl, err := ServerLayer(p, scfg)
	require.NoError(t, err)
	srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(mux, sl), soap.WithEndpointAddress("http://svc/")))
	defer srv.Close()
	req := echoRequest(t, "x")
	req.Header.RemoveChild(req.FindHeader("urn:custom", "Secret"))
	_, err = SecureRequest(context.Background(), p, &ccfg, req)
	require.NoError(t, err)
	body, err := req.Bytes()
	require.NoError(t, err)
	hreq, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(string(body)))
	require.NoError(t, err)
	hreq.Header.Set("Content-Type", `application/soap+xml; action="urn:admin"`)
	resp, err := http.DefaultClient.Do(hreq)
	require.NoError(t, err)
	defer resp.Body.Close()
	m, err := soap.ReadMessage(resp.Body, soap.Limits{})
	require.NoError(t, err)
	f, err := m.Fault()
	require.NoError(t, err)
	require.NotNil(t, f)
	assert.Equal(t, "ActionMismatch", f.Subcode().Local)
	assert.Empty(t, called)
}
