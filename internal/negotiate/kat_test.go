package negotiate

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/c14n"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseEl(t *testing.T, s string) *etree.Element {
	t.Helper()
	d := etree.NewDocument()
	require.NoError(t, d.ReadFromString(s))
	return d.Root()
}

func canon(t *testing.T, el *etree.Element) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, c14n.Canonicalize(&b, el))
	return b.String()
}

// TestCombinedHashKnownAnswer checks the digest and the Authenticator
// against values computed independently (Python's hashlib and hmac, P_SHA1
// written out from RFC 2246 section 5): SHA-1 over the exclusive canonical
// form of each leg, then P_SHA1(key, "AUTH-HASH" || digest)[:32].
func TestCombinedHashKnownAnswer(t *testing.T) {
	tr := newTranscript()
	// Written unlike their canonical forms: an unused namespace, attribute
	// order, an empty-element tag, a parent's declaration.
	require.NoError(t, tr.add(parseEl(t, `<t:RequestSecurityToken Context="uuid-1" xmlns:u="urn:unused" xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust"/>`)))
	wrapped := parseEl(t, `<w xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust"><t:RequestSecurityTokenResponse Context="uuid-1" ></t:RequestSecurityTokenResponse></w>`)
	require.NoError(t, tr.add(wrapped.ChildElements()[0]))
	digest := tr.sum()
	assert.Equal(t, "021c539528aed75a2031a43619433575afb56dcd", hex.EncodeToString(digest))
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	auth, err := combinedHash(key, digest)
	require.NoError(t, err)
	assert.Equal(t, "d521071289b45791d502a4c4a04c8f4f4bd98da3ab3f142d0c839b26e4974bc6", hex.EncodeToString(auth))
	assert.True(t, checkAuthenticator(key, digest, auth))
	auth[31] ^= 1
	assert.False(t, checkAuthenticator(key, digest, auth))
}

// TestLegC14N pins the canonical form of each leg the engine writes.
func TestLegC14N(t *testing.T) {
	x := &exchange{ValueType: ValueTypeTLSNego200502, Blob: []byte{1, 2, 3}}
	assert.Equal(t, `<t:RequestSecurityToken xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust" Context="uuid-1">`+
		`<t:TokenType>http://schemas.xmlsoap.org/ws/2005/02/sc/sct</t:TokenType>`+
		`<t:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</t:RequestType>`+
		`<t:KeySize>256</t:KeySize>`+
		`<t:BinaryExchange EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary" ValueType=" http://schemas.xmlsoap.org/ws/2005/02/trust/tlsnego">AQID</t:BinaryExchange>`+
		`</t:RequestSecurityToken>`, canon(t, buildRST(wstrust.V200502, "uuid-1", 256, x)))
	x13 := &exchange{ValueType: ValueTypeTLSNego13, Blob: []byte{1, 2, 3}}
	assert.Equal(t, `<trust:RequestSecurityTokenResponse xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512" Context="uuid-1">`+
		`<trust:BinaryExchange EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary" ValueType="http://schemas.xmlsoap.org/ws/2005/02/trust/tlsnego">AQID</trust:BinaryExchange>`+
		`</trust:RequestSecurityTokenResponse>`, canon(t, (&rstr{Context: "uuid-1", Exchange: x13}).build(wstrust.V13, true)))
}

// TestFinalDigestWithoutSecrets checks the child removal of the final RSTR
// before it enters the digest: RequestedSecurityToken and
// RequestedProofToken go, everything else stays in order.
func TestFinalDigestWithoutSecrets(t *testing.T) {
	v := wstrust.V200502
	sct := &wstrust.SecurityContextToken{Version: v, ID: "uuid-s", Identifier: "urn:uuid:c"}
	first := &rstr{Context: "uuid-1", TokenType: v.TokenType(), RequestedToken: sct.Build(v),
		Attached: sct.AttachedReference(v), Unattached: sct.UnattachedReference(v), ProofAlgorithm: AlgTLSWrap, ProofCipher: []byte{9},
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Expires: time.Date(2026, 1, 2, 13, 4, 5, 0, time.UTC),
		KeySize: 256, Exchange: &exchange{ValueType: ValueTypeTLSNego200502, Blob: []byte{1}}}
	coll := buildFinal(v, first, &rstr{Context: "uuid-1"})
	got := canon(t, withoutSecrets(coll.ChildElements()[0], v.TrustNamespace()))
	assert.NotContains(t, got, "RequestedSecurityToken")
	assert.NotContains(t, got, "RequestedProofToken")
	assert.Equal(t, `<t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust" Context="uuid-1">`+
		`<t:TokenType>http://schemas.xmlsoap.org/ws/2005/02/sc/sct</t:TokenType>`+
		`<t:RequestedAttachedReference>`+canon(t, sct.AttachedReference(v))+`</t:RequestedAttachedReference>`+
		`<t:RequestedUnattachedReference>`+canon(t, sct.UnattachedReference(v))+`</t:RequestedUnattachedReference>`+
		`<t:Lifetime><u:Created xmlns:u="`+NSWSU+`">2026-01-02T03:04:05.000Z</u:Created><u:Expires xmlns:u="`+NSWSU+`">2026-01-02T13:04:05.000Z</u:Expires></t:Lifetime>`+
		`<t:KeySize>256</t:KeySize>`+
		`<t:BinaryExchange EncodingType="`+EncodingBase64+`" ValueType=" http://schemas.xmlsoap.org/ws/2005/02/trust/tlsnego">AQ==</t:BinaryExchange>`+
		`</t:RequestSecurityTokenResponse>`, got)
	// The original keeps its children.
	assert.NotNil(t, find(coll, "RequestedProofToken"))
}

// TestWCFFinalResponseShape parses the final RSTRC of a published WCF
// capture and checks that the engine writes its children in the same
// order.
func TestWCFFinalResponseShape(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "wcf_tlsnego_200502.xml"))
	require.NoError(t, err)
	m, err := soap.ParseMessage(b, soap.Limits{})
	require.NoError(t, err)
	v := wstrust.V200502
	l, err := parseLeg(v, m.Payload())
	require.NoError(t, err)
	require.Equal(t, kindRSTRC, l.Kind)
	r := l.First
	assert.Equal(t, "uuid-a84f91c7-7501-471b-83d7-cdbb3b1ffb10-1", r.Context)
	assert.Equal(t, r.Context, l.Auth.Context)
	assert.Equal(t, v.TokenType(), r.TokenType)
	assert.Equal(t, AlgTLSWrap, r.ProofAlgorithm)
	assert.Equal(t, 256, r.KeySize)
	assert.Equal(t, ValueTypeTLSNego200502, r.Exchange.ValueType, "the leading space as WCF writes it")
	assert.Len(t, l.Auth.Authenticator, 32)
	sct, err := wstrust.ParseSCT(r.RequestedToken)
	require.NoError(t, err)
	assert.Equal(t, "urn:uuid:d65ced26-babb-49e9-a0f6-e46de6ab0fc6", sct.Identifier)
	names := func(el *etree.Element) []string {
		var n []string
		for _, c := range el.ChildElements() {
			n = append(n, c.Tag)
		}
		return n
	}
	ours := (&rstr{Context: "c", TokenType: r.TokenType, RequestedToken: r.RequestedToken, Attached: r.Attached, Unattached: r.Unattached,
		ProofAlgorithm: AlgTLSWrap, ProofCipher: []byte{1}, Created: r.Created, Expires: r.Expires, KeySize: 256, Exchange: r.Exchange}).build(v, false)
	assert.Equal(t, names(r.el), names(ours))
	assert.Equal(t, names(l.Auth.el), names((&rstr{Authenticator: make([]byte, 32)}).build(v, false)))
}

// TestValueTypeEcho checks the leading-space 2005/02 ValueType on the wire
// and that the acceptor echoes the form the initiator sent.
func TestValueTypeEcho(t *testing.T) {
	assert.Equal(t, " http://schemas.xmlsoap.org/ws/2005/02/trust/tlsnego", ValueTypeTLSNego200502)
	// 1.3 keeps the 2005/02 URI, without the space
	// (DXD.TrustDec2005Dictionary.TlsnegoValueTypeUri).
	assert.Equal(t, "http://schemas.xmlsoap.org/ws/2005/02/trust/tlsnego", ValueTypeTLSNego13)
	assert.Equal(t, "http://schemas.xmlsoap.org/ws/2005/02/trust/spnego", ValueTypeSPNego200502)
	assert.Equal(t, ValueTypeSPNego200502, ValueTypeSPNego13)
	p := newPKI(t)
	// A 2005/02 acceptor takes both forms and echoes the one it received
	// (CoreWCF's TlsnegoTokenAuthenticator.ValidateIncomingBinaryNegotiation
	// and GetOutgoingBinaryNegotiation).
	for _, form := range []string{ValueTypeTLSNego200502, ValueTypeTLSNego13} {
		in, w := tPair(t, wstrust.V200502, p, false, 0, 0)
		inner := in.cfg.NewMechanism
		in.cfg.NewMechanism = func(ctx context.Context) (Mechanism, error) {
			m, err := inner(ctx)
			return &valueTypeAs{Mechanism: m, vt: form}, err
		}
		var seen []string
		w.tap = func(req, resp []byte) {
			for _, b := range [][]byte{req, resp} {
				if x := find(body(t, b), "BinaryExchange"); x != nil {
					seen = append(seen, x.SelectAttrValue("ValueType", ""))
				}
			}
		}
		_, err := in.Negotiate(context.Background(), w)
		require.NoError(t, err)
		require.NotEmpty(t, seen)
		for _, s := range seen {
			assert.Equal(t, form, s)
		}
	}
}

// valueTypeAs sends another form of the ValueType.
type valueTypeAs struct {
	Mechanism
	vt string
}

func (v *valueTypeAs) ValueType(string) string { return v.vt }
func (v *valueTypeAs) Close() error            { closeMechanism(v.Mechanism); return nil }
