package secureconv

import (
	"testing"

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
		keySym, keyPub, keyBearer, trustPrefix, scPrefix             string
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
			trustPrefix: "t", scPrefix: "c",
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
			trustPrefix: "trust", scPrefix: "sc",
		}},
	} {
		t.Run(tc.v.String(), func(t *testing.T) {
			v := tc.v
			assert.True(t, v.Valid())
			assert.Equal(t, tc.want, uris{
				sc: v.SCNamespace(), trust: v.TrustNamespace(), sct: v.TokenType(), dk: v.DKTokenType(), dkAlg: v.DKAlgorithm(),
				rst: v.IssueAction(), rstr: v.IssueResponseAction(), renew: v.RenewAction(), renewResp: v.RenewResponseAction(),
				cancel: v.CancelAction(), cancelResp: v.CancelResponseAction(),
				issueType: v.RequestType(OpIssue), renewType: v.RequestType(OpRenew), cancelType: v.RequestType(OpCancel),
				ck: v.ComputedKeyPSHA1(), nonce: v.SecretTypeURI(secretNonce), symKey: v.SecretTypeURI(secretSymmetricKey),
				asymKey: v.SecretTypeURI(secretAsymmetricKey), keySym: v.KeyTypeSymmetric(), keyPub: v.KeyTypePublic(),
				keyBearer: v.KeyTypeBearer(), trustPrefix: v.trustPrefix(), scPrefix: v.scPrefix(),
			})
			assert.Empty(t, v.SecretTypeURI(secretUnspecified))
			gotV, ok := versionOfTrust(tc.want.trust)
			assert.True(t, ok)
			assert.Equal(t, v, gotV)
			gotV, ok = versionOfSC(tc.want.sc)
			assert.True(t, ok)
			assert.Equal(t, v, gotV)
			for _, op := range []Operation{OpIssue, OpRenew, OpCancel} {
				av, aop, resp, ok := versionOfAction(v.Action(op))
				assert.True(t, ok)
				assert.Equal(t, []any{v, op, false}, []any{av, aop, resp})
				av, aop, resp, ok = versionOfAction(v.ResponseAction(op))
				assert.True(t, ok)
				assert.Equal(t, []any{v, op, true}, []any{av, aop, resp})
				got, ok := v.operationOf(v.RequestType(op))
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
	assert.Empty(t, v.SCNamespace())
	assert.Empty(t, v.IssueAction())
	assert.Empty(t, V13.Action(Operation(0)))
	assert.Empty(t, V13.ResponseAction(Operation(9)))
	assert.Empty(t, V13.RequestType(Operation(9)))
	_, ok := versionOfTrust("urn:x")
	assert.False(t, ok)
	_, ok = versionOfSC(NSTrust13)
	assert.False(t, ok)
	_, _, _, ok = versionOfAction("http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue")
	assert.False(t, ok, "WCF does not use RST/Issue for the SCT")
	_, ok = V200502.operationOf(V13.RequestType(OpIssue))
	assert.False(t, ok)
	assert.Equal(t, "Issue", OpIssue.String())
	assert.Equal(t, "Renew", OpRenew.String())
	assert.Equal(t, "Cancel", OpCancel.String())
	assert.Equal(t, "Operation(4)", Operation(4).String())
	assert.Equal(t, "WS-SC 2005/02", V200502.String())
	assert.Equal(t, "WS-SC 1.3", V13.String())

	// Builders given an invalid version write 2005/02.
	sct, err := ParseSCT((&SecurityContextToken{Identifier: "urn:a"}).Build(v))
	assert.NoError(t, err)
	assert.Equal(t, V200502, sct.Version)
	_, rv, err := parseRST((&requestSecurityToken{Operation: OpIssue}).Build(v))
	assert.NoError(t, err)
	assert.Equal(t, V200502, rv)
	_, rv, err = parseRSTR((&requestSecurityTokenResponse{}).BuildBody(v))
	assert.NoError(t, err)
	assert.Equal(t, V200502, rv)
	ref, err := ParseSCTReference(NewSCTReference(v, "urn:a", "urn:b"))
	assert.NoError(t, err)
	assert.Equal(t, V200502, ref.Version)
}
