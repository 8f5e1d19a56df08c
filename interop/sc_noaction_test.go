package interop

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/soapstack/soapstack/binding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stripRSTAction sends token requests (RST/SCT) without the SOAP 1.2
// action parameter, as CXF's WSSCTest "no SOAPAction" variant does; the
// wsa:Action header still names the request.
type stripRSTAction struct {
	next     http.RoundTripper
	stripped atomic.Int32
}

func (s *stripRSTAction) RoundTrip(r *http.Request) (*http.Response, error) {
	ct := r.Header.Get("Content-Type")
	if strings.Contains(ct, "/RST/SCT") {
		r = r.Clone(r.Context())
		r.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
		s.stripped.Add(1)
	}
	return s.next.RoundTrip(r)
}

// TestACWithoutSOAPAction: the AC scenario (both versions) with the RST
// sent without a SOAP action, as CXF's WSSCTest runs it for AC: our service
// dispatches the RST by its wsa:Action.
func TestACWithoutSOAPAction(t *testing.T) {
	pki, err := LoadPKI("pki")
	require.NoError(t, err)
	gs, err := StartInteropServer(pki)
	require.NoError(t, err)
	defer gs.Close()
	for _, version := range []string{VersionSC200502, VersionSC13} {
		t.Run(version, func(t *testing.T) {
			sc, ok := scScenario(Case{Scenario: "AC", Version: version})
			require.True(t, ok)
			rt := &stripRSTAction{next: http.DefaultTransport}
			url := gs.URL + sc.Path()
			client, err := binding.NewClient(url, sc.Binding(), pki.ClientCredentials(), binding.WithHTTPClient(&http.Client{Transport: rt}))
			require.NoError(t, err)
			cli := pingClient(client)
			require.NoError(t, runPingCase(context.Background(), cli, ScenarioEcho))
			require.NoError(t, client.Close(context.Background()))
			assert.Equal(t, int32(1), rt.stripped.Load(), "one RST went out without a SOAP action")
		})
	}
}
