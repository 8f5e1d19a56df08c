package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nsXENC = "http://www.w3.org/2001/04/xmlenc#"

// wss11Constructs lists the WS-Security 1.1 constructs of a serialized
// message: the wsse11 namespace (SignatureConfirmation, EncryptedHeader,
// TokenType), soap-message-security-1.1 URIs (ThumbprintSHA1,
// EncryptedKeySHA1, the #EncryptedKey token type), and an EncryptedKey
// without its own ReferenceList.
func wss11Constructs(msg []byte) error {
	var errs []error
	if bytes.Contains(msg, []byte(wsse.NSWSSE11)) {
		errs = append(errs, errors.New("the wsse11 namespace"))
	}
	if bytes.Contains(msg, []byte("oasis-wss-soap-message-security-1.1")) {
		errs = append(errs, errors.New("a soap-message-security-1.1 URI"))
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(msg); err != nil {
		return err
	}
	for _, ek := range doc.FindElements("//EncryptedKey") {
		if ek.NamespaceURI() != nsXENC {
			continue
		}
		nested := false
		for _, c := range ek.ChildElements() {
			nested = nested || (c.Tag == "ReferenceList" && c.NamespaceURI() == nsXENC)
		}
		if !nested {
			errs = append(errs, errors.New("an EncryptedKey without its ReferenceList"))
		}
	}
	return errors.Join(errs...)
}

// exchangeLog records every request and reply a client sends through it
// to an in-process service, as bytes on the wire.
type exchangeLog struct {
	t     *testing.T
	next  soap.Handler
	pairs []loggedPair
}

type loggedPair struct {
	action     string
	req, reply []byte
}

func (l *exchangeLog) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	b, err := req.Bytes()
	require.NoError(l.t, err)
	in, err := soap.ParseMessage(b, soap.Limits{})
	require.NoError(l.t, err)
	in.SOAPAction = req.SOAPAction // the transport's header
	p := loggedPair{action: in.Addressing.Action, req: b}
	resp, err := l.next.ServeSOAP(ctx, in)
	if err != nil {
		l.pairs = append(l.pairs, p)
		return nil, err
	}
	if p.reply, err = resp.Bytes(); err != nil {
		return nil, err
	}
	l.pairs = append(l.pairs, p)
	return soap.ParseMessage(p.reply, soap.Limits{})
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
	check := func(t *testing.T, what string, p loggedPair) {
		t.Helper()
		checked++
		assert.NoError(t, wss11Constructs(p.req), "%s request:\n%s", what, p.req)
		assert.NoError(t, wss11Constructs(p.reply), "%s reply:\n%s", what, p.reply)
		assert.NotEmpty(t, p.reply, "%s: no reply", what)
	}
	for _, sc := range WSSecScenarios() {
		if sc.Policy.WSS != wssecurity.WSS10 {
			continue
		}
		t.Run(sc.Case().String(), func(t *testing.T) {
			// In process, without a transport: transport bindings run without TLS.
			scfg, ccfg := pki.ServiceConfig(), pki.ClientConfig()
			scfg.AllowInsecureTransport, ccfg.AllowInsecureTransport = true, true
			sl, err := wssecurity.ServerLayer(*sc.Policy, scfg)
			require.NoError(t, err)
			log := &exchangeLog{t: t, next: soap.ChainHandler((&PingService{}).Handler(), sl)}
			cl, err := wssecurity.ClientLayer(*sc.Policy, ccfg)
			require.NoError(t, err)
			cli := &PingClient{Invoker: soap.ChainInvoker(log, cl), Version: sc.SOAP, Addressing: sc.Addressing, To: "http://svc" + sc.Path()}
			require.NoError(t, runPingCase(context.Background(), cli, ScenarioEcho))
			require.Len(t, log.pairs, 1)
			check(t, "echo", log.pairs[0])
		})
	}
	for _, sc := range SCScenarios() {
		if sc.Bootstrap.WSS != wssecurity.WSS10 && sc.Policy.WSS != wssecurity.WSS10 {
			continue
		}
		t.Run(sc.Case().String(), func(t *testing.T) {
			sl, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: sc.SC, Bootstrap: sc.Bootstrap, Policy: sc.Policy,
				Security: pki.ServiceConfig(), CancelWithBootstrap: true})
			require.NoError(t, err)
			log := &exchangeLog{t: t, next: soap.ChainHandler((&PingService{}).Handler(), sl)}
			url := "http://svc" + sc.Path()
			client, err := secureconv.NewClient(log, secureconv.ClientConfig{Version: sc.SC, Bootstrap: sc.Bootstrap, Policy: sc.Policy,
				Security: pki.ClientConfig(), Cancel: true, CancelWithBootstrap: true, Addressing: sc.Addressing, To: url})
			require.NoError(t, err)
			cli := &PingClient{Invoker: client, Version: soap.V12, Addressing: sc.Addressing, To: url}
			require.NoError(t, runPingCase(context.Background(), cli, ScenarioEcho))
			require.NoError(t, client.Close(context.Background()))
			var kinds []string
			for _, p := range log.pairs {
				// The Issue and (CXF's dialect) Cancel requests travel
				// under the bootstrap policy, the Cancel reply and the
				// application messages under the session's.
				trust := strings.Contains(p.action, "/RST/") || strings.Contains(p.action, "/RSTR/")
				reqWSS, replyWSS := sc.Policy.WSS, sc.Policy.WSS
				if trust {
					reqWSS = sc.Bootstrap.WSS
					if strings.HasSuffix(p.action, "/Issue") || strings.HasSuffix(p.action, "/SCT") {
						replyWSS = sc.Bootstrap.WSS
					}
				}
				kinds = append(kinds, p.action[strings.LastIndex(p.action, "/")+1:])
				if reqWSS == wssecurity.WSS10 {
					checked++
					assert.NoError(t, wss11Constructs(p.req), "%s request:\n%s", p.action, p.req)
				}
				if replyWSS == wssecurity.WSS10 {
					checked++
					assert.NoError(t, wss11Constructs(p.reply), "%s reply:\n%s", p.action, p.reply)
				}
			}
			assert.GreaterOrEqual(t, len(log.pairs), 3, "issue, echo and cancel: %v", kinds)
		})
	}
	// wssec10: 3 exchanges (MutualCertificate10SignEncrypt is Wss11 as in
	// the plugfest policy); at both WS-SC versions
	// SecureConversation_MutualCertificate10SignEncrypt (session WSS10:
	// echo both ways, Cancel reply) and _X10 (all of Issue, echo, Cancel).
	assert.GreaterOrEqual(t, checked, 3+2*(3+6), fmt.Sprintf("%d messages checked", checked))
}
