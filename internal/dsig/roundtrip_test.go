package dsig

import (
	"crypto"
	"crypto/rsa"
	"io"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signMethods lists every signature method with a signing and a
// verification key.
func signMethods(t testing.TB) []struct {
	name, uri       string
	signKey, verKey any
} {
	k := testRSAKey(t)
	return []struct {
		name, uri       string
		signKey, verKey any
	}{
		{"rsa-sha1", AlgRSASHA1, k, &k.PublicKey},
		{"rsa-sha256", AlgRSASHA256, k, &k.PublicKey},
		{"hmac-sha1", AlgHMACSHA1, testHMACKey, testHMACKey},
		{"hmac-sha256", AlgHMACSHA256, testHMACKey, testHMACKey},
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	layouts := []struct {
		name       string
		siPrefixes []string
		refPrefix  [][]string
		c14n       string
	}{
		{name: "plain"},
		{name: "wss4j-prefixlists", siPrefixes: []string{"s", "a", "u"},
			refPrefix: [][]string{{"a", "u"}, {"o", "s", "a"}, {"s"}}},
		{name: "default-prefix", siPrefixes: []string{"#default"}, refPrefix: [][]string{{"#default"}}},
		{name: "with-comments", c14n: AlgExcC14NComments},
	}
	for _, sm := range signMethods(t) {
		for _, dm := range []string{AlgSHA1, AlgSHA256} {
			for _, l := range layouts {
				t.Run(sm.name+"/"+dm[len(dm)-6:]+"/"+l.name, func(t *testing.T) {
					m := parseMsg(t, envelope(300))
					ki := NewKeyInfo(etree.NewElement("o:SecurityTokenReference"))
					s := m.signInto(t, SignOptions{
						References:             m.refs(dm, l.refPrefix...),
						CanonicalizationMethod: l.c14n,
						InclusivePrefixes:      l.siPrefixes,
						SignatureMethod:        sm.uri,
						Key:                    sm.signKey,
						ID:                     "SIG-1",
						KeyInfo:                ki,
					})
					r := m.reparse(t)
					var gotKeyInfo *etree.Element
					var gotMethod string
					opts := VerifyOptions{KeyResolver: func(ki *etree.Element, method string) (any, error) {
						gotKeyInfo, gotMethod = ki, method
						return sm.verKey, nil
					}}
					if l.c14n != "" {
						opts.CanonicalizationMethods = []string{AlgExcC14N, AlgExcC14NComments}
					}
					v, err := r.verify(opts)
					require.NoError(t, err, "%s", r)
					assert.Equal(t, sm.uri, v.SignatureMethod)
					assert.Equal(t, sm.uri, gotMethod)
					assert.Equal(t, s.SignatureValue, v.SignatureValue)
					assert.Same(t, r.signature().SelectElement("ds:KeyInfo"), gotKeyInfo)
					assert.Same(t, gotKeyInfo, v.KeyInfo)
					assert.Equal(t, sm.verKey, v.Key)
					require.Len(t, v.References, 3)
					for i, want := range []*etree.Element{r.body, r.ts, r.to} {
						assert.Same(t, want, v.References[i].Element, "reference %d", i)
						assert.Equal(t, dm, v.References[i].DigestMethod)
						assert.Equal(t, AlgExcC14N, v.References[i].Transform)
						assert.Nil(t, v.References[i].Token)
					}
					assert.Equal(t, []string{"#_1", "#_0", "#_2"},
						[]string{v.References[0].URI, v.References[1].URI, v.References[2].URI})

					// The detached result is verifiable in place too,
					// without a serialization round trip.
					_, err = m.verify(opts)
					require.NoError(t, err)
				})
			}
		}
	}
}

// TestSignatureWireForm checks the shape of what Sign writes.
func TestSignatureWireForm(t *testing.T) {
	m := parseMsg(t, envelope(10))
	s, err := Sign(SignOptions{
		References:        []Reference{{Element: m.ts, ID: "_0", DigestMethod: AlgSHA1, InclusivePrefixes: []string{"o"}}},
		InclusivePrefixes: []string{"s"},
		Context:           m.security,
		SignatureMethod:   AlgHMACSHA1,
		Key:               testHMACKey,
		ID:                "_3",
	})
	require.NoError(t, err)
	assert.Nil(t, s.Element.Parent())
	doc := etree.NewDocument()
	doc.SetRoot(s.Element)
	out, err := doc.WriteToString()
	require.NoError(t, err)
	want := `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="_3"><ds:SignedInfo>` +
		`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="s"/></ds:CanonicalizationMethod>` +
		`<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"/>` +
		`<ds:Reference URI="#_0"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="o"/></ds:Transform></ds:Transforms>` +
		`<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/><ds:DigestValue>`
	assert.Contains(t, out, want)
	assert.Contains(t, out, `</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>`)
	assert.Len(t, s.SignatureValue, 20)
	// The Context was not modified.
	assert.Len(t, m.security.ChildElements(), 1)
}

// TestSignContextMatters shows why a SignedInfo PrefixList needs the
// Context: canonicalized detached, the in-scope "s" declaration of the
// Envelope would be missing and a receiver would compute other bytes.
func TestSignContextMatters(t *testing.T) {
	m := parseMsg(t, envelope(10))
	_, err := Sign(SignOptions{
		References:        []Reference{{Element: m.ts, ID: "_0", DigestMethod: AlgSHA1}},
		InclusivePrefixes: []string{"s"},
		SignatureMethod:   AlgHMACSHA1,
		Key:               testHMACKey,
	})
	require.ErrorIs(t, err, ErrMalformed)

	// Signed against the wrong context (no "s" in scope), the signature
	// fails where it really lives.
	other := etree.NewElement("x")
	s, err := Sign(SignOptions{
		References:        []Reference{{Element: m.ts, ID: "_0", DigestMethod: AlgSHA1}},
		InclusivePrefixes: []string{"s"},
		Context:           other,
		SignatureMethod:   AlgHMACSHA1,
		Key:               testHMACKey,
	})
	require.NoError(t, err)
	m.security.AddChild(s.Element)
	_, err = m.verify(VerifyOptions{KeyResolver: fixedKey(testHMACKey)})
	require.ErrorIs(t, err, ErrInvalidSignature)
}

func TestSignErrors(t *testing.T) {
	k := testRSAKey(t)
	m := parseMsg(t, envelope(10))
	good := func() SignOptions {
		return SignOptions{
			References:      []Reference{{Element: m.ts, ID: "_0", DigestMethod: AlgSHA256}},
			SignatureMethod: AlgHMACSHA256,
			Key:             testHMACKey,
		}
	}
	_, err := Sign(good())
	require.NoError(t, err)
	cases := []struct {
		name   string
		mutate func(*SignOptions)
		want   error
	}{
		{"unknown method", func(o *SignOptions) { o.SignatureMethod = "urn:x" }, ErrUnsupportedAlgorithm},
		{"dsa method", func(o *SignOptions) { o.SignatureMethod = "http://www.w3.org/2000/09/xmldsig#dsa-sha1" }, ErrUnsupportedAlgorithm},
		{"hmac with rsa key", func(o *SignOptions) { o.Key = k }, ErrInvalidKey},
		{"rsa with hmac key", func(o *SignOptions) { o.SignatureMethod = AlgRSASHA1 }, ErrInvalidKey},
		{"rsa with public key", func(o *SignOptions) { o.SignatureMethod = AlgRSASHA1; o.Key = &k.PublicKey }, ErrInvalidKey},
		{"empty hmac key", func(o *SignOptions) { o.Key = []byte{} }, ErrInvalidKey},
		{"nil key", func(o *SignOptions) { o.Key = nil }, ErrInvalidKey},
		{"no references", func(o *SignOptions) { o.References = nil }, ErrMalformed},
		{"nil element", func(o *SignOptions) { o.References[0].Element = nil }, ErrMalformed},
		{"wrong id", func(o *SignOptions) { o.References[0].ID = "_1" }, ErrMalformed},
		{"empty id", func(o *SignOptions) { o.References[0].ID = "" }, ErrMalformed},
		{"unknown digest", func(o *SignOptions) { o.References[0].DigestMethod = "urn:md5" }, ErrUnsupportedAlgorithm},
		{"missing digest", func(o *SignOptions) { o.References[0].DigestMethod = "" }, ErrUnsupportedAlgorithm},
		{"unknown transform", func(o *SignOptions) { o.References[0].Transform = "urn:xslt" }, ErrUnsupportedAlgorithm},
		{"str without dereference", func(o *SignOptions) { o.References[0].Transform = TransformSTR }, ErrMalformed},
		{"inclusive c14n", func(o *SignOptions) {
			o.CanonicalizationMethod = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
		}, ErrUnsupportedAlgorithm},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := good()
			c.mutate(&o)
			_, err := Sign(o)
			require.ErrorIs(t, err, c.want)
		})
	}
}

// signerOnly hides the concrete type of an RSA key behind crypto.Signer,
// as an HSM or KMS key would.
type signerOnly struct{ k *rsa.PrivateKey }

func (s signerOnly) Public() crypto.PublicKey { return s.k.Public() }

func (s signerOnly) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return s.k.Sign(r, d, o)
}

func TestSignWithCryptoSigner(t *testing.T) {
	k := testRSAKey(t)
	m := parseMsg(t, envelope(10))
	m.signInto(t, SignOptions{References: m.refs(AlgSHA256), SignatureMethod: AlgRSASHA256, Key: signerOnly{k}})
	v, err := m.reparse(t).verify(VerifyOptions{KeyResolver: fixedKey(testCert(t))})
	require.NoError(t, err)
	assert.Len(t, v.References, 3)
}
