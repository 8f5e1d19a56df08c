package wssecurity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
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

func secHeader(m *soap.Message) *etree.Element { return m.FindHeader(NSWSSE, "Security") }

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
	if a := soap.AttrNS(m.Body, NSWSU, "Id"); a != nil {
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

func TestSignatureWrappingAttacks(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	tests := []struct {
		name   string
		policy Policy
		tamper func(m *soap.Message)
	}{
		{"body into header wrapper, same id", signOnlyPolicy(), func(m *soap.Message) { moveBody(m, "same", inHeaderFirst) }},
		{"body into header wrapper, new id", signOnlyPolicy(), func(m *soap.Message) { moveBody(m, "new-id", inHeaderFirst) }},
		{"body into header wrapper, no id", signOnlyPolicy(), func(m *soap.Message) { moveBody(m, "", inHeaderLast) }},
		{"body into Security header", signOnlyPolicy(), func(m *soap.Message) { moveBody(m, "", inSecurity) }},
		{"body into foreign-role header", signOnlyPolicy(), func(m *soap.Message) { moveBody(m, "", inForeignRole) }},
		{"body wrapped inside the new Body", signOnlyPolicy(), func(m *soap.Message) {
			orig := m.Body.Copy()
			for len(m.Body.Child) > 0 {
				m.Body.RemoveChildAt(0)
			}
			w := newEl("x:Wrapper", "urn:x")
			w.AddChild(orig)
			m.Body.AddChild(w)
			if a := soap.AttrNS(m.Body, NSWSU, "Id"); a != nil {
				m.Body.RemoveAttr(a.Space + ":Id")
			}
		}},
		{"signed Timestamp wrapped, fresh unsigned one", signOnlyPolicy(), func(m *soap.Message) {
			sec := secHeader(m)
			ts := childByTag(sec, "Timestamp")
			sec.RemoveChild(ts)
			w := newEl("x:Wrapper", "urn:x")
			w.AddChild(ts)
			m.AddHeader(w)
			sec.InsertChildAt(0, NewTimestamp(time.Now(), time.Hour, "fresh"))
		}},
		{"two Timestamps", signOnlyPolicy(), func(m *soap.Message) {
			secHeader(m).AddChild(NewTimestamp(time.Now(), time.Minute, "ts-2"))
		}},
		{"wrapped signed To + unsigned To", signOnlyPolicy(), wrapHeader("To", "http://evil/")},
		{"wrapped signed Action + unsigned Action", signOnlyPolicy(), wrapHeader("Action", "urn:evil")},
		{"wrapped signed ReplyTo + unsigned ReplyTo", signOnlyPolicy(), wrapHeader("ReplyTo", "http://evil/")},
		{"Id confusion: ID attribute", signOnlyPolicy(), func(m *soap.Message) {
			w := newEl("x:W", "urn:x")
			w.CreateAttr("ID", wsuID(m.Body))
			m.AddHeader(w)
		}},
		{"Id confusion: xml:id", signOnlyPolicy(), func(m *soap.Message) {
			w := newEl("x:W", "urn:x")
			w.CreateAttr("xml:id", wsuID(m.Body))
			m.AddHeader(w)
		}},
		{"Id confusion: Id attribute", signOnlyPolicy(), func(m *soap.Message) {
			w := newEl("x:W", "urn:x")
			w.CreateAttr("Id", wsuID(m.Body))
			m.AddHeader(w)
		}},
		{"Id confusion: wsu:Id under another prefix", signOnlyPolicy(), func(m *soap.Message) {
			w := newEl("x:W", "urn:x")
			w.CreateAttr("xmlns:zz", NSWSU)
			w.CreateAttr("zz:Id", wsuID(m.Body))
			m.AddHeader(w)
		}},
		{"prefix rebinding of the signed payload", signOnlyPolicy(), func(m *soap.Message) {
			p := m.Payload()
			p.RemoveAttr("xmlns:e")
			p.CreateAttr("xmlns:e", "urn:evil")
		}},
		{"prefix renamed in the signed payload", signOnlyPolicy(), func(m *soap.Message) {
			p := m.Payload()
			p.RemoveAttr("xmlns:e")
			p.CreateAttr("xmlns:f", "urn:echo")
			p.Space = "f"
		}},
		{"duplicated EncryptedData in a wrapper", AnonymousForCertificate(Basic256), func(m *soap.Message) {
			ed := childByTag(m.Body, "EncryptedData")
			w := newEl("x:Wrapper", "urn:x")
			w.AddChild(ed.Copy())
			m.AddHeader(w)
		}},
		{"duplicated EncryptedData in the Security header", AnonymousForCertificate(Basic256), func(m *soap.Message) {
			ed := childByTag(m.Body, "EncryptedData")
			secHeader(m).AddChild(ed.Copy())
		}},
		{"body encryption removed", AnonymousForCertificate(Basic256), func(m *soap.Message) {
			for len(m.Body.Child) > 0 {
				m.Body.RemoveChildAt(0)
			}
			m.Body.AddChild(evilPayload())
		}},
		{"HMAC truncation", signOnlyPolicy(), func(m *soap.Message) {
			sm := m.Envelope.FindElement(".//SignatureMethod")
			sm.CreateElement("ds:HMACOutputLength").SetText("80")
		}},
		{"signature algorithm downgrade", signOnlyPolicy(), func(m *soap.Message) {
			sm := m.Envelope.FindElement(".//SignatureMethod")
			sm.CreateAttr("Algorithm", AlgRSASHA1)
		}},
		{"encryption algorithm downgrade", AnonymousForCertificate(Basic256), func(m *soap.Message) {
			em := childByTag(m.Body, "EncryptedData").FindElement("EncryptionMethod")
			em.CreateAttr("Algorithm", AlgAES128CBC)
		}},
		{"key transport downgrade to RSA 1.5", AnonymousForCertificate(Basic256), func(m *soap.Message) {
			em := childByTag(secHeader(m), "EncryptedKey").FindElement("EncryptionMethod")
			em.CreateAttr("Algorithm", AlgRSA15)
		}},
		{"unknown token reference", signOnlyPolicy(), func(m *soap.Message) {
			ref := m.Envelope.FindElement(".//Signature/KeyInfo/SecurityTokenReference/Reference")
			ref.CreateAttr("URI", "#nothing-here")
		}},
		{"oversized KeyIdentifier", signOnlyPolicy(), func(m *soap.Message) {
			ki := childByTag(secHeader(m), "EncryptedKey").FindElement(".//KeyIdentifier")
			ki.SetText(strings.Repeat("QUFB", 40000))
		}},
		{"derived key referencing itself", func() Policy {
			p := signOnlyPolicy()
			p.ProtectionToken = serviceCert(true)
			return p
		}(), func(m *soap.Message) {
			dk := childByTag(secHeader(m), "DerivedKeyToken")
			ref := dk.FindElement("SecurityTokenReference/Reference")
			ref.CreateAttr("URI", "#"+wsuID(dk))
		}},
		{"timestamp moved last under LaxTsFirst", func() Policy { p := signOnlyPolicy(); p.Layout = LaxTsFirst; return p }(), func(m *soap.Message) {
			sec := secHeader(m)
			ts := childByTag(sec, "Timestamp")
			sec.RemoveChild(ts)
			sec.AddChild(ts)
		}},
		{"token after its use under Strict", func() Policy {
			p := signOnlyPolicy()
			p.Layout = Strict
			return p
		}(), func(m *soap.Message) {
			sec := secHeader(m)
			ek := childByTag(sec, "EncryptedKey")
			sec.RemoveChild(ek)
			sec.AddChild(ek)
		}},
		{"Manifest in the signature", signOnlyPolicy(), func(m *soap.Message) {
			sig := m.Envelope.FindElement(".//Signature")
			obj := sig.CreateElement("ds:Object")
			obj.CreateElement("ds:Manifest")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLoop(t, tt.policy, ccfg, scfg)
			l.tamper = tt.tamper
			_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
			f, ok := soap.AsFault(err)
			require.True(t, ok, "want a fault, got %v", err)
			assert.Equal(t, soap.CodeSender, f.Code)
			assert.Equal(t, FaultInvalidSecurity, f.Subcode().Local)
			assert.Equal(t, verifyFailureReason, f.Reason(), "one uniform fault")
			assert.Zero(t, l.calls.Load(), "the app must not run")
			t.Logf("rejected because: %v", f.Cause)
		})
	}
}

func TestTimestampFreshnessAttacks(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	for name, shift := range map[string]time.Duration{"expired": -2 * time.Hour, "from the future": 2 * time.Hour} {
		t.Run(name, func(t *testing.T) {
			c := ccfg
			c.Now = func() time.Time { return time.Now().Add(shift) }
			l := newLoop(t, signOnlyPolicy(), c, scfg)
			_, err := l.client.Call(context.Background(), echoRequest(t, "x"))
			f, ok := soap.AsFault(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, FaultInvalidSecurity, f.Subcode().Local)
			if shift < 0 {
				assert.ErrorIs(t, f, ErrExpired)
			}
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
	// Drop wsu:Created from a digest token.
	j := strings.Index(doc, "<wsu:Created>")
	if j < 0 {
		j = strings.Index(doc, ":Created>")
		j = strings.LastIndex(doc[:j], "<")
	}
	k := strings.Index(doc[j:], "Created>") + j
	k = strings.Index(doc[k+8:], "Created>") + k + 8 + len("Created>")
	noCreated := doc[:j] + doc[k:]
	require.Error(t, send([]byte(noCreated)), "a digest without Created")
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
