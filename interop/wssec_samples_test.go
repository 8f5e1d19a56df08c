package interop

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/require"
)

// TestCXFWSSecSamples verifies the exact bytes Apache CXF/WSS4J wrote for
// each scenario family (interop/cxf/samples/wssec): the request with the
// service's keys and the scenario policy, then the reply with the client's
// keys and the request's exchange state. Tampered copies must fail.
func TestCXFWSSecSamples(t *testing.T) {
	pki, err := LoadPKI("pki")
	require.NoError(t, err)
	at := time.Date(2026, 11, 22, 20, 27, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	files, err := filepath.Glob(filepath.Join("cxf", "samples", "wssec", "*-request.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, reqFile := range files {
		base := strings.TrimSuffix(filepath.Base(reqFile), "-request.xml")
		version, name, _ := strings.Cut(base, "-")
		sc, ok := wssecScenario(Case{Scenario: name, Version: version})
		require.True(t, ok, base)
		t.Run(base, func(t *testing.T) {
			read := func(f string) *soap.Message {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				m, err := soap.ParseMessage(b, soap.Limits{})
				require.NoError(t, err)
				return m
			}
			ctx := context.Background()
			if sc.TLS {
				// The sample arrived over HTTPS, as soap.HTTPHandler says.
				ctx = soap.NewContextWithPeer(ctx, &soap.Peer{TLS: &tls.ConnectionState{}})
			}
			scfg := sc.Config(pki.ServiceConfig())
			scfg.Now = clock
			ex, err := wssecurity.VerifyRequest(ctx, *sc.Policy, &scfg, read(reqFile))
			require.NoError(t, err, "CXF's request must verify under the scenario policy")

			ccfg := pki.ClientConfig()
			ccfg.Now = clock
			respFile := strings.TrimSuffix(reqFile, "-request.xml") + "-response.xml"
			replyPolicy := *sc.Policy
			if sc.Name == "MutualCertificate10SignEncrypt" {
				// Recorded while the scenario was Wss10 (no
				// SignatureConfirmation); it follows the plugfest's Wss11
				// policy now.
				replyPolicy.WSS, replyPolicy.RequireSignatureConfirmation = wssecurity.WSS10, false
			}
			require.NoError(t, wssecurity.VerifyReply(context.Background(), replyPolicy, &ccfg, ex, read(respFile)),
				"CXF's reply must verify under the scenario policy")

			// One byte of the signed Body changed: the request must fail.
			raw, err := os.ReadFile(reqFile)
			require.NoError(t, err)
			tampered := tamperCipherOrText(raw)
			if sc.TLS {
				// HTTPS protects the Body; change the password instead.
				tampered = []byte(strings.Replace(string(raw), InteropPassword, "clarinex", 1))
			}
			m, err := soap.ParseMessage(tampered, soap.Limits{})
			if err == nil {
				_, err = wssecurity.VerifyRequest(ctx, *sc.Policy, &scfg, m)
			}
			require.Error(t, err)
		})
	}
}

// tamperCipherOrText flips a character inside the Body: in the first
// CipherValue after the Body start when the Body is encrypted, else in its
// text.
func tamperCipherOrText(b []byte) []byte {
	s := string(b)
	i := strings.Index(s, ":Body")
	if j := strings.Index(s[i:], "CipherValue>"); j >= 0 {
		k := i + j + len("CipherValue>") + 20
		c := s[k]
		r := byte('A')
		if c == 'A' {
			r = 'B'
		}
		return []byte(s[:k] + string(r) + s[k+1:])
	}
	j := strings.Index(s[i:], "</")
	k := i + j - 1
	return []byte(s[:k] + "#" + s[k+1:])
}
