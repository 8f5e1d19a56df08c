package interop

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCXFUsernameTokenInClear verifies a request Apache CXF sent under the
// plugfest's UX policy (SignedSupportingTokens) with
// ws-security.username-token.always.encrypted=false: the UsernameToken is
// signed but not encrypted (interop/cxf/samples/wssec-utclear, recorded by
// `peer selftest --cases UX@wssec11 --ut-clear --record DIR`). The policy
// allows it, so the service accepts it; RequireEncryptedUsernameToken (or a
// SignedEncryptedSupporting policy) still refuses it.
func TestCXFUsernameTokenInClear(t *testing.T) {
	pki, err := LoadPKI("pki")
	require.NoError(t, err)
	dir := filepath.Join("cxf", "samples", "wssec-utclear")
	reqBytes, err := os.ReadFile(filepath.Join(dir, "wssec11-UX-request.xml"))
	require.NoError(t, err)
	require.Contains(t, string(reqBytes), InteropPassword, "the sample's UsernameToken is in clear")
	created := regexp.MustCompile(`<wsu:Created>([^<]+)</wsu:Created>`).FindSubmatch(reqBytes)
	require.NotNil(t, created)
	at, err := time.Parse(time.RFC3339Nano, string(created[1]))
	require.NoError(t, err)
	clock := func() time.Time { return at.Add(30 * time.Second) }
	read := func(b []byte) *soap.Message {
		m, err := soap.ParseMessage(b, soap.Limits{})
		require.NoError(t, err)
		return m
	}
	sc, ok := wssecScenario(Case{Scenario: "UX", Version: VersionWSSec11})
	require.True(t, ok)
	require.Equal(t, wssecurity.SignedSupporting, sc.Policy.Supporting[0].Role, "the plugfest's SignedSupportingTokens")

	cases := []struct {
		name   string
		policy func(p *wssecurity.Policy)
		cfg    func(c *wssecurity.Config)
		cause  error // nil: accepted
	}{
		{name: "accepted under SignedSupportingTokens"},
		{name: "RequireEncryptedUsernameToken", cfg: func(c *wssecurity.Config) { c.RequireEncryptedUsernameToken = true }, cause: wssecurity.ErrNotEncrypted},
		{name: "SignedEncryptedSupporting policy", policy: func(p *wssecurity.Policy) {
			p.Supporting = []wssecurity.SupportingToken{{Token: p.Supporting[0].Token, Role: wssecurity.SignedEncryptedSupporting}}
		}, cause: wssecurity.ErrNotEncrypted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := *sc.Policy
			if tc.policy != nil {
				tc.policy(&p)
			}
			scfg := sc.Config(pki.ServiceConfig())
			scfg.Now = clock
			if tc.cfg != nil {
				tc.cfg(&scfg)
			}
			ex, err := wssecurity.VerifyRequest(context.Background(), p, &scfg, read(reqBytes))
			if tc.cause != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.cause, "the wrong defence fired")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, InteropUser, ex.Username())
			respBytes, err := os.ReadFile(filepath.Join(dir, "wssec11-UX-response.xml"))
			require.NoError(t, err)
			ccfg := pki.ClientConfig()
			ccfg.Now = clock
			require.NoError(t, wssecurity.VerifyReply(context.Background(), p, &ccfg, ex, read(respBytes)), "CXF's reply verifies")
		})
	}
}
