package dsig

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const bstValueType = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"

// strMsg returns a message with a BinarySecurityToken and a
// SecurityTokenReference to it in the Security header.
func strMsg(t testing.TB) *msg {
	s := strings.Replace(envelope(10), `</o:Security>`,
		`<o:BinarySecurityToken u:Id="X509-1" ValueType="`+bstValueType+`" EncodingType="`+
			`http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">MIIBAAAA</o:BinarySecurityToken>`+
			`<o:SecurityTokenReference u:Id="STR-1"><o:Reference URI="#X509-1" ValueType="`+bstValueType+`"/></o:SecurityTokenReference>`+
			`</o:Security>`, 1)
	return parseMsg(t, s)
}

// strDeref dereferences a direct wsse:Reference through an ID index of the
// message.
func strDeref(m *msg) STRDereferenceFunc {
	return func(str *etree.Element) (*etree.Element, error) {
		idx, err := NewIDIndex(m.env)
		if err != nil {
			return nil, err
		}
		ref := child(str, "Reference")
		if ref == nil {
			return nil, errors.New("no wsse:Reference")
		}
		tok := idx.Lookup(strings.TrimPrefix(ref.SelectAttrValue("URI", ""), "#"))
		if tok == nil {
			return nil, errors.New("token not found")
		}
		return tok, nil
	}
}

func TestSTRTransformRoundTrip(t *testing.T) {
	m := strMsg(t)
	str := child(m.security, "SecurityTokenReference")
	refs := append(m.refs(AlgSHA256), Reference{Element: str, ID: "STR-1", DigestMethod: AlgSHA256, Transform: TransformSTR})
	m.signInto(t, SignOptions{References: refs, SignatureMethod: AlgHMACSHA256, Key: testHMACKey, STRDereference: strDeref(m)})
	m = m.reparse(t)
	assert.Contains(t, m.String(), `<ds:Transform Algorithm="`+TransformSTR+`"><wsse:TransformationParameters xmlns:wsse="`+NSWSSE+
		`"><ds:CanonicalizationMethod Algorithm="`+AlgExcC14N+`"/></wsse:TransformationParameters></ds:Transform>`)

	opts := VerifyOptions{KeyResolver: fixedKey(testHMACKey), STRDereference: strDeref(m)}
	v, err := m.verify(opts)
	require.NoError(t, err)
	require.Len(t, v.References, 4)
	r := v.References[3]
	assert.Same(t, child(m.security, "SecurityTokenReference"), r.Element)
	assert.Same(t, child(m.security, "BinarySecurityToken"), r.Token)
	assert.Equal(t, TransformSTR, r.Transform)

	// The token is what is signed: changing it breaks the signature even
	// though the STR itself is unchanged.
	child(m.security, "BinarySecurityToken").SetText("MIIBAAAB")
	_, err = m.verify(opts)
	require.ErrorIs(t, err, ErrInvalidSignature)
	child(m.security, "BinarySecurityToken").SetText("MIIBAAAA")

	// Without a dereference function (or with STR not allowed) the
	// transform is refused; dereference failures are unresolved references.
	_, err = m.verify(VerifyOptions{KeyResolver: fixedKey(testHMACKey)})
	require.ErrorIs(t, err, ErrUnsupportedAlgorithm)
	_, err = m.verify(VerifyOptions{KeyResolver: fixedKey(testHMACKey), STRDereference: strDeref(m), Transforms: []string{AlgExcC14N}})
	require.ErrorIs(t, err, ErrUnsupportedAlgorithm)
	fail := errors.New("boom")
	_, err = m.verify(VerifyOptions{KeyResolver: fixedKey(testHMACKey),
		STRDereference: func(*etree.Element) (*etree.Element, error) { return nil, fail }})
	require.ErrorIs(t, err, ErrUnresolvedReference)
	require.ErrorIs(t, err, fail)
	_, err = m.verify(VerifyOptions{KeyResolver: fixedKey(testHMACKey),
		STRDereference: func(*etree.Element) (*etree.Element, error) { return nil, nil }})
	require.ErrorIs(t, err, ErrUnresolvedReference)
}

func TestSTRTransformRefusals(t *testing.T) {
	m := strMsg(t)
	str := child(m.security, "SecurityTokenReference")
	deref := strDeref(m)

	// Signing: the STR-Transform applies to a SecurityTokenReference only.
	_, err := Sign(SignOptions{
		References:      []Reference{{Element: m.body, ID: "_1", DigestMethod: AlgSHA1, Transform: TransformSTR}},
		SignatureMethod: AlgHMACSHA1, Key: testHMACKey, STRDereference: deref,
	})
	require.ErrorIs(t, err, ErrMalformed)
	_, err = Sign(SignOptions{
		References:      []Reference{{Element: str, ID: "STR-1", DigestMethod: AlgSHA1, Transform: TransformSTR}},
		SignatureMethod: AlgHMACSHA1, Key: testHMACKey,
		STRDereference: func(*etree.Element) (*etree.Element, error) { return nil, errors.New("x") },
	})
	require.ErrorIs(t, err, ErrUnresolvedReference)

	// Verifying: an STR-Transform reference retargeted to the Body, and a
	// TransformationParameters with another canonicalization.
	sig, err := Sign(SignOptions{
		References:      []Reference{{Element: str, ID: "STR-1", DigestMethod: AlgSHA1, Transform: TransformSTR}},
		SignatureMethod: AlgHMACSHA1, Key: testHMACKey, STRDereference: deref,
	})
	require.NoError(t, err)
	m.security.AddChild(sig.Element)
	opts := VerifyOptions{KeyResolver: fixedKey(testHMACKey), STRDereference: deref}
	_, err = m.verify(opts)
	require.NoError(t, err)

	m.reference(0).CreateAttr("URI", "#_1")
	resign(t, m)
	_, err = m.verify(opts)
	require.ErrorIs(t, err, ErrMalformed)
	m.reference(0).CreateAttr("URI", "#STR-1")

	cm := descendant(m.transform(0), "CanonicalizationMethod")
	cm.CreateAttr("Algorithm", AlgExcC14NComments)
	resign(t, m)
	_, err = m.verify(VerifyOptions{KeyResolver: fixedKey(testHMACKey), STRDereference: deref,
		CanonicalizationMethods: []string{AlgExcC14N, AlgExcC14NComments}})
	require.ErrorIs(t, err, ErrUnsupportedAlgorithm)
	cm.CreateAttr("Algorithm", AlgExcC14N)

	tp := child(m.transform(0), "TransformationParameters")
	m.transform(0).RemoveChild(tp)
	resign(t, m)
	_, err = m.verify(opts)
	require.ErrorIs(t, err, ErrMalformed)
}

// TestSTRTransformOutput pins the bytes the STR-Transform digests: the
// token's exclusive canonical form with "#default" inclusive and xmlns=""
// on the apex when no default namespace is in scope (as WSS4J computes it).
func TestSTRTransformOutput(t *testing.T) {
	cases := []struct {
		name, doc, want string
		prefixes        []string
	}{
		{
			name: "prefixed token",
			doc:  `<r xmlns:o="urn:o" xmlns:u="urn:u" xmlns:unused="urn:x"><o:Token u:Id="t" A="1">x</o:Token></r>`,
			want: `<o:Token xmlns="" xmlns:o="urn:o" xmlns:u="urn:u" A="1" u:Id="t">x</o:Token>`,
		},
		{
			name: "default namespace in scope",
			doc:  `<r xmlns="urn:d"><Token>x<c/></Token></r>`,
			want: `<Token xmlns="urn:d">x<c></c></Token>`,
		},
		{
			name: "no namespace, no attributes",
			doc:  `<r><Token>x</Token></r>`,
			want: `<Token xmlns="">x</Token>`,
		},
		{
			name: "default undeclared",
			doc:  `<r xmlns="urn:d"><o:Token xmlns:o="urn:o" xmlns="">x</o:Token></r>`,
			want: `<o:Token xmlns="" xmlns:o="urn:o">x</o:Token>`,
		},
		{
			name:     "extra inclusive prefix",
			doc:      `<r xmlns:o="urn:o" xmlns:p="urn:p"><o:Token/></r>`,
			prefixes: []string{"p"},
			want:     `<o:Token xmlns="" xmlns:o="urn:o" xmlns:p="urn:p"></o:Token>`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := etree.NewDocument()
			require.NoError(t, doc.ReadFromString(c.doc))
			tok := doc.Root().ChildElements()[0]
			var buf bytes.Buffer
			require.NoError(t, writeSTR(&buf, tok, c.prefixes))
			assert.Equal(t, c.want, buf.String())
		})
	}
}

func TestXMLNSInserterChunks(t *testing.T) {
	for _, in := range []string{`<a:b c="1"></a:b>`, `<x></x>`, `<` + strings.Repeat("n", 5000) + `></` + strings.Repeat("n", 5000) + `>`} {
		var whole bytes.Buffer
		_, err := (&xmlnsInserter{w: &whole}).Write([]byte(in))
		require.NoError(t, err)
		var out bytes.Buffer
		x := &xmlnsInserter{w: &out}
		for i := 0; i < len(in); i++ {
			_, err := x.Write([]byte{in[i]})
			require.NoError(t, err)
		}
		assert.Equal(t, whole.String(), out.String())
		assert.Equal(t, 1, strings.Count(out.String(), `xmlns=""`))
	}
}
