package wssecurity

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type x509Vector struct {
	Keys struct {
		Subject    string `json:"subject"`
		SerialHex  string `json:"serial_hex"`
		Thumbprint string `json:"sha1_thumbprint_b64"`
	} `json:"keys"`
	Signature struct {
		BSTID string `json:"bst_wsu_id"`
	} `json:"signature"`
}

func loadX509Vector(t testing.TB) (x509Vector, *x509.Certificate) {
	t.Helper()
	var v x509Vector
	require.NoError(t, json.Unmarshal(tokData(t, "msg_05.json"), &v))
	cred, err := LoadPEM(tokData(t, "x509_cert.pem"), nil)
	require.NoError(t, err)
	return v, cred.Cert
}

// TestBinarySecurityTokenWSS4J reads the token WSS4J sent in msg_05.
func TestBinarySecurityTokenWSS4J(t *testing.T) {
	v, cert := loadX509Vector(t)
	el := tokFind(t, tokDoc(t, "msg_05.xml"), wsse.NSWSSE, "BinarySecurityToken")
	bst, err := wsse.ParseBinarySecurityToken(el)
	require.NoError(t, err)
	assert.Equal(t, v.Signature.BSTID, bst.ID)
	assert.Equal(t, wsse.URIX509v3, bst.ValueType)
	assert.True(t, cert.Equal(bst.Certificate), "the certificate of x509_cert.pem")
	assert.Equal(t, v.Keys.Thumbprint, base64.StdEncoding.EncodeToString(wsse.ThumbprintSHA1(bst.Certificate)))
	assert.Equal(t, v.Keys.SerialHex, hex.EncodeToString(bst.Certificate.SerialNumber.Bytes()))
	assert.Equal(t, v.Keys.Subject, wsse.IssuerName(bst.Certificate), "self-signed: issuer = subject, RFC 2253 as Java writes it")
}

func TestBinarySecurityTokenRoundTrip(t *testing.T) {
	_, cert := loadX509Vector(t)
	el := wsse.NewBinarySecurityToken(cert, "X509-1")
	assert.Equal(t, wsse.URIBase64Binary, el.SelectAttrValue("EncodingType", ""))
	bst, err := wsse.ParseBinarySecurityToken(el)
	require.NoError(t, err)
	assert.Equal(t, "X509-1", bst.ID)
	assert.True(t, cert.Equal(bst.Certificate))

	// WCF writes no EncodingType; published traces are indented.
	b64 := base64.StdEncoding.EncodeToString(cert.Raw)
	wcf := `<o:BinarySecurityToken xmlns:o="` + wsse.NSWSSE + `" xmlns:u="` + wsse.NSWSU + `" u:Id="uuid-1" ValueType="` + wsse.URIX509v3 + `">
	         ` + b64[:64] + "\n" + b64[64:] + `
	     </o:BinarySecurityToken>`
	bst, err = wsse.ParseBinarySecurityToken(tokXML(t, wcf))
	require.NoError(t, err)
	assert.Equal(t, "uuid-1", bst.ID)
	assert.True(t, cert.Equal(bst.Certificate))
}

func TestParseBinarySecurityTokenRejects(t *testing.T) {
	_, cert := loadX509Vector(t)
	b64 := base64.StdEncoding.EncodeToString(cert.Raw)
	bst := func(attrs, text string) string {
		return `<wsse:BinarySecurityToken ` + attrs + `>` + text + `</wsse:BinarySecurityToken>`
	}
	vt := `ValueType="` + wsse.URIX509v3 + `"`
	tests := []struct {
		name, xml string
		want      error
	}{
		{"no ValueType", bst(``, b64), ErrInvalidToken},
		{"PKIPath", bst(`ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509PKIPathv1"`, b64), ErrInvalidToken},
		{"Kerberos", bst(`ValueType="http://docs.oasis-open.org/wss/oasis-wss-kerberos-token-profile-1.1#GSS_Kerberosv5_AP_REQ"`, b64), ErrInvalidToken},
		{"hex encoding", bst(vt+` EncodingType="urn:hex"`, b64), ErrInvalidToken},
		{"oversized", bst(vt, strings.Repeat("A", wsse.MaxBinarySecurityTokenBase64+4)), ErrInvalidToken},
		{"oversized with whitespace", bst(vt, strings.Repeat("AAAA ", 2*wsse.MaxBinarySecurityTokenBase64)), ErrInvalidSecurity},
		{"not base64", bst(vt, "MIIC!!"), ErrInvalidToken},
		{"not a certificate", bst(vt, "AAAA"), ErrInvalidToken},
		{"trailing garbage", bst(vt, base64.StdEncoding.EncodeToString(append(append([]byte{}, cert.Raw...), 0))), ErrInvalidToken},
		{"element content", bst(vt, "<x/>"), ErrInvalidSecurity},
		{"wrong element", `<wsse:SecurityTokenReference ` + vt + `>` + b64 + `</wsse:SecurityTokenReference>`, ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wsse.ParseBinarySecurityToken(tokXML(t, tt.xml))
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestSubjectKeyIdentifier(t *testing.T) {
	_, cert := loadX509Vector(t)
	// OpenSSL wrote the extension with RFC 3280 method 1.
	const want = "adfedd5623168f5b2a2b929a4e89f18def693d6e"
	ski, err := wsse.SubjectKeyIdentifier(cert)
	require.NoError(t, err)
	assert.Equal(t, want, hex.EncodeToString(ski))

	// Without the extension (as in v1 certificates) we compute the same
	// value, as WSS4J does.
	noExt := *cert
	noExt.SubjectKeyId = nil
	ski, err = wsse.SubjectKeyIdentifier(&noExt)
	require.NoError(t, err)
	assert.Equal(t, want, hex.EncodeToString(ski))

	noExt.RawSubjectPublicKeyInfo = []byte{0x30, 0x01}
	_, err = wsse.SubjectKeyIdentifier(&noExt)
	assert.Error(t, err)
}
