package secureconv

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/c14n"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---- test helpers (prefixed wt: the package has other authors) ----

// wtFragmentNS are the prefixes WCF declares on the unpublished ancestors
// of the fragment captures.
var wtFragmentNS = map[string]string{
	"s": soap.NS12,
	"a": soap.NSWSA10,
	"u": wsse.NSWSU,
	"o": wsse.NSWSSE,
	"t": wstrust.NSTrust200502,
}

// wtRead returns the bytes of a capture in testdata/wire.
func wtRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "wire", name))
	require.NoError(t, err)
	return b
}

// wtMessage parses a whole captured envelope as the SOAP layer does.
func wtMessage(t testing.TB, name string) *soap.Message {
	t.Helper()
	m, err := soap.ParseMessage(wtRead(t, name), soap.DefaultLimits())
	require.NoError(t, err)
	return m
}

// wtFragment parses a fragment capture inside a wrapper element that
// declares the prefixes of its unpublished ancestors; it returns the
// wrapper.
func wtFragment(t testing.TB, name string) *etree.Element {
	t.Helper()
	return wtWrap(t, string(wtRead(t, name)))
}

// wtWrap parses xml inside a wrapper declaring wtFragmentNS.
func wtWrap(t testing.TB, xml string) *etree.Element {
	t.Helper()
	var b strings.Builder
	b.WriteString("<wrapper")
	for _, p := range []string{"a", "o", "s", "t", "u"} {
		b.WriteString(` xmlns:` + p + `="` + wtFragmentNS[p] + `"`)
	}
	b.WriteString(">" + xml + "</wrapper>")
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromString(b.String()))
	return doc.Root()
}

// wtParse parses a standalone XML string.
func wtParse(t testing.TB, xml string) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromString(xml))
	return doc.Root()
}

// wtFind returns the descendants (or el itself) named {ns}local, in
// document order.
func wtFind(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	if xmlutil.Is(el, ns, local) {
		out = append(out, el)
	}
	for _, c := range el.ChildElements() {
		out = append(out, wtFind(c, ns, local)...)
	}
	return out
}

// wtOne returns the only descendant named {ns}local.
func wtOne(t testing.TB, el *etree.Element, ns, local string) *etree.Element {
	t.Helper()
	found := wtFind(el, ns, local)
	require.Len(t, found, 1, "%s elements", local)
	return found[0]
}

// wtStrip returns a copy of el (standalone, with its inherited namespace
// declarations) without whitespace-only text: the captures were
// re-indented by their publishers.
func wtStrip(el *etree.Element) *etree.Element {
	c := wstrust.Standalone(el)
	var strip func(e *etree.Element)
	strip = func(e *etree.Element) {
		for i := len(e.Child) - 1; i >= 0; i-- {
			switch x := e.Child[i].(type) {
			case *etree.CharData:
				if wstrust.Trim(x.Data) == "" {
					e.RemoveChildAt(i)
				}
			case *etree.Element:
				strip(x)
			}
		}
	}
	strip(c)
	return c
}

// wtC14N returns the exclusive canonical form of el.
func wtC14N(t testing.TB, el *etree.Element) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, c14n.Canonicalize(&b, el))
	return b.String()
}

// wtB64 decodes base64 for expectations.
func wtB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

// wtTime parses an RFC 3339 time for expectations.
func wtTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return tm.UTC()
}

// wtChildNames returns the local names of el's child elements.
func wtChildNames(el *etree.Element) []string {
	var out []string
	for _, c := range el.ChildElements() {
		out = append(out, c.Tag)
	}
	return out
}

// ---- WCF captures ----

func TestParseRSTCaptureCoreWCF(t *testing.T) {
	m := wtMessage(t, "01_corewcf_rst-sct-request.xml")
	assert.Equal(t, V200502.wire().IssueAction(), m.Addressing.Action)
	rst, v, err := wstrust.ParseRST(m.Payload())
	require.NoError(t, err)
	assert.Equal(t, V200502.wire(), v)
	assert.Equal(t, "", rst.Context)
	assert.Equal(t, "http://schemas.xmlsoap.org/ws/2005/02/sc/sct", rst.TokenType)
	assert.Equal(t, wstrust.OpIssue, rst.Operation)
	require.NotNil(t, rst.Entropy)
	assert.Equal(t, "uuid-4751c816-b23b-4229-b5fe-6f3727786382-1", rst.Entropy.ID)
	assert.Equal(t, wstrust.SecretNonce, rst.Entropy.Type)
	assert.Equal(t, wtB64(t, "1TmBzNeSMhkxqHU+yWuwplJDS7NejEdnFlgRbGPyAOI="), rst.Entropy.Value)
	assert.Equal(t, 256, rst.KeySize)
	assert.Nil(t, rst.RenewTarget)
	assert.Nil(t, rst.CancelTarget)
	assert.Empty(t, rst.Extensions)

	// Build writes the same request: equal exclusive canonical forms once
	// the publisher's indentation is removed.
	built := (&wstrust.RST{
		TokenType: V200502.wire().TokenType(),
		Operation: wstrust.OpIssue,
		Entropy:   &wstrust.BinarySecret{ID: rst.Entropy.ID, Type: wstrust.SecretNonce, Value: rst.Entropy.Value},
		KeySize:   256,
	}).Build(V200502.wire())
	assert.Equal(t, wtC14N(t, wtStrip(m.Payload())), wtC14N(t, built))
	assert.Equal(t, "t", built.Space)
}

func TestParseRSTRCaptureCoreWCF(t *testing.T) {
	m := wtMessage(t, "02_corewcf_rstr-sct-response.xml")
	assert.Equal(t, V200502.wire().IssueResponseAction(), m.Addressing.Action)
	rstr, v, err := wstrust.ParseRSTR(m.Payload())
	require.NoError(t, err)
	assert.Equal(t, V200502.wire(), v)
	assert.False(t, rstr.InCollection)
	assert.Equal(t, V200502.wire().TokenType(), rstr.TokenType)
	require.NotNil(t, rstr.SCT)
	assert.Equal(t, "uuid-e07815b0-d900-49c8-8ec6-a8ee018263c9-1", rstr.SCT.ID)
	assert.Equal(t, "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08", rstr.SCT.Identifier)
	assert.Empty(t, rstr.SCT.Instance)
	assert.Nil(t, rstr.SCT.Cookie)
	assert.Same(t, rstr.RequestedSecurityToken, rstr.SCT.Element)

	att, err := wstrust.ParseSCTReference(rstr.RequestedAttachedReference)
	require.NoError(t, err)
	assert.Equal(t, "uuid-e07815b0-d900-49c8-8ec6-a8ee018263c9-1", att.LocalID)
	assert.Equal(t, V200502.wire(), att.Version)
	assert.True(t, att.Matches(rstr.SCT))
	un, err := wstrust.ParseSCTReference(rstr.RequestedUnattachedReference)
	require.NoError(t, err)
	assert.Equal(t, "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08", un.Identifier)
	assert.True(t, un.Matches(rstr.SCT))

	require.NotNil(t, rstr.Proof)
	assert.Equal(t, V200502.wire().ComputedKeyPSHA1(), rstr.Proof.ComputedKey)
	require.NotNil(t, rstr.Entropy)
	assert.Equal(t, "uuid-e07815b0-d900-49c8-8ec6-a8ee018263c9-2", rstr.Entropy.ID)
	assert.Equal(t, wstrust.SecretNonce, rstr.Entropy.Type)
	assert.Equal(t, wtB64(t, "X10bPPRFJzVr13nwxYYVLpmd5Fsu6RR7jkF5xtCV/kM="), rstr.Entropy.Value)
	require.NotNil(t, rstr.Lifetime)
	assert.Equal(t, wtTime(t, "2024-02-14T02:06:53.311Z"), rstr.Lifetime.Created)
	assert.Equal(t, wtTime(t, "2024-02-14T17:06:53.311Z"), rstr.Lifetime.Expires)
	assert.Equal(t, 256, rstr.KeySize)
	assert.False(t, rstr.RequestedTokenCancelled)

	// Build from fields writes WCF's response: same canonical form.
	sct := &wstrust.SecurityContextToken{ID: rstr.SCT.ID, Identifier: rstr.SCT.Identifier}
	built := (&wstrust.RSTR{
		TokenType:                    V200502.wire().TokenType(),
		SCT:                          sct,
		RequestedAttachedReference:   sct.AttachedReference(V200502.wire()),
		RequestedUnattachedReference: sct.UnattachedReference(V200502.wire()),
		Proof:                        &wstrust.ProofToken{ComputedKey: V200502.wire().ComputedKeyPSHA1()},
		Entropy:                      rstr.Entropy,
		Lifetime:                     rstr.Lifetime,
		KeySize:                      256,
	}).Build(V200502.wire())
	assert.Equal(t, wtC14N(t, wtStrip(m.Payload())), wtC14N(t, built))
	assert.Equal(t, []string{"TokenType", "RequestedSecurityToken", "RequestedAttachedReference",
		"RequestedUnattachedReference", "RequestedProofToken", "Entropy", "Lifetime", "KeySize"}, wtChildNames(built))
	// No repeated namespace declarations below the root, as WCF writes it.
	out, err := etree.NewDocumentWithRoot(built).WriteToString()
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(out, `xmlns:u=`), out)
	assert.Equal(t, 1, strings.Count(out, `xmlns:t=`), out)
	assert.Contains(t, out, `<u:Created>2024-02-14T02:06:53.311Z</u:Created>`)

	// Re-building the parsed response echoes the received token.
	again := rstr.Build(V200502.wire())
	assert.Equal(t, wtC14N(t, wtStrip(m.Payload())), wtC14N(t, wtStrip(again)))
}

func TestParseRSTRCancelCaptureCoreWCF(t *testing.T) {
	m := wtMessage(t, "06_corewcf_rstr-sct-cancel-response.xml")
	assert.Equal(t, V200502.wire().CancelResponseAction(), m.Addressing.Action)
	rstr, v, err := wstrust.ParseRSTR(m.Payload())
	require.NoError(t, err)
	assert.Equal(t, V200502.wire(), v)
	assert.True(t, rstr.RequestedTokenCancelled)
	assert.Nil(t, rstr.SCT)
	assert.Nil(t, rstr.Proof)
	built := (&wstrust.RSTR{RequestedTokenCancelled: true}).Build(V200502.wire())
	assert.Equal(t, wtC14N(t, wtStrip(m.Payload())), wtC14N(t, built))
}

// The final TLSNEGO/SSL negotiation legs of WCF (captures 10 and 16) are
// collections of two RSTRs; the cookies are elided ("...").
func TestParseRSTRCaptureNegotiationCollections(t *testing.T) {
	for _, tc := range []struct {
		file, context, sctID, identifier, created, expires string
	}{
		{"10_ccnz-sc_rstrc-final-sslnego-sct-cookie-body.xml", "uuid-9fd5ef90-7c73-4c4c-852c-69bddd817da6-1",
			"uuid-6fc9e406-b164-4afd-a20d-437677b0b60f-1", "urn:uuid:01c4796c-46f4-40b3-a4b9-c383de2673b1",
			"2015-03-15T22:31:51.798Z", "2015-03-16T08:31:51.798Z"},
		{"16_ccnz-ssl_rstrc-final-sct-cookie-body.xml", "uuid-a84f91c7-7501-471b-83d7-cdbb3b1ffb10-1",
			"uuid-62370337-8af2-4e0f-831c-dcbd9e37db01-1", "urn:uuid:d65ced26-babb-49e9-a0f6-e46de6ab0fc6",
			"2015-03-15T21:26:58.638Z", "2015-03-16T07:26:58.638Z"},
	} {
		t.Run(tc.file[:2], func(t *testing.T) {
			root := wtFragment(t, tc.file)
			coll := wtOne(t, root, wstrust.NSTrust200502, wstrust.ElRSTRC)
			_, _, err := wstrust.ParseRSTR(coll)
			require.ErrorIs(t, err, ErrInvalidRequest)
			assert.Contains(t, err.Error(), "with 2 responses")

			rstrs := wtFind(coll, wstrust.NSTrust200502, wstrust.ElRSTR)
			require.Len(t, rstrs, 2)
			_, _, err = wstrust.ParseRSTR(rstrs[0])
			require.ErrorIs(t, err, ErrInvalidRequest, "the elided cookie is not base64")
			require.ErrorIs(t, err, wssecurity.ErrInvalidToken)
			assert.Contains(t, err.Error(), "Cookie")

			// With a well-formed cookie in place of the elided one, the
			// structure parses.
			cookie := wtOne(t, rstrs[0], wstrust.NSDotNetSecurity, wstrust.ElCookie)
			cookie.SetText("\n    AQAAANCMnd8BFdER\n    8m2TkFSx3Me4jE8Qwg==")
			rstr, v, err := wstrust.ParseRSTR(rstrs[0])
			require.NoError(t, err)
			assert.Equal(t, V200502.wire(), v)
			assert.Equal(t, tc.context, rstr.Context)
			assert.Equal(t, V200502.wire().TokenType(), rstr.TokenType)
			require.NotNil(t, rstr.SCT)
			assert.Equal(t, tc.sctID, rstr.SCT.ID)
			assert.Equal(t, tc.identifier, rstr.SCT.Identifier)
			assert.Len(t, rstr.SCT.Cookie, 25)
			att, err := wstrust.ParseSCTReference(rstr.RequestedAttachedReference)
			require.NoError(t, err)
			assert.Equal(t, wstrust.Version(0), att.Version, "WCF wrote no ValueType on the attached reference")
			assert.True(t, att.Matches(rstr.SCT))
			un, err := wstrust.ParseSCTReference(rstr.RequestedUnattachedReference)
			require.NoError(t, err)
			assert.True(t, un.Matches(rstr.SCT))
			require.NotNil(t, rstr.Proof)
			require.NotNil(t, rstr.Proof.EncryptedKey)
			assert.Equal(t, wstrust.ElEncryptedKey, rstr.Proof.EncryptedKey.Tag)
			assert.Nil(t, rstr.Entropy)
			assert.Equal(t, wtTime(t, tc.created), rstr.Lifetime.Created)
			assert.Equal(t, wtTime(t, tc.expires), rstr.Lifetime.Expires)
			assert.Equal(t, 256, rstr.KeySize)
			require.Len(t, rstr.Extensions, 1)
			assert.Equal(t, "BinaryExchange", rstr.Extensions[0].Tag)

			second, _, err := wstrust.ParseRSTR(rstrs[1])
			require.NoError(t, err)
			assert.Equal(t, tc.context, second.Context)
			require.Len(t, second.Extensions, 1)
			assert.Equal(t, "Authenticator", second.Extensions[0].Tag)
			assert.Nil(t, second.SCT)
		})
	}
}

// mono's capture 23: the two RSTRs of a TLSNEGO final leg, complete.
func TestParseRSTRCaptureMonoTLSNego(t *testing.T) {
	root := wtFragment(t, "23_mono_tlsnego-rstr-pair-dpapi-cookie.xml")
	rstrs := wtFind(root, wstrust.NSTrust200502, wstrust.ElRSTR)
	require.Len(t, rstrs, 2)
	rstr, v, err := wstrust.ParseRSTR(rstrs[0])
	require.NoError(t, err)
	assert.Equal(t, V200502.wire(), v)
	assert.Equal(t, "uuid-d88a7f14-97b7-4663-a548-c59a2a1c652f", rstr.Context)
	require.NotNil(t, rstr.SCT)
	assert.Equal(t, "uuid-8921c433-1f44-4ff1-99c7-c70ba90c56c3-1", rstr.SCT.ID)
	assert.Equal(t, "urn:uuid:6ee2d642-484a-4e08-a9f4-a2bfe4f2d540", rstr.SCT.Identifier)
	// The cookie is a DPAPI blob: version 1, provider df9d8cd0-1501-11d1-8c7a-00c04fc297eb.
	require.Greater(t, len(rstr.SCT.Cookie), 20)
	assert.Equal(t, []byte{1, 0, 0, 0, 0xd0, 0x8c, 0x9d, 0xdf, 0x01, 0x15, 0xd1, 0x11}, rstr.SCT.Cookie[:12])
	require.NotNil(t, rstr.Proof.EncryptedKey)
	assert.Equal(t, wtTime(t, "2007-03-09T18:51:37.109Z"), rstr.Lifetime.Created)
	assert.Equal(t, wtTime(t, "2007-03-10T04:51:37.109Z"), rstr.Lifetime.Expires)
	assert.Equal(t, 256, rstr.KeySize)
	second, _, err := wstrust.ParseRSTR(rstrs[1])
	require.NoError(t, err)
	assert.Equal(t, "Authenticator", second.Extensions[0].Tag)

	// Wrapped in a collection (as on the wire) the pair is refused: WCF's
	// SCT responses carry exactly one RSTR.
	coll := wstrust.NewElement("t", wstrust.NSTrust200502, wstrust.ElRSTRC)
	for _, r := range rstrs {
		coll.AddChild(wstrust.Standalone(r))
	}
	_, _, err = wstrust.ParseRSTR(coll)
	require.ErrorIs(t, err, ErrInvalidRequest)
}

// mono's capture 24 is the content of a TLSNEGO RequestedProofToken.
func TestParseRSTRCaptureEncryptedKeyProof(t *testing.T) {
	ek := wtParse(t, string(wtRead(t, "24_mono_tlsnego-requested-proof-token.xml")))
	rstr, v, err := wstrust.ParseRSTR((&wstrust.RSTR{Proof: &wstrust.ProofToken{EncryptedKey: ek}}).Build(V200502.wire()))
	require.NoError(t, err)
	assert.Equal(t, V200502.wire(), v)
	require.NotNil(t, rstr.Proof.EncryptedKey)
	assert.Equal(t, wtC14N(t, ek), wtC14N(t, rstr.Proof.EncryptedKey))
}

// The [MS-LWSSP] example writes everything in default namespaces; its
// entropy is elided.
func TestParseRSTRCaptureLWSSP(t *testing.T) {
	el := wtParse(t, string(wtRead(t, "68_ms-lwssp_4-9_context-establishment-rstr.xml")))
	_, _, err := wstrust.ParseRSTR(el)
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Contains(t, err.Error(), "BinarySecret")

	wtOne(t, el, wstrust.NSTrust200502, wstrust.ElBinarySecret).SetText(base64.StdEncoding.EncodeToString(make([]byte, 32)))
	rstr, v, err := wstrust.ParseRSTR(el)
	require.NoError(t, err)
	assert.Equal(t, V200502.wire(), v)
	assert.Equal(t, "urn:uuid:c416bc08-0664-49f3-850b-7d6cca60a59e", rstr.Context)
	require.NotNil(t, rstr.SCT)
	assert.Equal(t, "_sct", rstr.SCT.ID)
	assert.Equal(t, "urn:uuid:8a63487c-662b-40bf-b2df-f3b536062f5e", rstr.SCT.Identifier)
	att, err := wstrust.ParseSCTReference(rstr.RequestedAttachedReference)
	require.NoError(t, err)
	assert.True(t, att.Matches(rstr.SCT))
	un, err := wstrust.ParseSCTReference(rstr.RequestedUnattachedReference)
	require.NoError(t, err)
	assert.True(t, un.Matches(rstr.SCT))
	assert.Equal(t, V200502.wire().ComputedKeyPSHA1(), rstr.Proof.ComputedKey)
	assert.Equal(t, wstrust.SecretNonce, rstr.Entropy.Type)
	assert.Equal(t, wtTime(t, "2008-08-15T01:48:08.3184132Z"), rstr.Lifetime.Created)
	assert.Equal(t, 256, rstr.KeySize)

	// Build keeps the finer fraction of the 7-digit times.
	out, err := etree.NewDocumentWithRoot(rstr.Build(V200502.wire())).WriteToString()
	require.NoError(t, err)
	assert.Contains(t, out, "2008-08-15T01:48:08.3184132Z")
	clone := rstr.SCT.Clone()
	assert.Equal(t, wtC14N(t, rstr.SCT.Element), wtC14N(t, clone.Element))
}

// ---- round trips of built messages ----

func wtFullRST(v Version, op wstrust.Operation) *wstrust.RST {
	sct := &wstrust.SecurityContextToken{ID: "uuid-1-1", Identifier: "urn:uuid:6ee2d642-484a-4e08-a9f4-a2bfe4f2d540", Instance: "urn:uuid:0b1c"}
	r := &wstrust.RST{
		Context:   "uuid-ctx-1",
		TokenType: v.wire().TokenType(),
		Operation: op,
		Entropy:   &wstrust.BinarySecret{ID: "uuid-e-1", Type: wstrust.SecretNonce, Value: bytes.Repeat([]byte{7}, 32)},
		KeySize:   256,
	}
	switch op {
	case wstrust.OpRenew:
		r.RenewTarget = sct.UnattachedReference(v.wire())
	case wstrust.OpCancel:
		r.CancelTarget = sct.UnattachedReference(v.wire())
		r.Entropy, r.KeySize = nil, 0
	}
	return r
}

func TestRSTRoundTrip(t *testing.T) {
	for _, v := range []Version{V200502, V13} {
		for _, op := range []wstrust.Operation{wstrust.OpIssue, wstrust.OpRenew, wstrust.OpCancel} {
			t.Run(v.String()+"/"+op.String(), func(t *testing.T) {
				in := wtFullRST(v, op)
				in.AppliesTo = wtParse(t, `<wsp:AppliesTo xmlns:wsp="`+wstrust.NSWSP+`"><a:EndpointReference xmlns:a="`+soap.NSWSA10+`"><a:Address>https://example.org/svc</a:Address></a:EndpointReference></wsp:AppliesTo>`)
				in.KeyType = v.wire().KeyTypeSymmetric()
				in.ComputedKeyAlgorithm = v.wire().ComputedKeyPSHA1()
				in.Lifetime = &wstrust.Lifetime{Created: wtTime(t, "2024-02-14T02:06:53.311Z"), Expires: wtTime(t, "2024-02-14T17:06:53.311Z")}
				in.Extensions = []*etree.Element{wtParse(t, `<x:Ext xmlns:x="urn:x" x:a="1">v</x:Ext>`)}
				el := in.Build(v.wire())
				assert.Equal(t, v.wire().TrustPrefix(), el.Space)
				xml, err := etree.NewDocumentWithRoot(el).WriteToString()
				require.NoError(t, err)
				out, gotV, err := wstrust.ParseRST(wtParse(t, xml))
				require.NoError(t, err, xml)
				assert.Equal(t, v.wire(), gotV)
				assert.Equal(t, in.Context, out.Context)
				assert.Equal(t, in.TokenType, out.TokenType)
				assert.Equal(t, op, out.Operation)
				assert.Equal(t, in.Entropy, out.Entropy)
				assert.Equal(t, in.KeySize, out.KeySize)
				assert.Equal(t, in.KeyType, out.KeyType)
				assert.Equal(t, in.ComputedKeyAlgorithm, out.ComputedKeyAlgorithm)
				assert.Equal(t, in.Lifetime, out.Lifetime)
				require.NotNil(t, out.AppliesTo)
				assert.Equal(t, wtC14N(t, in.AppliesTo), wtC14N(t, out.AppliesTo))
				require.Len(t, out.Extensions, 1)
				assert.Equal(t, wtC14N(t, in.Extensions[0]), wtC14N(t, out.Extensions[0]))
				switch op {
				case wstrust.OpIssue:
					assert.Nil(t, out.Target)
				default:
					require.NotNil(t, out.Target)
					assert.Equal(t, "urn:uuid:6ee2d642-484a-4e08-a9f4-a2bfe4f2d540", out.Target.Identifier)
					assert.Equal(t, "urn:uuid:0b1c", out.Target.Instance)
					assert.Equal(t, v.wire(), out.Target.Version)
				}
				want := []string{"TokenType", "RequestType", "AppliesTo", "Entropy", "KeySize"}
				switch op {
				case wstrust.OpRenew:
					want = append(want, "RenewTarget")
				case wstrust.OpCancel:
					want = []string{"TokenType", "RequestType", "AppliesTo", "CancelTarget"}
				}
				want = append(want, "KeyType", "ComputedKeyAlgorithm", "Lifetime", "Ext")
				assert.Equal(t, want, wtChildNames(el))
				assert.Equal(t, 1, strings.Count(xml, "xmlns:u="), xml)
			})
		}
	}
}

func TestRSTRRoundTripAndCollection(t *testing.T) {
	for _, v := range []Version{V200502, V13} {
		t.Run(v.String(), func(t *testing.T) {
			sct := &wstrust.SecurityContextToken{ID: "uuid-9-1", Identifier: "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08",
				Instance: "urn:uuid:77", Cookie: []byte("sealed cookie")}
			in := &wstrust.RSTR{
				Context:                      "uuid-ctx",
				TokenType:                    v.wire().TokenType(),
				SCT:                          sct,
				RequestedAttachedReference:   sct.AttachedReference(v.wire()),
				RequestedUnattachedReference: sct.UnattachedReference(v.wire()),
				Proof:                        &wstrust.ProofToken{ComputedKey: v.wire().ComputedKeyPSHA1()},
				Entropy:                      &wstrust.BinarySecret{ID: "uuid-9-2", Type: wstrust.SecretNonce, Value: bytes.Repeat([]byte{9}, 16)},
				Lifetime:                     &wstrust.Lifetime{Created: wtTime(t, "2024-02-14T02:06:53.311Z"), Expires: wtTime(t, "2024-02-14T17:06:53.311Z")},
				KeySize:                      128,
			}
			body := in.BuildBody(v.wire())
			if v == V13 {
				assert.Equal(t, wstrust.ElRSTRC, body.Tag)
				assert.Equal(t, "trust", body.Space)
			} else {
				assert.Equal(t, wstrust.ElRSTR, body.Tag)
			}
			xml, err := etree.NewDocumentWithRoot(body).WriteToString()
			require.NoError(t, err)
			out, gotV, err := wstrust.ParseRSTR(wtParse(t, xml))
			require.NoError(t, err, xml)
			assert.Equal(t, v.wire(), gotV)
			assert.Equal(t, v == V13, out.InCollection)
			assert.Equal(t, in.Context, out.Context)
			require.NotNil(t, out.SCT)
			assert.Equal(t, v.wire(), out.SCT.Version)
			assert.Equal(t, sct.ID, out.SCT.ID)
			assert.Equal(t, sct.Identifier, out.SCT.Identifier)
			assert.Equal(t, sct.Instance, out.SCT.Instance)
			assert.Equal(t, sct.Cookie, out.SCT.Cookie)
			un, err := wstrust.ParseSCTReference(out.RequestedUnattachedReference)
			require.NoError(t, err)
			assert.Equal(t, sct.Instance, un.Instance)
			assert.Equal(t, in.Proof, out.Proof)
			assert.Equal(t, in.Entropy, out.Entropy)
			assert.Equal(t, in.Lifetime, out.Lifetime)
			assert.Equal(t, 128, out.KeySize)
			assert.Contains(t, xml, "<"+v.wire().SCPrefix()+":SecurityContextToken")
			assert.Equal(t, 1, strings.Count(xml, "xmlns:u="), xml)

			// Cancel and Server-entropy responses.
			cancel, _, err := wstrust.ParseRSTR((&wstrust.RSTR{Context: "c", RequestedTokenCancelled: true}).BuildBody(v.wire()))
			require.NoError(t, err)
			assert.True(t, cancel.RequestedTokenCancelled)
			srv, _, err := wstrust.ParseRSTR((&wstrust.RSTR{Proof: &wstrust.ProofToken{Secret: &wstrust.BinarySecret{Value: []byte("0123456789abcdef")}}}).Build(v.wire()))
			require.NoError(t, err)
			assert.Equal(t, []byte("0123456789abcdef"), srv.Proof.Secret.Value)
			assert.Equal(t, wstrust.SecretUnspecified, srv.Proof.Secret.Type)

			// Collections hold exactly one response.
			ns := v.wire().TrustNamespace()
			for _, n := range []int{0, 2} {
				coll := wstrust.NewElement("w", ns, wstrust.ElRSTRC)
				for i := 0; i < n; i++ {
					coll.AddChild(in.Build(v.wire()))
				}
				_, _, err := wstrust.ParseRSTR(coll)
				require.ErrorIs(t, err, ErrInvalidRequest, "%d responses", n)
			}
		})
	}
}

// ---- strictness ----

func TestParseRSTRejects(t *testing.T) {
	const t5 = `xmlns:t="` + wstrust.NSTrust200502 + `"`
	const rt = `<t:RequestType>` + wstrust.URIIssue200502 + `</t:RequestType>`
	big := base64.StdEncoding.EncodeToString(make([]byte, wstrust.MaxSecretSize+1))
	ok512 := base64.StdEncoding.EncodeToString(make([]byte, wstrust.MaxSecretSize))
	sctRef := `<o:SecurityTokenReference xmlns:o="` + wsse.NSWSSE + `"><o:Reference URI="urn:uuid:1" ValueType="` + wstrust.URISCT200502 + `"/></o:SecurityTokenReference>`
	for _, tc := range []struct {
		name, xml string
		ok        bool
	}{
		{"minimal", `<t:RequestSecurityToken ` + t5 + `>` + rt + `</t:RequestSecurityToken>`, true},
		{"entropy of 512 bytes", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:Entropy><t:BinarySecret>` + ok512 + `</t:BinarySecret></t:Entropy></t:RequestSecurityToken>`, true},
		{"foreign extension", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<x:y xmlns:x="urn:x"/></t:RequestSecurityToken>`, true},
		{"known extension", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:Renewing/><t:AllowPostdating/></t:RequestSecurityToken>`, true},
		{"KeySize 4096", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:KeySize> 4096 </t:KeySize></t:RequestSecurityToken>`, true},
		{"renew with SCT target", `<t:RequestSecurityToken ` + t5 + `><t:RequestType>` + wstrust.URIRenew200502 + `</t:RequestType><t:RenewTarget><c:SecurityContextToken xmlns:c="` + wstrust.NSSC200502 + `"><c:Identifier>urn:uuid:1</c:Identifier></c:SecurityContextToken></t:RenewTarget></t:RequestSecurityToken>`, true},
		{"not an RST", `<t:RequestSecurityTokenResponse ` + t5 + `/>`, false},
		{"unknown namespace", `<t:RequestSecurityToken xmlns:t="urn:trust">` + rt + `</t:RequestSecurityToken>`, false},
		{"no RequestType", `<t:RequestSecurityToken ` + t5 + `><t:KeySize>256</t:KeySize></t:RequestSecurityToken>`, false},
		{"RequestType of 1.3", `<t:RequestSecurityToken ` + t5 + `><t:RequestType>` + wstrust.URIIssue13 + `</t:RequestType></t:RequestSecurityToken>`, false},
		{"RequestType Validate", `<t:RequestSecurityToken ` + t5 + `><t:RequestType>` + wstrust.NSTrust200502 + `/Validate</t:RequestType></t:RequestSecurityToken>`, false},
		{"repeated RequestType", `<t:RequestSecurityToken ` + t5 + `>` + rt + rt + `</t:RequestSecurityToken>`, false},
		{"repeated KeySize", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:KeySize>256</t:KeySize><t:KeySize>256</t:KeySize></t:RequestSecurityToken>`, false},
		{"repeated AppliesTo", `<t:RequestSecurityToken ` + t5 + ` xmlns:wsp="` + wstrust.NSWSP + `">` + rt + `<wsp:AppliesTo/><wsp:AppliesTo/></t:RequestSecurityToken>`, false},
		{"KeySize 4097", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:KeySize>4097</t:KeySize></t:RequestSecurityToken>`, false},
		{"KeySize negative", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:KeySize>-8</t:KeySize></t:RequestSecurityToken>`, false},
		{"KeySize not a number", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:KeySize>2e3</t:KeySize></t:RequestSecurityToken>`, false},
		{"entropy too large", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:Entropy><t:BinarySecret>` + big + `</t:BinarySecret></t:Entropy></t:RequestSecurityToken>`, false},
		{"entropy empty", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:Entropy><t:BinarySecret></t:BinarySecret></t:Entropy></t:RequestSecurityToken>`, false},
		{"entropy two secrets", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:Entropy><t:BinarySecret>AAAA</t:BinarySecret><t:BinarySecret>AAAA</t:BinarySecret></t:Entropy></t:RequestSecurityToken>`, false},
		{"entropy asymmetric", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:Entropy><t:BinarySecret Type="` + wstrust.URIAsymKey200502 + `">AAAA</t:BinarySecret></t:Entropy></t:RequestSecurityToken>`, false},
		{"entropy unknown type", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:Entropy><t:BinarySecret Type="urn:x">AAAA</t:BinarySecret></t:Entropy></t:RequestSecurityToken>`, false},
		{"entropy not base64", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:Entropy><t:BinarySecret>A*AA</t:BinarySecret></t:Entropy></t:RequestSecurityToken>`, false},
		{"entropy encrypted", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:Entropy><e:EncryptedKey xmlns:e="` + wsse.NSXENC + `"/></t:Entropy></t:RequestSecurityToken>`, false},
		{"undefined trust element", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:KeySise>256</t:KeySise></t:RequestSecurityToken>`, false},
		{"element of trust 1.3", `<t:RequestSecurityToken ` + t5 + ` xmlns:n="` + wstrust.NSTrust13 + `">` + rt + `<n:KeySize>256</n:KeySize></t:RequestSecurityToken>`, false},
		{"response element", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:RequestedProofToken/></t:RequestSecurityToken>`, false},
		{"text", `<t:RequestSecurityToken ` + t5 + `>` + rt + `text</t:RequestSecurityToken>`, false},
		{"issue with target", `<t:RequestSecurityToken ` + t5 + `>` + rt + `<t:CancelTarget>` + sctRef + `</t:CancelTarget></t:RequestSecurityToken>`, false},
		{"renew without target", `<t:RequestSecurityToken ` + t5 + `><t:RequestType>` + wstrust.URIRenew200502 + `</t:RequestType></t:RequestSecurityToken>`, false},
		{"cancel with renew target", `<t:RequestSecurityToken ` + t5 + `><t:RequestType>` + wstrust.URICancel200502 + `</t:RequestType><t:RenewTarget>` + sctRef + `</t:RenewTarget></t:RequestSecurityToken>`, false},
		{"cancel target of 1.3", `<t:RequestSecurityToken ` + t5 + `><t:RequestType>` + wstrust.URICancel200502 + `</t:RequestType><t:CancelTarget>` + strings.Replace(sctRef, wstrust.URISCT200502, wstrust.URISCT13, 1) + `</t:CancelTarget></t:RequestSecurityToken>`, false},
		{"cancel target empty", `<t:RequestSecurityToken ` + t5 + `><t:RequestType>` + wstrust.URICancel200502 + `</t:RequestType><t:CancelTarget/></t:RequestSecurityToken>`, false},
		{"cancel target key identifier", `<t:RequestSecurityToken ` + t5 + `><t:RequestType>` + wstrust.URICancel200502 + `</t:RequestType><t:CancelTarget><o:SecurityTokenReference xmlns:o="` + wsse.NSWSSE + `"><o:KeyIdentifier>AAAA</o:KeyIdentifier></o:SecurityTokenReference></t:CancelTarget></t:RequestSecurityToken>`, false},
		{"empty Context", `<t:RequestSecurityToken ` + t5 + ` Context="">` + rt + `</t:RequestSecurityToken>`, false},
		{"Context with space", `<t:RequestSecurityToken ` + t5 + ` Context="a b">` + rt + `</t:RequestSecurityToken>`, false},
		{"lifetime reversed", `<t:RequestSecurityToken ` + t5 + ` xmlns:u="` + wsse.NSWSU + `">` + rt + `<t:Lifetime><u:Created>2024-01-02T00:00:00Z</u:Created><u:Expires>2024-01-01T00:00:00Z</u:Expires></t:Lifetime></t:RequestSecurityToken>`, false},
		{"too many children", `<t:RequestSecurityToken ` + t5 + `>` + rt + strings.Repeat(`<x:y xmlns:x="urn:x"/>`, wstrust.MaxChildren) + `</t:RequestSecurityToken>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := wstrust.ParseRST(wtParse(t, tc.xml))
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
		})
	}
	_, _, err := wstrust.ParseRST(nil)
	require.ErrorIs(t, err, ErrInvalidRequest)
}

func TestParseRSTRRejects(t *testing.T) {
	const t13 = `xmlns:t="` + wstrust.NSTrust13 + `" xmlns:u="` + wsse.NSWSU + `"`
	sct := `<sc:SecurityContextToken xmlns:sc="` + wstrust.NSSC13 + `"><sc:Identifier>urn:uuid:1</sc:Identifier></sc:SecurityContextToken>`
	for _, tc := range []struct {
		name, xml string
		ok        bool
	}{
		{"empty", `<t:RequestSecurityTokenResponse ` + t13 + `/>`, true},
		{"SCT", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedSecurityToken>` + sct + `</t:RequestedSecurityToken></t:RequestSecurityTokenResponse>`, true},
		{"other token", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedSecurityToken><x:Assertion xmlns:x="urn:saml"/></t:RequestedSecurityToken></t:RequestSecurityTokenResponse>`, true},
		{"lifetime without Created", `<t:RequestSecurityTokenResponse ` + t13 + `><t:Lifetime><u:Expires>2024-01-01T00:00:00+01:00</u:Expires></t:Lifetime></t:RequestSecurityTokenResponse>`, true},
		{"repeated token", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedSecurityToken>` + sct + `</t:RequestedSecurityToken><t:RequestedSecurityToken>` + sct + `</t:RequestedSecurityToken></t:RequestSecurityTokenResponse>`, false},
		{"two tokens", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedSecurityToken>` + sct + sct + `</t:RequestedSecurityToken></t:RequestSecurityTokenResponse>`, false},
		{"SCT of 2005/02", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedSecurityToken><c:SecurityContextToken xmlns:c="` + wstrust.NSSC200502 + `"><c:Identifier>urn:uuid:1</c:Identifier></c:SecurityContextToken></t:RequestedSecurityToken></t:RequestSecurityTokenResponse>`, false},
		{"SCT without Identifier", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedSecurityToken><sc:SecurityContextToken xmlns:sc="` + wstrust.NSSC13 + `"/></t:RequestedSecurityToken></t:RequestSecurityTokenResponse>`, false},
		{"computed key of 2005/02", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedProofToken><t:ComputedKey>` + wstrust.URICKPSHA1200502 + `</t:ComputedKey></t:RequestedProofToken></t:RequestSecurityTokenResponse>`, false},
		{"proof empty", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedProofToken/></t:RequestSecurityTokenResponse>`, false},
		{"proof unknown", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedProofToken><x:y xmlns:x="urn:x"/></t:RequestedProofToken></t:RequestSecurityTokenResponse>`, false},
		{"proof asymmetric", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedProofToken><t:BinarySecret Type="` + wstrust.URIAsymKey13 + `">AAAA</t:BinarySecret></t:RequestedProofToken></t:RequestSecurityTokenResponse>`, false},
		{"repeated entropy", `<t:RequestSecurityTokenResponse ` + t13 + `><t:Entropy><t:BinarySecret>AAAA</t:BinarySecret></t:Entropy><t:Entropy><t:BinarySecret>AAAA</t:BinarySecret></t:Entropy></t:RequestSecurityTokenResponse>`, false},
		{"reference not an STR", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedAttachedReference><x:y xmlns:x="urn:x"/></t:RequestedAttachedReference></t:RequestSecurityTokenResponse>`, false},
		{"bad lifetime", `<t:RequestSecurityTokenResponse ` + t13 + `><t:Lifetime><u:Created>yesterday</u:Created></t:Lifetime></t:RequestSecurityTokenResponse>`, false},
		{"lifetime repeated Created", `<t:RequestSecurityTokenResponse ` + t13 + `><t:Lifetime><u:Created>2024-01-01T00:00:00Z</u:Created><u:Created>2024-01-01T00:00:00Z</u:Created></t:Lifetime></t:RequestSecurityTokenResponse>`, false},
		{"lifetime year 10000", `<t:RequestSecurityTokenResponse ` + t13 + `><t:Lifetime><u:Expires>9999-12-31T23:00:00-02:00</u:Expires></t:Lifetime></t:RequestSecurityTokenResponse>`, false},
		{"lifetime foreign child", `<t:RequestSecurityTokenResponse ` + t13 + `><t:Lifetime><t:Created>2024-01-01T00:00:00Z</t:Created></t:Lifetime></t:RequestSecurityTokenResponse>`, false},
		{"cancelled with content", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestedTokenCancelled><x:y xmlns:x="urn:x"/></t:RequestedTokenCancelled></t:RequestSecurityTokenResponse>`, false},
		{"request element", `<t:RequestSecurityTokenResponse ` + t13 + `><t:RequestType>` + wstrust.URIIssue13 + `</t:RequestType></t:RequestSecurityTokenResponse>`, false},
		{"collection of another version", `<t:RequestSecurityTokenResponseCollection ` + t13 + `><n:RequestSecurityTokenResponse xmlns:n="` + wstrust.NSTrust200502 + `"/></t:RequestSecurityTokenResponseCollection>`, false},
		{"collection with text", `<t:RequestSecurityTokenResponseCollection ` + t13 + `>x<t:RequestSecurityTokenResponse/></t:RequestSecurityTokenResponseCollection>`, false},
		{"collection of RST", `<t:RequestSecurityTokenResponseCollection ` + t13 + `><t:RequestSecurityToken/></t:RequestSecurityTokenResponseCollection>`, false},
		{"RST", `<t:RequestSecurityToken ` + t13 + `/>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, v, err := wstrust.ParseRSTR(wtParse(t, tc.xml))
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, V13.wire(), v)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
		})
	}
	_, _, err := wstrust.ParseRSTR(nil)
	require.ErrorIs(t, err, ErrInvalidRequest)
}

func TestParseRSTRCookieLimit(t *testing.T) {
	sct := &wstrust.SecurityContextToken{Identifier: "urn:uuid:1", Cookie: make([]byte, 2000)}
	el := (&wstrust.RSTR{SCT: sct}).Build(V200502.wire())
	_, _, err := wstrust.Limits{MaxCookie: 1999}.ParseRSTR(el)
	require.ErrorIs(t, err, ErrInvalidRequest)
	r, _, err := wstrust.Limits{MaxCookie: 2000}.ParseRSTR(el)
	require.NoError(t, err)
	assert.Len(t, r.SCT.Cookie, 2000)
}

func TestLifetimeFormat(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2024-02-14T02:06:53Z", "2024-02-14T02:06:53.000Z"},
		{"2024-02-14T03:06:53.311+01:00", "2024-02-14T02:06:53.311Z"},
		{"2024-02-14T02:06:53.3111Z", "2024-02-14T02:06:53.3111Z"},
	} {
		assert.Equal(t, tc.want, wstrust.FormatTime(wtTime(t, tc.in)), tc.in)
	}
}
