package interop

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/internal/wsstest"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wss11Constructs lists the WS-Security 1.1 constructs of a serialized
// message signed before it was encrypted (wsstest.WSS11Constructs).
func wss11Constructs(msg []byte) error { return wsstest.WSS11Constructs(msg, false) }

// serveLogged serves h on loopback until the test ends and returns a
// client of b at path whose exchanges log records.
func serveLogged(t *testing.T, h http.Handler, path string, b binding.Binding, pki *PKI, log *wsstest.WireLog, opts ...binding.ClientOption) *binding.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := binding.NewClient(srv.URL+path, b, pki.ClientCredentials(), append(opts, binding.WithTransportLayer(log.Layer))...)
	require.NoError(t, err)
	return c
}

// TestWSS10ScenariosSpeakWSS10 checks, for every scenario of the catalogue
// whose messages a WSS10 policy protects, that our client's requests and
// our service's replies carry no WS-Security 1.1 construct (issue 13): the
// plain wssec10 scenarios, and in the secure-conversation scenarios the
// messages under a WSS10 bootstrap (RST/RSTR, Cancel) or session policy
// (application messages).
func TestWSS10ScenariosSpeakWSS10(t *testing.T) {
	pki, err := LoadPKI("pki")
	require.NoError(t, err)
	checked := 0
	check := func(t *testing.T, what string, p wsstest.WirePair) {
		t.Helper()
		checked++
		assert.NoError(t, wss11Constructs(p.Request), "%s request:\n%s", what, p.Request)
		assert.NoError(t, wss11Constructs(p.Reply), "%s reply:\n%s", what, p.Reply)
		assert.NotEmpty(t, p.Reply, "%s: no reply", what)
	}
	for _, sc := range WSSecScenarios() {
		if sc.Policy.WSS != wssecurity.WSS10 {
			continue
		}
		t.Run(sc.Case().String(), func(t *testing.T) {
			// Over loopback HTTP: transport bindings run without TLS.
			insecure := binding.WithAllowInsecureTransport()
			h, err := binding.NewHandler((&PingService{}).Handler(), sc.Binding(), pki.ServiceCredentials(), insecure)
			require.NoError(t, err)
			log := &wsstest.WireLog{}
			cli := pingClient(serveLogged(t, h, sc.Path(), sc.Binding(), pki, log, insecure))
			require.NoError(t, runPingCase(context.Background(), cli, ScenarioEcho))
			require.Len(t, log.Pairs(), 1)
			check(t, "echo", log.Pairs()[0])
		})
	}
	for _, sc := range SCScenarios() {
		if sc.Bootstrap.WSS != wssecurity.WSS10 && sc.Policy.WSS != wssecurity.WSS10 {
			continue
		}
		t.Run(sc.Case().String(), func(t *testing.T) {
			// Cancel (in CXF's dialect) even where the scenario does not,
			// so that the Cancel's messages are checked too.
			sc.Cancel = true
			h, err := binding.NewHandler((&PingService{}).Handler(), sc.Binding(), pki.ServiceCredentials(), binding.WithCancelWithBootstrap())
			require.NoError(t, err)
			log := &wsstest.WireLog{}
			client := serveLogged(t, h, sc.Path(), sc.Binding(), pki, log, binding.WithCancelWithBootstrap())
			cli := pingClient(client)
			require.NoError(t, runPingCase(context.Background(), cli, ScenarioEcho))
			require.NoError(t, client.Close(context.Background()))
			var kinds []string
			for _, p := range log.Pairs() {
				// The Issue and (CXF's dialect) Cancel requests travel
				// under the bootstrap policy, the Cancel reply and the
				// application messages under the session's.
				trust := strings.Contains(p.Action, "/RST/") || strings.Contains(p.Action, "/RSTR/")
				reqWSS, replyWSS := sc.Policy.WSS, sc.Policy.WSS
				if trust {
					reqWSS = sc.Bootstrap.WSS
					if strings.HasSuffix(p.Action, "/Issue") || strings.HasSuffix(p.Action, "/SCT") {
						replyWSS = sc.Bootstrap.WSS
					}
				}
				kinds = append(kinds, p.Action[strings.LastIndex(p.Action, "/")+1:])
				if reqWSS == wssecurity.WSS10 {
					checked++
					assert.NoError(t, wss11Constructs(p.Request), "%s request:\n%s", p.Action, p.Request)
				}
				if replyWSS == wssecurity.WSS10 {
					checked++
					assert.NoError(t, wss11Constructs(p.Reply), "%s reply:\n%s", p.Action, p.Reply)
				}
			}
			assert.GreaterOrEqual(t, len(log.Pairs()), 3, "issue, echo and cancel: %v", kinds)
		})
	}
	// wssec10: 3 exchanges (MutualCertificate10SignEncrypt is Wss11 as in
	// the plugfest policy); at both WS-SC versions
	// SecureConversation_MutualCertificate10SignEncrypt (session WSS10:
	// echo both ways, Cancel reply) and _X10 (all of Issue, echo, Cancel).
	assert.GreaterOrEqual(t, checked, 3+2*(3+6), fmt.Sprintf("%d messages checked", checked))
}
