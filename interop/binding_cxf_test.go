package interop

import (
	"context"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// versionWS2007HTTP is the CXF peer's family of the binding scenarios the
// plugfest tables lack (SOAP 1.2, WS-Addressing 1.0, WS-SecurityPolicy
// 1.2, as ws2007HttpBinding exports them).
const versionWS2007HTTP = "ws2007http"

// bindingCXFCase is a scenario of the CXF peer whose policy is what a
// binding maps to.
type bindingCXFCase struct {
	c Case
	b func() binding.Binding
	// cancelWithBootstrap: CXF's client sends, and its service expects,
	// the Cancel under the bootstrap policy (the message-security
	// sessions); over HTTPS the session's Cancel is accepted, as WCF
	// sends it.
	cancelWithBootstrap bool
}

func bindingCXFCases() []bindingCXFCase {
	return []bindingCXFCase{
		// basicHttpBinding, TransportWithMessageCredential/UserName:
		// UserNameOverTransport, SOAP 1.1 without addressing.
		{Case{Scenario: "UserNameOverTransport", Version: VersionWSSec10}, func() binding.Binding {
			b := binding.BasicHttpBinding()
			b.Security.Mode = binding.ModeTransportWithMessageCredential
			return b
		}, false},
		// ws2007HttpBinding, TransportWithMessageCredential/UserName with
		// its default secure session (WS-SC 1.3), Basic128 as the
		// scenario.
		{Case{Scenario: "SecureConversation_UserNameOverTransport", Version: VersionSC13}, func() binding.Binding {
			b := binding.WS2007HttpBinding()
			b.Security.Mode = binding.ModeTransportWithMessageCredential
			b.Security.Message.ClientCredentialType = binding.CredentialUserName
			b.Security.Message.AlgorithmSuite = wssecurity.Basic128
			return b
		}, false},
		// wsHttpBinding, Message/Certificate without a session:
		// MutualCertificate (WSS 1.1: symmetric, derived keys, the Body and
		// the signature encrypted, signature confirmation), which is the
		// plugfest's XD-SEES under WS-Addressing 2004/08. (The plugfest's
		// UX and A families differ from the binding's UserNameForCertificate
		// and AnonymousForCertificate: no SignatureConfirmation in UX, no
		// EncryptSignature in A.)
		{Case{Scenario: "XD-SEES", Version: VersionWSSec11}, func() binding.Binding {
			b := binding.WSHttpBinding()
			b.Security.Message.ClientCredentialType = binding.CredentialCertificate
			b.Security.Message.NegotiateServiceCredential = false
			b.Security.Message.EstablishSecurityContext = false
			b.Addressing = soap.WSA200408
			return b
		}, false},
		// wsHttpBinding, Message/UserName without a session:
		// UserNameForCertificate, the plugfest's UXD-SEES.
		{Case{Scenario: "UXD-SEES", Version: VersionWSSec11}, func() binding.Binding {
			b := binding.WSHttpBinding()
			b.Security.Message.ClientCredentialType = binding.CredentialUserName
			b.Security.Message.NegotiateServiceCredential = false
			b.Security.Message.EstablishSecurityContext = false
			b.Addressing = soap.WSA200408
			return b
		}, false},
		// ws2007HttpBinding, TransportWithMessageCredential/Certificate
		// without a session: CertificateOverTransport (HTTPS, a
		// Timestamp endorsed by the client certificate, sent as a
		// BinarySecurityToken). No plugfest table has it; the CXF peer
		// serves it from its hand-written ws2007http.wsdl.
		{Case{Scenario: "CertificateOverTransport", Version: versionWS2007HTTP}, func() binding.Binding {
			b := binding.WS2007HttpBinding()
			b.Security.Mode = binding.ModeTransportWithMessageCredential
			b.Security.Message.ClientCredentialType = binding.CredentialCertificate
			b.Security.Message.EstablishSecurityContext = false
			return b
		}, false},
		// wsHttpBinding, Message/UserName with its default session.
		{Case{Scenario: "_UXD-SEES", Version: VersionSC200502}, func() binding.Binding {
			b := binding.WSHttpBinding()
			b.Security.Message.ClientCredentialType = binding.CredentialUserName
			b.Security.Message.NegotiateServiceCredential = false
			b.Security.Message.AlgorithmSuite = wssecurity.Basic128
			b.Addressing = soap.WSA200408
			return b
		}, true},
	}
}

// TestCXFBinding runs the CXF peer against clients and services built
// with package binding only (NewClient, NewHandler), in both directions.
func TestCXFBinding(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	peer, err := FindCXF()
	require.NoError(t, err)
	var log tailBuffer
	log.max = 16 << 10
	peer.Log = &log
	pki, err := FindPKI(peer)
	require.NoError(t, err)
	require.NoError(t, peer.Build(ctx), "peer log:\n%s", log.String())
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: pki.ClientTLSConfig()}}
	clientCreds := binding.Credentials{UserName: InteropUser, Password: InteropPassword, ClientCertificate: pki.Client,
		ServiceCertificate: &wssecurity.Certificate{Cert: pki.Service.Cert}}
	serviceCreds := binding.Credentials{ServiceCertificate: pki.Service, TrustedRoots: []*x509.Certificate{pki.CA},
		UserNameValidator: &wssecurity.UsernameTokenVerifier{CheckPassword: checkInteropPassword}}

	t.Run("go-to-cxf", func(t *testing.T) {
		srv, err := peer.StartServer(ctx)
		require.NoError(t, err, "peer log:\n%s", log.String())
		defer srv.Close()
		srv.TakePeerLog()
		for _, tc := range bindingCXFCases() {
			t.Run(tc.c.String(), func(t *testing.T) {
				b := tc.b()
				base := srv.URL
				if b.Security.Mode == binding.ModeTransportWithMessageCredential {
					base = srv.TLSURL
				}
				url := base + "/" + tc.c.Version + "/" + tc.c.Scenario
				opts := []binding.ClientOption{binding.WithHTTPClient(hc)}
				if tc.cancelWithBootstrap {
					opts = append(opts, binding.WithCancelWithBootstrap())
				}
				c, err := binding.NewClient(url, b, clientCreds, opts...)
				require.NoError(t, err)
				cli := &PingClient{Invoker: c, Version: b.SOAP, Addressing: b.Addressing, To: url}
				cctx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				require.NoError(t, runPingCase(cctx, cli, ScenarioEcho))
				require.NoError(t, runPingCase(cctx, cli, ScenarioEcho))
				require.NoError(t, c.Close(cctx))
				assert.Empty(t, srv.TakePeerLog(), "the CXF server complained")
			})
		}
	})

	t.Run("cxf-to-go", func(t *testing.T) {
		mux := http.NewServeMux()
		var cases []Case
		for _, tc := range bindingCXFCases() {
			var opts []binding.HandlerOption
			if tc.cancelWithBootstrap {
				opts = append(opts, binding.WithCancelWithBootstrap())
			}
			h, err := binding.NewHandler((&PingService{}).Handler(), tc.b(), serviceCreds, opts...)
			require.NoError(t, err)
			mux.Handle("/"+tc.c.Version+"/"+tc.c.Scenario, h)
			cases = append(cases, tc.c)
		}
		gs := &GoServer{}
		plainURL, err := gs.serve(mux, nil)
		require.NoError(t, err)
		defer gs.Close()
		tlsURL, err := gs.serve(mux, pki.TLSConfig())
		require.NoError(t, err)
		results, err := peer.RunClient(ctx, plainURL, tlsURL, cases)
		require.NoError(t, err, "peer log:\n%s", log.String())
		require.Len(t, results, len(cases))
		for _, r := range results {
			assert.True(t, r.Pass, "%s@%s: %s", r.Scenario, r.Version, r.Reason)
		}
	})
	if t.Failed() {
		t.Logf("peer log tail:\n%s", log.String())
	}
}

var _ soap.Invoker = (*binding.Client)(nil)
