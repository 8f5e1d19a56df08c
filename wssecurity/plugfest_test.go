package wssecurity

import (
	"context"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/dsig"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEndorsingReferenceFollowsPolicy: an included endorsing certificate
// whose policy says RequireThumbprintReference is referenced by its
// thumbprint from the endorsing signature (as CXF/WSS4J writes it; CXF's
// streaming service refuses a direct reference: "Policy enforces
// ThumbprintReference but we got SecurityTokenDirectReference"); without a
// reference requirement the signature keeps the direct reference (WCF).
func TestEndorsingReferenceFollowsPolicy(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	for _, tc := range []struct {
		ref  KeyReference
		want string // KeyInfo child of the endorsing signature's STR
	}{
		{RefThumbprint, "KeyIdentifier"},
		{RefDirect, "Reference"},
	} {
		p := AnonymousForCertificate(Basic256)
		p.EncryptSignature = false
		p.Supporting = []SupportingToken{{Token: Token{Kind: X509Token, Inclusion: IncludeAlwaysToRecipient, Reference: tc.ref}, Role: EndorsingSupporting}}
		l := newLoop(t, p, ccfg, scfg)
		_, err := l.client.Call(context.Background(), echoRequest(t, "endorsed"))
		require.NoError(t, err, "the service accepts the endorsing signature")
		root, err := tokParse(l.lastReq)
		require.NoError(t, err)
		assert.Len(t, tokFindAll(root, wsse.NSWSSE, "BinarySecurityToken"), 1, "the certificate is included")
		var got string
		for _, sig := range tokFindAll(root, dsig.NSDS, "Signature") {
			if sm := tokFindAll(sig, dsig.NSDS, "SignatureMethod"); len(sm) == 1 && strings.HasSuffix(sm[0].SelectAttrValue("Algorithm", ""), "rsa-sha1") {
				str := tokFindAll(sig, wsse.NSWSSE, "SecurityTokenReference")
				require.Len(t, str, 1)
				c := str[0].ChildElements()
				require.NotEmpty(t, c)
				got = c[0].Tag
				if got == "KeyIdentifier" {
					assert.Equal(t, wsse.URIThumbprintSHA1, c[0].SelectAttrValue("ValueType", ""))
				}
			}
		}
		assert.Equal(t, tc.want, got, "reference %v", tc.ref)
	}
}

// TestSignedSupportingUsernameToken: under SignedSupportingTokens (the
// plugfest's UX policy) our sender still encrypts the UsernameToken, and
// the receiver accepts it encrypted. (A token CXF sent signed but in clear
// is interop's TestCXFUsernameTokenInClear.)
func TestSignedSupportingUsernameToken(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	p := UserNameForCertificate(Basic256)
	p.Supporting[0].Role = SignedSupporting
	l := newLoop(t, p, ccfg, scfg)
	_, err := l.client.Call(context.Background(), echoRequest(t, "ux"))
	require.NoError(t, err)
	assert.NotContains(t, string(l.lastReq), "clarinet", "the password travels encrypted")
	root, err := tokParse(l.lastReq)
	require.NoError(t, err)
	assert.Empty(t, tokFindAll(root, wsse.NSWSSE, "UsernameToken"), "no UsernameToken in clear")
	assert.NotEmpty(t, tokFindAll(root, xmlenc.NS, "EncryptedData"))
}
