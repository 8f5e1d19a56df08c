package secureconv

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSCT(t *testing.T) {
	const c5 = `xmlns:c="` + wstrust.NSSC200502 + `" xmlns:u="` + wsse.NSWSU + `"`
	const dnse = `xmlns:dnse="` + wstrust.NSDotNetSecurity + `"`
	long := "urn:" + strings.Repeat("x", wstrust.MaxIdentifierLen)
	for _, tc := range []struct {
		name, xml string
		want      *wstrust.SecurityContextToken
	}{
		{"minimal", `<c:SecurityContextToken ` + c5 + `><c:Identifier>urn:uuid:1</c:Identifier></c:SecurityContextToken>`,
			&wstrust.SecurityContextToken{Version: V200502.wire(), Identifier: "urn:uuid:1"}},
		{"full", `<c:SecurityContextToken u:Id="uuid-1-1" ` + c5 + `>
			<c:Identifier> urn:uuid:1 </c:Identifier>
			<c:Instance>urn:uuid:2</c:Instance>
			<dnse:Cookie ` + dnse + `>
				AAEC
				AwQ=</dnse:Cookie>
		</c:SecurityContextToken>`,
			&wstrust.SecurityContextToken{Version: V200502.wire(), ID: "uuid-1-1", Identifier: "urn:uuid:1", Instance: "urn:uuid:2", Cookie: []byte{0, 1, 2, 3, 4}}},
		{"1.3 any order", `<sc:SecurityContextToken xmlns:sc="` + wstrust.NSSC13 + `"><sc:Instance>i</sc:Instance><sc:Identifier>id</sc:Identifier></sc:SecurityContextToken>`,
			&wstrust.SecurityContextToken{Version: V13.wire(), Identifier: "id", Instance: "i"}},
		{"default namespace", `<SecurityContextToken xmlns="` + wstrust.NSSC13 + `"><Identifier>id</Identifier></SecurityContextToken>`,
			&wstrust.SecurityContextToken{Version: V13.wire(), Identifier: "id"}},
		{"no Identifier", `<c:SecurityContextToken ` + c5 + `><c:Instance>i</c:Instance></c:SecurityContextToken>`, nil},
		{"empty Identifier", `<c:SecurityContextToken ` + c5 + `><c:Identifier> </c:Identifier></c:SecurityContextToken>`, nil},
		{"Identifier with space", `<c:SecurityContextToken ` + c5 + `><c:Identifier>urn:a b</c:Identifier></c:SecurityContextToken>`, nil},
		{"Identifier too long", `<c:SecurityContextToken ` + c5 + `><c:Identifier>` + long + `</c:Identifier></c:SecurityContextToken>`, nil},
		{"Identifier with element", `<c:SecurityContextToken ` + c5 + `><c:Identifier><c:x/></c:Identifier></c:SecurityContextToken>`, nil},
		{"two Identifiers", `<c:SecurityContextToken ` + c5 + `><c:Identifier>a</c:Identifier><c:Identifier>a</c:Identifier></c:SecurityContextToken>`, nil},
		{"two Instances", `<c:SecurityContextToken ` + c5 + `><c:Identifier>a</c:Identifier><c:Instance>a</c:Instance><c:Instance>a</c:Instance></c:SecurityContextToken>`, nil},
		{"two Cookies", `<c:SecurityContextToken ` + c5 + `><c:Identifier>a</c:Identifier><dnse:Cookie ` + dnse + `>AA==</dnse:Cookie><dnse:Cookie ` + dnse + `>AA==</dnse:Cookie></c:SecurityContextToken>`, nil},
		{"empty Cookie", `<c:SecurityContextToken ` + c5 + `><c:Identifier>a</c:Identifier><dnse:Cookie ` + dnse + `/></c:SecurityContextToken>`, nil},
		{"elided Cookie", `<c:SecurityContextToken ` + c5 + `><c:Identifier>a</c:Identifier><dnse:Cookie ` + dnse + `>AQAAANCMnd8BFdER...8m2TkFSx3Me4jE8Qwg==</dnse:Cookie></c:SecurityContextToken>`, nil},
		{"Cookie in SC namespace", `<c:SecurityContextToken ` + c5 + `><c:Identifier>a</c:Identifier><c:Cookie>AA==</c:Cookie></c:SecurityContextToken>`, nil},
		{"Identifier of 1.3 in 2005/02", `<c:SecurityContextToken ` + c5 + ` xmlns:sc="` + wstrust.NSSC13 + `"><sc:Identifier>a</sc:Identifier></c:SecurityContextToken>`, nil},
		{"unknown child", `<c:SecurityContextToken ` + c5 + `><c:Identifier>a</c:Identifier><x:y xmlns:x="urn:x"/></c:SecurityContextToken>`, nil},
		{"text", `<c:SecurityContextToken ` + c5 + `>text<c:Identifier>a</c:Identifier></c:SecurityContextToken>`, nil},
		{"empty wsu:Id", `<c:SecurityContextToken u:Id="" ` + c5 + `><c:Identifier>a</c:Identifier></c:SecurityContextToken>`, nil},
		{"wrong namespace", `<c:SecurityContextToken xmlns:c="urn:sc"><c:Identifier>a</c:Identifier></c:SecurityContextToken>`, nil},
		{"wrong name", `<c:DerivedKeyToken ` + c5 + `><c:Identifier>a</c:Identifier></c:DerivedKeyToken>`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			el := wtParse(t, tc.xml)
			got, err := wstrust.ParseSCT(el)
			if tc.want == nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, wssecurity.ErrInvalidToken)
				return
			}
			require.NoError(t, err)
			tc.want.Element = el
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := wstrust.ParseSCT(nil)
	require.ErrorIs(t, err, wssecurity.ErrInvalidToken)
}

func TestParseSCTCookieLimit(t *testing.T) {
	cookie := make([]byte, wstrust.DefaultMaxCookie+1)
	el := (&wstrust.SecurityContextToken{Identifier: "urn:uuid:1", Cookie: cookie}).Build(V200502.wire())
	_, err := wstrust.ParseSCT(el)
	require.ErrorIs(t, err, wssecurity.ErrInvalidToken, "default limit")
	s, err := wstrust.Limits{MaxCookie: len(cookie)}.ParseSCT(el)
	require.NoError(t, err)
	assert.Equal(t, cookie, s.Cookie)
	_, err = wstrust.Limits{MaxCookie: 100}.ParseSCT((&wstrust.SecurityContextToken{Identifier: "a", Cookie: make([]byte, 101)}).Build(V13.wire()))
	require.ErrorIs(t, err, wssecurity.ErrInvalidToken)
}

func TestSCTBuild(t *testing.T) {
	for _, tc := range []struct {
		v    Version
		sct  wstrust.SecurityContextToken
		want string
	}{
		{V200502, wstrust.SecurityContextToken{ID: "uuid-e07815b0-1", Identifier: "urn:uuid:40859149"},
			`<c:SecurityContextToken u:Id="uuid-e07815b0-1" xmlns:c="` + wstrust.NSSC200502 + `" xmlns:u="` + wsse.NSWSU + `">` +
				`<c:Identifier>urn:uuid:40859149</c:Identifier></c:SecurityContextToken>`},
		{V13, wstrust.SecurityContextToken{Identifier: "urn:uuid:1", Instance: "urn:uuid:2", Cookie: []byte{1, 2, 3}},
			`<sc:SecurityContextToken xmlns:sc="` + wstrust.NSSC13 + `"><sc:Identifier>urn:uuid:1</sc:Identifier>` +
				`<sc:Instance>urn:uuid:2</sc:Instance><dnse:Cookie xmlns:dnse="` + wstrust.NSDotNetSecurity + `">AQID</dnse:Cookie></sc:SecurityContextToken>`},
	} {
		t.Run(tc.v.String(), func(t *testing.T) {
			el := tc.sct.Build(tc.v.wire())
			out, err := etree.NewDocumentWithRoot(el).WriteToString()
			require.NoError(t, err)
			assert.Equal(t, tc.want, out)
			back, err := wstrust.ParseSCT(wtParse(t, out))
			require.NoError(t, err)
			assert.Equal(t, tc.v.wire(), back.Version)
			assert.Equal(t, tc.sct.ID, back.ID)
			assert.Equal(t, tc.sct.Identifier, back.Identifier)
			assert.Equal(t, tc.sct.Instance, back.Instance)
			assert.Equal(t, tc.sct.Cookie, back.Cookie)
		})
	}
}

// A client echoes the SCT it received unchanged: the clone of the token in
// the RSTR stands alone with the declarations it inherited and has the
// same canonical form, hence the same digest when signed.
func TestSCTCloneEchoesReceivedToken(t *testing.T) {
	rstr, _, err := wstrust.ParseRSTR(wtMessage(t, "02_corewcf_rstr-sct-response.xml").Payload())
	require.NoError(t, err)
	clone := rstr.SCT.Clone()
	require.NotNil(t, clone.Element)
	assert.Nil(t, clone.Element.Parent())
	assert.NotSame(t, rstr.SCT.Element, clone.Element)
	assert.Equal(t, wtC14N(t, rstr.SCT.Element), wtC14N(t, clone.Element))
	out, err := etree.NewDocumentWithRoot(clone.Element).WriteToString()
	require.NoError(t, err)
	assert.Equal(t, `<c:SecurityContextToken u:Id="uuid-e07815b0-d900-49c8-8ec6-a8ee018263c9-1" xmlns:c="http://schemas.xmlsoap.org/ws/2005/02/sc" xmlns:u="`+wsse.NSWSU+`">
          <c:Identifier>urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08</c:Identifier>
        </c:SecurityContextToken>`, out)

	// The WCF client's next request (capture 03) carries the same token
	// (re-indented at another depth by the publisher): placed in the
	// Security header, the clone canonicalizes as WCF's does.
	m := wtMessage(t, "03_corewcf_app-request-sct-hmac.xml")
	sent := wtOne(t, m.Envelope, wstrust.NSSC200502, wstrust.ElSCT)
	want := wtC14N(t, wtStrip(sent))
	sec := m.FindHeader(wsse.NSWSSE, "Security")
	require.NotNil(t, sec)
	at := sent.Index()
	sec.RemoveChild(sent)
	echoed := wtStrip(clone.Element)
	sec.InsertChildAt(at, echoed)
	assert.Equal(t, want, wtC14N(t, echoed))

	// Clones are independent.
	clone.Cookie = []byte{1}
	clone.Element.CreateAttr("x", "y")
	assert.Nil(t, rstr.SCT.Cookie)
	assert.Nil(t, rstr.SCT.Element.SelectAttr("x"))

	// Default-namespace form ([MS-LWSSP]): the default namespace is
	// carried over.
	lw := wtParse(t, `<r xmlns="`+wstrust.NSSC13+`" xmlns:a="`+wsse.NSWSU+`"><SecurityContextToken a:Id="x"><Identifier>i</Identifier></SecurityContextToken></r>`)
	s, err := wstrust.ParseSCT(lw.ChildElements()[0])
	require.NoError(t, err)
	out, err = etree.NewDocumentWithRoot(s.Clone().Element).WriteToString()
	require.NoError(t, err)
	assert.Equal(t, `<SecurityContextToken a:Id="x" xmlns="`+wstrust.NSSC13+`" xmlns:a="`+wsse.NSWSU+`"><Identifier>i</Identifier></SecurityContextToken>`, out)
	built := (&wstrust.SecurityContextToken{ID: "x", Identifier: "i"}).Clone()
	assert.Nil(t, built.Element)
}

func TestSCTReferenceBuild(t *testing.T) {
	for _, tc := range []struct {
		name string
		el   *etree.Element
		want string
	}{
		{"local 2005/02", wstrust.NewSCTLocalReference(V200502.wire(), "uuid-1"),
			`<o:SecurityTokenReference xmlns:o="` + wsse.NSWSSE + `"><o:Reference ValueType="` + wstrust.URISCT200502 + `" URI="#uuid-1"/></o:SecurityTokenReference>`},
		{"external 2005/02", wstrust.NewSCTReference(V200502.wire(), "urn:uuid:1", ""),
			`<o:SecurityTokenReference xmlns:o="` + wsse.NSWSSE + `"><o:Reference URI="urn:uuid:1" ValueType="` + wstrust.URISCT200502 + `"/></o:SecurityTokenReference>`},
		{"external with Instance 2005/02", wstrust.NewSCTReference(V200502.wire(), "urn:uuid:1", "urn:uuid:2"),
			`<o:SecurityTokenReference xmlns:o="` + wsse.NSWSSE + `"><o:Reference URI="urn:uuid:1" c:Instance="urn:uuid:2" xmlns:c="` + wstrust.NSSC200502 + `" ValueType="` + wstrust.URISCT200502 + `"/></o:SecurityTokenReference>`},
		{"external with Instance 1.3", wstrust.NewSCTReference(V13.wire(), "urn:uuid:1", "urn:uuid:2"),
			`<o:SecurityTokenReference xmlns:o="` + wsse.NSWSSE + `"><o:Reference URI="urn:uuid:1" sc:Instance="urn:uuid:2" xmlns:sc="` + wstrust.NSSC13 + `" ValueType="` + wstrust.URISCT13 + `"/></o:SecurityTokenReference>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := etree.NewDocumentWithRoot(tc.el).WriteToString()
			require.NoError(t, err)
			assert.Equal(t, tc.want, out)
			r, err := wstrust.ParseSCTReference(wtParse(t, out))
			require.NoError(t, err)
			assert.NotZero(t, r.Version)
			// wssecurity reads the same references (it ignores Instance).
			s, err := wsse.ParseSTR(tc.el)
			require.NoError(t, err)
			assert.Equal(t, r.URI, s.URI)
		})
	}
	sct := &wstrust.SecurityContextToken{ID: "id1", Identifier: "urn:uuid:1", Instance: "urn:uuid:2"}
	for _, v := range []Version{V200502, V13} {
		att, err := wstrust.ParseSCTReference(sct.AttachedReference(v.wire()))
		require.NoError(t, err)
		assert.Equal(t, &wstrust.SCTReference{Version: v.wire(), URI: "#id1", LocalID: "id1", Element: att.Element}, att)
		assert.True(t, att.Local())
		assert.True(t, att.Matches(sct))
		un, err := wstrust.ParseSCTReference(sct.UnattachedReference(v.wire()))
		require.NoError(t, err)
		assert.Equal(t, &wstrust.SCTReference{Version: v.wire(), URI: "urn:uuid:1", Identifier: "urn:uuid:1", Instance: "urn:uuid:2", Element: un.Element}, un)
		assert.False(t, un.Local())
		assert.True(t, un.Matches(sct))
		assert.False(t, un.Matches(&wstrust.SecurityContextToken{Identifier: "urn:uuid:1", Instance: "urn:uuid:3"}), "other generation")
		assert.False(t, att.Matches(&wstrust.SecurityContextToken{Identifier: "urn:uuid:1"}), "no wsu:Id")
	}
}

func TestParseSCTReferenceRejects(t *testing.T) {
	const o = `xmlns:o="` + wsse.NSWSSE + `"`
	for _, tc := range []struct {
		name, xml string
		ok        bool
	}{
		{"no ValueType", `<o:SecurityTokenReference ` + o + `><o:Reference URI="#a"/></o:SecurityTokenReference>`, true},
		{"with wsse11:TokenType", `<o:SecurityTokenReference ` + o + ` xmlns:k="` + wsse.NSWSSE11 + `" k:TokenType="` + wstrust.URISCT200502 + `"><o:Reference URI="urn:a"/></o:SecurityTokenReference>`, true},
		{"not an STR", `<o:Reference ` + o + ` URI="#a"/>`, false},
		{"KeyIdentifier", `<o:SecurityTokenReference ` + o + `><o:KeyIdentifier>AAAA</o:KeyIdentifier></o:SecurityTokenReference>`, false},
		{"two references", `<o:SecurityTokenReference ` + o + `><o:Reference URI="#a"/><o:Reference URI="#a"/></o:SecurityTokenReference>`, false},
		{"empty", `<o:SecurityTokenReference ` + o + `/>`, false},
		{"no URI", `<o:SecurityTokenReference ` + o + `><o:Reference/></o:SecurityTokenReference>`, false},
		{"empty URI", `<o:SecurityTokenReference ` + o + `><o:Reference URI=""/></o:SecurityTokenReference>`, false},
		{"bare #", `<o:SecurityTokenReference ` + o + `><o:Reference URI="#"/></o:SecurityTokenReference>`, false},
		{"URI with space", `<o:SecurityTokenReference ` + o + `><o:Reference URI="urn:a b"/></o:SecurityTokenReference>`, false},
		{"ValueType of a DKT", `<o:SecurityTokenReference ` + o + `><o:Reference URI="#a" ValueType="` + wstrust.URIDK200502 + `"/></o:SecurityTokenReference>`, false},
		{"ValueType EncryptedKey", `<o:SecurityTokenReference ` + o + `><o:Reference URI="#a" ValueType="` + wsse.URIEncryptedKeyToken + `"/></o:SecurityTokenReference>`, false},
		{"Instance on local", `<o:SecurityTokenReference ` + o + ` xmlns:c="` + wstrust.NSSC200502 + `"><o:Reference URI="#a" c:Instance="i"/></o:SecurityTokenReference>`, false},
		{"Instance of other version", `<o:SecurityTokenReference ` + o + ` xmlns:c="` + wstrust.NSSC200502 + `"><o:Reference URI="urn:a" c:Instance="i" ValueType="` + wstrust.URISCT13 + `"/></o:SecurityTokenReference>`, false},
		{"two Instances", `<o:SecurityTokenReference ` + o + ` xmlns:c="` + wstrust.NSSC200502 + `" xmlns:sc="` + wstrust.NSSC13 + `"><o:Reference URI="urn:a" c:Instance="i" sc:Instance="i"/></o:SecurityTokenReference>`, false},
		{"content in Reference", `<o:SecurityTokenReference ` + o + `><o:Reference URI="#a">x</o:Reference></o:SecurityTokenReference>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wstrust.ParseSCTReference(wtParse(t, tc.xml))
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, wssecurity.ErrInvalidToken)
		})
	}
}

// The application request of the CoreWCF capture carries the SCT and
// references it from the signature's KeyInfo.
func TestSCTCaptureAppRequest(t *testing.T) {
	m := wtMessage(t, "03_corewcf_app-request-sct-hmac.xml")
	sct, err := wstrust.ParseSCT(wtOne(t, m.Envelope, wstrust.NSSC200502, wstrust.ElSCT))
	require.NoError(t, err)
	assert.Equal(t, "uuid-e07815b0-d900-49c8-8ec6-a8ee018263c9-1", sct.ID)
	assert.Equal(t, "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08", sct.Identifier)
	ref, err := wstrust.ParseSCTReference(wtOne(t, m.Envelope, wsse.NSWSSE, wstrust.ElSTR))
	require.NoError(t, err)
	assert.Equal(t, V200502.wire(), ref.Version)
	assert.True(t, ref.Matches(sct))
	// Our request-side reference is WCF's.
	assert.Equal(t, wtC14N(t, wtStrip(ref.Element)), wtC14N(t, sct.AttachedReference(V200502.wire())))
}

// Security headers of WCF traces: SCTs (with elided cookies in 11 and 17)
// and the DerivedKeyTokens that reference them.
func TestSCTCaptureSecurityHeaders(t *testing.T) {
	for _, tc := range []struct {
		file, id, identifier string
		cookie               bool
		dkts                 int
	}{
		{"11_ccnz-sc_security-header-bootstrap-sslnego-sct-cookie-dkt-encrypted.xml", "uuid-6fc9e406-b164-4afd-a20d-437677b0b60f-1", "urn:uuid:01c4796c-46f4-40b3-a4b9-c383de2673b1", true, 2},
		{"12_ccnz-sc_security-header-app-request-session-sct-dkt-hmac.xml", "uuid-6fc9e406-b164-4afd-a20d-437677b0b60f-2", "urn:uuid:81a9cc88-8c1e-4df9-862e-cefbffe76566", false, 1},
		{"17_ccnz-ssl_security-header-app-request-sct-cookie-dkt-encrypted.xml", "uuid-62370337-8af2-4e0f-831c-dcbd9e37db01-1", "urn:uuid:d65ced26-babb-49e9-a0f6-e46de6ab0fc6", true, 2},
	} {
		t.Run(tc.file[:2], func(t *testing.T) {
			root := wtFragment(t, tc.file)
			el := wtOne(t, root, wstrust.NSSC200502, wstrust.ElSCT)
			sct, err := wstrust.ParseSCT(el)
			if tc.cookie {
				require.ErrorIs(t, err, wssecurity.ErrInvalidToken, "elided cookie")
				assert.Contains(t, err.Error(), "Cookie")
				// The structure parses once the cookie is well-formed.
				wtOne(t, el, wstrust.NSDotNetSecurity, wstrust.ElCookie).SetText("\n  AQAAANCMnd8BFdER\n  Me4jE8Qw")
				sct, err = wstrust.ParseSCT(el)
				require.NoError(t, err)
				assert.NotEmpty(t, sct.Cookie)
			} else {
				require.NoError(t, err)
				assert.Nil(t, sct.Cookie)
			}
			assert.Equal(t, tc.id, sct.ID)
			assert.Equal(t, tc.identifier, sct.Identifier)

			dkts := wtFind(root, wstrust.NSSC200502, "DerivedKeyToken")
			require.Len(t, dkts, tc.dkts)
			for _, d := range dkts {
				dkt, err := wsse.ParseDerivedKeyToken(d)
				require.NoError(t, err)
				ref, err := wstrust.ParseSCTReference(dkt.STR)
				require.NoError(t, err)
				assert.Equal(t, wstrust.Version(0), ref.Version, "WCF's DKT references carry no ValueType")
				assert.True(t, ref.Matches(sct))
				assert.Len(t, dkt.Nonce, 16)
			}
		})
	}
}

// mono's capture 22: an SCT whose cookie is WCF's unprotected
// SecurityContextSecurityToken blob (.NET binary XML) holding the key.
func TestSCTCapturePlaintextCookie(t *testing.T) {
	root := wtFragment(t, "22_mono_sslnego-sct-plaintext-cookie.xml")
	sct, err := wstrust.ParseSCT(wtOne(t, root, wstrust.NSSC200502, wstrust.ElSCT))
	require.NoError(t, err)
	assert.Equal(t, "uuid-709ab608-2004-44d5-b392-f3c5bf7c67fb-1", sct.ID)
	assert.Equal(t, "urn:uuid:b76bdd9d-89a7-45f5-83e7-b474e6f044b3", sct.Identifier)
	key := wtB64(t, "gLowfrwP4Hgn0lOSqlA2fr0k4NAKgRZX+0BVs2EOesY=")
	// The key is written as Bytes8Text of 30 bytes then 2 more bytes.
	assert.True(t, bytes.Contains(sct.Cookie, key[:30]))
	assert.True(t, bytes.Contains(sct.Cookie, []byte("uuid-709ab608-2004-44d5-b392-f3c5bf7c67fb-1")))
	// Rebuilding from the fields gives the same canonical token.
	assert.Equal(t, wtC14N(t, wtStrip(sct.Element)), wtC14N(t, sct.Build(V200502.wire())))
}

// mono's capture 25: a DerivedKeyToken over an EncryptedKey is not an SCT
// reference.
func TestSCTCaptureDKTOverEncryptedKey(t *testing.T) {
	root := wtFragment(t, "25_mono_derivedkeytoken-ref-encryptedkey.xml")
	dkt, err := wsse.ParseDerivedKeyToken(wtOne(t, root, wstrust.NSSC200502, "DerivedKeyToken"))
	require.NoError(t, err)
	assert.Equal(t, 24, dkt.Length)
	_, err = wstrust.ParseSCTReference(dkt.STR)
	require.ErrorIs(t, err, wssecurity.ErrInvalidToken)
	assert.Equal(t, base64.StdEncoding.EncodeToString(dkt.Nonce), "BIUeTKeOhR5HeE646ZyA+w==")
}
