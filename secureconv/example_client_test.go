package secureconv_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// ExampleClient runs a secure session between a Go client and a Go
// service over HTTP: the client establishes the session (Open), sends
// calls under the session key (Call) and cancels the session (Close).
func ExampleClient() {
	cert := exampleCertificate()
	// The bootstrap policy protects the handshake: WCF's anonymous client
	// with the service's certificate. The application policy protects the
	// calls with keys derived from the session's token.
	boot := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	app := boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false

	// The service: the session layer in front of the application.
	layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.V13,
		Bootstrap: boot, Policy: app, Security: wssecurity.Config{Certificate: cert}})
	if err != nil {
		log.Fatal(err)
	}
	echo := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:example:echoResponse", req.Payload().Copy())
	})
	srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(echo, layer)))
	defer srv.Close()

	// The client: it knows the service's certificate in advance.
	client, err := secureconv.NewClient(soap.NewHTTPClient(srv.URL), secureconv.ClientConfig{
		Version: secureconv.V13, Bootstrap: boot, Policy: app, Cancel: true, To: srv.URL,
		Security: wssecurity.Config{PeerCertificate: cert.Cert}})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	// Open runs the handshake now; without it the first Call does. A
	// caller's ctx bounds only its own wait, HandshakeTimeout the
	// handshake.
	if err := client.Open(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("session established:", strings.HasPrefix(client.Session(), "urn:uuid:"))

	resp, err := client.Call(ctx, exampleEcho(srv.URL, "hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("reply:", resp.Payload().Text())

	// Close sends a Cancel protected by the session (Cancel: true).
	if err := client.Close(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("closed:", client.Session() == "")
	// Output:
	// session established: true
	// reply: hello
	// closed: true
}

// ExampleClientConfig_keyLog writes the session's keys to a key log, the
// way crypto/tls's KeyLogWriter does, so that captured traffic can be
// decrypted and verified afterwards (soapstack inspect --keylog FILE).
// The log holds secrets: enable it for debugging only.
func ExampleClientConfig_keyLog() {
	url, cfg, stop := exampleService()
	defer stop()

	var keys bytes.Buffer // in practice an os.File opened with O_APPEND
	cfg.KeyLog = &keys
	client, err := secureconv.NewClient(soap.NewHTTPClient(url), cfg)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Call(context.Background(), exampleEcho(url, "logged")); err != nil {
		log.Fatal(err)
	}
	// One line per key the client obtains (the Issue and every renewal):
	// SCT_KEY <context-id> <generation or -> <key in hex>.
	f := strings.Fields(keys.String())
	fmt.Println(f[0], f[1] == client.Session(), f[2], len(f[3])*4, "bit key")
	// Output:
	// SCT_KEY true - 256 bit key
}

// exampleService starts a session service and returns its URL, a client
// configuration for it and a function that stops it.
func exampleService() (string, secureconv.ClientConfig, func()) {
	cert := exampleCertificate()
	boot := wssecurity.AnonymousForCertificate(wssecurity.Basic256)
	app := boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken,
		Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: true}
	app.RequireSignatureConfirmation = false
	layer, err := secureconv.ServerLayer(secureconv.ServerConfig{Version: secureconv.V13,
		Bootstrap: boot, Policy: app, Security: wssecurity.Config{Certificate: cert}})
	if err != nil {
		log.Fatal(err)
	}
	echo := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:example:echoResponse", req.Payload().Copy())
	})
	srv := httptest.NewServer(soap.NewHTTPHandler(soap.ChainHandler(echo, layer)))
	cfg := secureconv.ClientConfig{Version: secureconv.V13, Bootstrap: boot, Policy: app, To: srv.URL,
		Security: wssecurity.Config{PeerCertificate: cert.Cert}}
	return srv.URL, cfg, srv.Close
}

// exampleEcho returns an echo request addressed to url.
func exampleEcho(url, text string) *soap.Message {
	p := etree.NewElement("e:echo")
	p.CreateAttr("xmlns:e", "urn:example")
	p.SetText(text)
	m := soap.NewMessageWithBody(soap.V12, p)
	a, err := soap.RequestAddressing(soap.WSA10, "urn:example:echo", url, nil)
	if err != nil {
		log.Fatal(err)
	}
	m.SetAddressing(a)
	return m
}

// exampleCertificate returns a self-signed service certificate.
func exampleCertificate() *wssecurity.Certificate {
	c, err := newExampleCertificate("example service")
	if err != nil {
		log.Fatal(err)
	}
	return c
}
