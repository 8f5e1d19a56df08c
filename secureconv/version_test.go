package secureconv

import (
	"testing"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/stretchr/testify/assert"
)

// The URIs as WCF's dictionaries spell them (dotnet/wcf XD.cs
// SecureConversationFeb2005Dictionary and TrustFeb2005Dictionary;
// DXD SecureConversationDec2005Dictionary and TrustDec2005Dictionary),
// typed here independently of ns.go.
func TestVersionURIs(t *testing.T) {
	type uris struct {
		sc, trust, sct, dk, dkAlg                                    string
		rst, rstr, renew, renewResp, cancel, cancelResp              string
		issueType, renewType, cancelType, ck, nonce, symKey, asymKey string
		keySym, keyPub, keyBearer, TrustPrefix, SCPrefix             string
	}
	for _, tc := range []struct {
		v    Version
		want uris
	}{
		{V200502, uris{
			sc: "http://schemas.xmlsoap.org/ws/2005/02/sc", trust: "http://schemas.xmlsoap.org/ws/2005/02/trust",
			sct: "http://schemas.xmlsoap.org/ws/2005/02/sc/sct", dk: "http://schemas.xmlsoap.org/ws/2005/02/sc/dk",
			dkAlg:       "http://schemas.xmlsoap.org/ws/2005/02/sc/dk/p_sha1",
			rst:         "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT",
			rstr:        "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT",
			renew:       "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT/Renew",
			renewResp:   "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT/Renew",
			cancel:      "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/SCT/Cancel",
			cancelResp:  "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/SCT/Cancel",
			issueType:   "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue",
			renewType:   "http://schemas.xmlsoap.org/ws/2005/02/trust/Renew",
			cancelType:  "http://schemas.xmlsoap.org/ws/2005/02/trust/Cancel",
			ck:          "http://schemas.xmlsoap.org/ws/2005/02/trust/CK/PSHA1",
			nonce:       "http://schemas.xmlsoap.org/ws/2005/02/trust/Nonce",
			symKey:      "http://schemas.xmlsoap.org/ws/2005/02/trust/SymmetricKey",
			asymKey:     "http://schemas.xmlsoap.org/ws/2005/02/trust/AsymmetricKey",
			keySym:      "http://schemas.xmlsoap.org/ws/2005/02/trust/SymmetricKey",
			keyPub:      "http://schemas.xmlsoap.org/ws/2005/02/trust/PublicKey",
			TrustPrefix: "t", SCPrefix: "c",
		}},
		{V13, uris{
			sc: "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512", trust: "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
			sct: "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct", dk: "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk",
			dkAlg:       "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk/p_sha1",
			rst:         "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT",
			rstr:        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT",
			renew:       "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT/Renew",
			renewResp:   "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT/Renew",
			cancel:      "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/SCT/Cancel",
			cancelResp:  "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/SCT/Cancel",
			issueType:   "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue",
			renewType:   "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew",
			cancelType:  "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Cancel",
			ck:          "http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1",
			nonce:       "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Nonce",
			symKey:      "http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey",
			asymKey:     "http://docs.oasis-open.org/ws-sx/ws-trust/200512/AsymmetricKey",
			keySym:      "http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey",
			keyPub:      "http://docs.oasis-open.org/ws-sx/ws-trust/200512/PublicKey",
			keyBearer:   "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer",
			TrustPrefix: "trust", SCPrefix: "sc",
		}},
	} {
		t.Run(tc.v.String(), func(t *testing.T) {
			v := tc.v
			assert.True(t, v.Valid())
			assert.Equal(t, tc.want, uris{
				sc: v.wire().SCNamespace(), trust: v.wire().TrustNamespace(), sct: v.wire().TokenType(), dk: v.wire().DKTokenType(), dkAlg: v.wire().DKAlgorithm(),
				rst: v.wire().IssueAction(), rstr: v.wire().IssueResponseAction(), renew: v.wire().RenewAction(), renewResp: v.wire().RenewResponseAction(),
				cancel: v.wire().CancelAction(), cancelResp: v.wire().CancelResponseAction(),
				issueType: v.wire().RequestType(wstrust.OpIssue), renewType: v.wire().RequestType(wstrust.OpRenew), cancelType: v.wire().RequestType(wstrust.OpCancel),
				ck: v.wire().ComputedKeyPSHA1(), nonce: v.wire().SecretTypeURI(wstrust.SecretNonce), symKey: v.wire().SecretTypeURI(wstrust.SecretSymmetricKey),
				asymKey: v.wire().SecretTypeURI(wstrust.SecretAsymmetricKey), keySym: v.wire().KeyTypeSymmetric(), keyPub: v.wire().KeyTypePublic(),
				keyBearer: v.wire().KeyTypeBearer(), TrustPrefix: v.wire().TrustPrefix(), SCPrefix: v.wire().SCPrefix(),
			})
			assert.Empty(t, v.wire().SecretTypeURI(wstrust.SecretUnspecified))
			gotV, ok := wstrust.VersionOfTrust(tc.want.trust)
			assert.True(t, ok)
			assert.Equal(t, v.wire(), gotV)
			gotV, ok = wstrust.VersionOfSC(tc.want.sc)
			assert.True(t, ok)
			assert.Equal(t, v.wire(), gotV)
			for _, op := range []wstrust.Operation{wstrust.OpIssue, wstrust.OpRenew, wstrust.OpCancel} {
				av, aop, resp, ok := wstrust.VersionOfAction(v.wire().Action(op))
				assert.True(t, ok)
				assert.Equal(t, []any{v.wire(), op, false}, []any{av, aop, resp})
				av, aop, resp, ok = wstrust.VersionOfAction(v.wire().ResponseAction(op))
				assert.True(t, ok)
				assert.Equal(t, []any{v.wire(), op, true}, []any{av, aop, resp})
				got, ok := v.wire().OperationOf(v.wire().RequestType(op))
				assert.True(t, ok)
				assert.Equal(t, op, got)
			}
		})
	}
}

func TestVersionInvalid(t *testing.T) {
	var v Version
	assert.False(t, v.Valid())
	assert.Equal(t, "Version(0)", v.String())
	assert.Empty(t, v.wire().SCNamespace())
	assert.Empty(t, v.wire().IssueAction())
	assert.Empty(t, V13.wire().Action(wstrust.Operation(0)))
	assert.Empty(t, V13.wire().ResponseAction(wstrust.Operation(9)))
	assert.Empty(t, V13.wire().RequestType(wstrust.Operation(9)))
	_, ok := wstrust.VersionOfTrust("urn:x")
	assert.False(t, ok)
	_, ok = wstrust.VersionOfSC(wstrust.NSTrust13)
	assert.False(t, ok)
	_, _, _, ok = wstrust.VersionOfAction("http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue")
	assert.False(t, ok, "WCF does not use RST/Issue for the SCT")
	_, ok = V200502.wire().OperationOf(V13.wire().RequestType(wstrust.OpIssue))
	assert.False(t, ok)
	assert.Equal(t, "Issue", wstrust.OpIssue.String())
	assert.Equal(t, "Renew", wstrust.OpRenew.String())
	assert.Equal(t, "Cancel", wstrust.OpCancel.String())
	assert.Equal(t, "Operation(4)", wstrust.Operation(4).String())
	assert.Equal(t, "WS-SC 2005/02", V200502.String())
	assert.Equal(t, "WS-SC 1.3", V13.String())

	// Builders given an invalid version write 2005/02.
	sct, err := wstrust.ParseSCT((&wstrust.SecurityContextToken{Identifier: "urn:a"}).Build(v.wire()))
	assert.NoError(t, err)
	assert.Equal(t, V200502.wire(), sct.Version)
	_, rv, err := wstrust.ParseRST((&wstrust.RST{Operation: wstrust.OpIssue}).Build(v.wire()))
	assert.NoError(t, err)
	assert.Equal(t, V200502.wire(), rv)
	_, rv, err = wstrust.ParseRSTR((&wstrust.RSTR{}).BuildBody(v.wire()))
	assert.NoError(t, err)
	assert.Equal(t, V200502.wire(), rv)
	ref, err := wstrust.ParseSCTReference(wstrust.NewSCTReference(v.wire(), "urn:a", "urn:b"))
	assert.NoError(t, err)
	assert.Equal(t, V200502.wire(), ref.Version)
}
