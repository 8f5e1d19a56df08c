package wssecurity

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wsstest"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkWSS10 reports the WS-Security 1.1 constructs in a serialized
// message signed before it was encrypted (wsstest.WSS11Constructs).
func checkWSS10(msg []byte) error { return wsstest.WSS11Constructs(msg, false) }

// capture is a client/server pair with possibly different policies that
// records the request and the reply as sent.
type capture struct {
	client     soap.Invoker
	req, reply []byte
}

func newCapture(t *testing.T, cp, sp Policy, ccfg, scfg Config) *capture {
	t.Helper()
	c := &capture{}
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:echoResponse", req.Payload().Copy())
	})
	sl, err := ServerLayer(sp, scfg)
	require.NoError(t, err)
	server := soap.ChainHandler(app, sl)
	transport := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		in := wire(t, req)
		c.req, _ = in.Bytes()
		resp, err := server.ServeSOAP(ctx, in)
		if err != nil {
			return nil, err
		}
		out := wire(t, resp)
		c.reply, _ = out.Bytes()
		return out, nil
	})
	cl, err := ClientLayer(cp, ccfg)
	require.NoError(t, err)
	c.client = soap.ChainInvoker(transport, cl)
	return c
}

// insecure allows a transport binding without TLS (the capture runs in
// process, without a transport).
func insecure(c Config) Config {
	c.AllowInsecureTransport = true
	return c
}

func plainEcho(t *testing.T, text string) *soap.Message {
	m := echoRequest(t, text)
	if h := m.FindHeader("urn:custom", "Secret"); h != nil {
		m.Header.RemoveChild(h)
	}
	return m
}

// TestWSS10PoliciesWriteWSS10 is the regression test of issue 13: under a
// WSS10 policy requests and replies carry no WS-Security 1.1 construct; the
// EncryptedKey lists what it encrypted and EncryptedData have no KeyInfo.
func TestWSS10PoliciesWriteWSS10(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	mutual := func(suite Suite, ref KeyReference, es bool, ut bool) Policy {
		p := MutualCertificate(WSS10, suite)
		p.RecipientToken.Reference, p.EncryptSignature = ref, es
		if ut {
			p.Supporting = []SupportingToken{{Token: Token{Kind: UsernameToken, Inclusion: IncludeAlwaysToRecipient}, Role: SignedEncryptedSupporting}}
		}
		return p
	}
	tests := []struct {
		name     string
		policy   Policy
		ccfg     Config
		scfg     Config
		nestedEK bool
	}{
		{"MutualCertificate10 IssuerSerial", mutual(Basic256, RefIssuerSerial, true, false), ccfg, scfg, true},
		{"MutualCertificate10 SKI", mutual(Basic256, RefSKI, true, false), ccfg, scfg, true},
		{"MutualCertificate10 TripleDesRsa15", mutual(TripleDesRsa15, RefSKI, true, false), ccfg, scfg, true},
		{"MutualCertificate10 signature in clear", mutual(Basic128, RefSKI, false, false), ccfg, scfg, true},
		{"MutualCertificate10 with a UsernameToken", mutual(Basic256, RefIssuerSerial, true, true), ccfg, scfg, true},
		{"UserNameOverTransport", func() Policy { p := UserNameOverTransport(); p.WSS = WSS10; return p }(), insecure(ccfg), insecure(scfg), false},
	}
	key := bytes.Repeat([]byte{7}, 32)
	for _, derived := range []bool{false, true} {
		p := scPolicy(derived)
		p.WSS = WSS10
		id := "urn:uuid:0c8b3f5e-1d2a-4e6f-9b7c-a41cd200000000"
		session := &SessionToken{Element: sctElement(wsse.NSWSC200502, "sct-1", id), Identifier: id, TokenType: wsse.NSWSC200502 + "/sct", Namespace: wsse.NSWSC200502, Key: key}
		tests = append(tests, struct {
			name     string
			policy   Policy
			ccfg     Config
			scfg     Config
			nestedEK bool
		}{fmt.Sprintf("session derived=%v", derived), p, Config{Session: session, TokenResolver: fakeSessions{id, key}}, Config{TokenResolver: fakeSessions{id, key}}, false})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCapture(t, tt.policy, tt.policy, tt.ccfg, tt.scfg)
			resp, err := c.client.Call(context.Background(), plainEcho(t, "pure 1.0"))
			require.NoError(t, err)
			assert.Equal(t, "pure 1.0", resp.Payload().Text())
			for dir, msg := range map[string][]byte{"request": c.req, "reply": c.reply} {
				assert.NoError(t, checkWSS10(msg), "%s:\n%s", dir, msg)
				if tt.policy.Binding != TransportBinding {
					assert.NotContains(t, string(msg), "pure 1.0", "%s: the Body is encrypted", dir)
				}
				if tt.nestedEK {
					assert.Contains(t, string(msg), "</xenc:CipherData><xenc:ReferenceList>", "%s: the EncryptedKey lists what it encrypted", dir)
				}
			}
		})
	}
}

// TestWSS11AsymmetricKeepsTokenTypes: a WSS11 policy still writes the BSP
// form (standalone ReferenceList, STR with wsse11:TokenType #EncryptedKey).
func TestWSS11AsymmetricKeepsTokenTypes(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := MutualCertificate(WSS10, Basic256)
	p.WSS = WSS11
	c := newCapture(t, p, p, ccfg, scfg)
	_, err := c.client.Call(context.Background(), plainEcho(t, "1.1"))
	require.NoError(t, err)
	assert.Contains(t, string(c.req), "wsse11:TokenType")
	assert.Error(t, checkWSS10(c.req))
}

// TestReceiversAcceptBothLayouts: whatever the policy's version, a receiver
// accepts the WS-Security 1.0 layout (ReferenceList inside the
// EncryptedKey) and the 1.1 one (standalone ReferenceList, EncryptedData
// naming the EncryptedKey by an STR with TokenType), in requests and
// replies, as WSS4J does.
func TestReceiversAcceptBothLayouts(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p10 := MutualCertificate(WSS10, Basic256)
	p10.RecipientToken.Reference = RefSKI
	p11 := p10
	p11.WSS = WSS11
	// The whole of WS-Security 1.1 on the 1.1 side: thumbprint references
	// and, in replies, SignatureConfirmation (encrypted with the signature,
	// so not visible on the wire).
	p11full := p10.Clone()
	p11full.WSS, p11full.RequireSignatureConfirmation = WSS11, true
	p11full.RecipientToken.Reference = RefThumbprint
	for _, tt := range []struct {
		name   string
		client Policy
		server Policy
	}{
		{"1.0 sender, 1.1 receiver", p10, p11},
		{"1.1 sender, 1.0 receiver", p11, p10},
		{"1.0 sender, 1.1 receiver with thumbprints and SignatureConfirmation", p10, p11full},
		// (A 1.1 client that requires SignatureConfirmation refuses a 1.0
		// service's replies, as it should: they confirm nothing.)
		{"1.1 sender with thumbprints, 1.0 receiver", func() Policy { p := p11full.Clone(); p.RequireSignatureConfirmation = false; return p }(), p10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCapture(t, tt.client, tt.server, ccfg, scfg)
			resp, err := c.client.Call(context.Background(), plainEcho(t, "either layout"))
			require.NoError(t, err)
			assert.Equal(t, "either layout", resp.Payload().Text())
			// Each side wrote its own version's layout.
			for dir, m := range map[string]struct {
				msg []byte
				p   Policy
			}{"request": {c.req, tt.client}, "reply": {c.reply, tt.server}} {
				if m.p.WSS == WSS10 {
					assert.NoError(t, checkWSS10(m.msg), dir)
					continue
				}
				assert.Contains(t, string(m.msg), "wsse11:TokenType", dir)
				if m.p.RecipientToken.Reference == RefThumbprint {
					assert.Contains(t, string(m.msg), "#ThumbprintSHA1", dir)
				}
			}
		})
	}
}

// TestWSS10PolicyRefusesWSS11Constructs: a WSS10 policy that needs a WSS
// 1.1 construct is refused when the layer is built, with ErrNeedsWSS11.
func TestWSS10PolicyRefusesWSS11Constructs(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	to10 := func(p Policy) Policy { p.WSS = WSS10; return p }
	tests := map[string]Policy{
		"thumbprint recipient": func() Policy {
			p := MutualCertificate(WSS10, Basic256)
			p.RecipientToken.Reference = RefThumbprint
			return p
		}(),
		"thumbprint endorsing token": func() Policy {
			p := MutualCertificate(WSS10, Basic256)
			p.Supporting = []SupportingToken{{Token: Token{Kind: X509Token, Inclusion: IncludeAlwaysToRecipient, Reference: RefThumbprint}, Role: EndorsingSupporting}}
			return p
		}(),
		"recipient token without a reference": func() Policy {
			p := MutualCertificate(WSS10, Basic256)
			p.RecipientToken.Reference = 0 // certReference's default: ThumbprintSHA1
			return p
		}(),
		"initiator token not included, without a reference": func() Policy {
			p := MutualCertificate(WSS10, Basic256)
			p.InitiatorToken.Inclusion, p.InitiatorToken.Reference = IncludeNever, 0
			return p
		}(),
		"supporting X.509 token not included, without a reference": func() Policy {
			p := MutualCertificate(WSS10, Basic256)
			p.Supporting = []SupportingToken{{Token: Token{Kind: X509Token, Inclusion: IncludeNever}, Role: EndorsingSupporting}}
			return p
		}(),
		"SignatureConfirmation": func() Policy {
			p := MutualCertificate(WSS10, Basic256)
			p.RequireSignatureConfirmation = true
			return p
		}(),
		"encrypted header": func() Policy {
			p := MutualCertificate(WSS10, Basic256)
			p.EncryptedParts.Headers = []xml.Name{{Space: "urn:custom", Local: "Secret"}}
			return p
		}(),
		"symmetric binding keyed to the service certificate": func() Policy {
			p := to10(UserNameForCertificate(Basic256))
			p.RequireSignatureConfirmation = false
			p.ProtectionToken.Reference = RefSKI
			return p
		}(),
	}
	for name, p := range tests {
		t.Run(name, func(t *testing.T) {
			assert.ErrorIs(t, p.Validate(), ErrNeedsWSS11)
			_, err := ClientLayer(p, ccfg)
			assert.ErrorIs(t, err, ErrNeedsWSS11)
			_, err = ServerLayer(p, scfg)
			assert.ErrorIs(t, err, ErrNeedsWSS11)
			p.WSS = WSS11
			assert.NotErrorIs(t, p.Validate(), ErrNeedsWSS11)
		})
	}
}

// TestOpaqueIdentifiers: session identifiers and message ids are opaque
// strings: a "urn:uuid:" id that is no valid UUID and a "uuid:" id without
// "urn:" protect a request and reply, and the reply references the
// session and relates to the request by exactly those strings.
func TestOpaqueIdentifiers(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	for _, id := range []string{
		"urn:uuid:0c8b3f5e-1d2a-4e6f-9b7c-a41cd200000000", // last group too long: not a UUID
		"uuid:5a7d8c3e-2f1b-4c9a-8e6d-3b2a1c0f9e8d",       // no urn:
		"urn:x-peer:session/42?gen=1",
	} {
		for _, wss := range []WSSVersion{WSS10, WSS11} {
			t.Run(fmt.Sprintf("%s %d", id, wss), func(t *testing.T) {
				p := scPolicy(true)
				p.WSS = wss
				session := &SessionToken{Element: sctElement(wsse.NSWSC13, "sct-1", id), Identifier: id, TokenType: wsse.NSWSC13 + "/sct", Namespace: wsse.NSWSC13, Key: key}
				c := newCapture(t, p, p, Config{Session: session, TokenResolver: fakeSessions{id, key}}, Config{TokenResolver: fakeSessions{id, key}})
				req := plainEcho(t, "opaque")
				a := req.Addressing
				a.MessageID = strings.Replace(id, "session", "message", 1)
				req.SetAddressing(a)
				resp, err := c.client.Call(context.Background(), req)
				require.NoError(t, err)
				assert.Equal(t, "opaque", resp.Payload().Text())
				require.Len(t, resp.Addressing.RelatesTo, 1)
				assert.Equal(t, a.MessageID, resp.Addressing.RelatesTo[0].ID)
				var esc strings.Builder
				require.NoError(t, xml.EscapeText(&esc, []byte(id)))
				assert.Contains(t, string(c.reply), `URI="`+esc.String()+`"`, "the reply names the session by its identifier")
			})
		}
	}
}

// TestWSS10EncryptBeforeSign: encrypting before signing, the EncryptedKey
// cannot list the data (a receiver would decrypt before verifying), so as
// WCF does the ReferenceList follows the signature and each EncryptedData
// names the EncryptedKey by a bare WSS 1.0 wsse:Reference (no ValueType, no
// TokenType).
func TestWSS10EncryptBeforeSign(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := MutualCertificate(WSS10, Basic256)
	p.Order, p.EncryptSignature = EncryptBeforeSign, false
	c := newCapture(t, p, p, ccfg, scfg)
	resp, err := c.client.Call(context.Background(), plainEcho(t, "encrypted first"))
	require.NoError(t, err)
	assert.Equal(t, "encrypted first", resp.Payload().Text())
	for dir, msg := range map[string][]byte{"request": c.req, "reply": c.reply} {
		assert.NoError(t, wsstest.WSS11Constructs(msg, true), dir)
		m, err := soap.ParseMessage(msg, soap.Limits{})
		require.NoError(t, err)
		ed := childByTag(m.Body, "EncryptedData")
		require.NotNil(t, ed, dir)
		ref := ed.FindElement("./KeyInfo/SecurityTokenReference/Reference")
		require.NotNil(t, ref, dir)
		assert.Nil(t, ref.SelectAttr("ValueType"), dir)
		sec, err := securityHeader(m)
		require.NoError(t, err)
		kids := sec.ChildElements()
		assert.Equal(t, "ReferenceList", kids[len(kids)-1].Tag, "%s: the ReferenceList follows the signature", dir)
	}
}
