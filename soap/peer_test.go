package soap

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peerServer serves /svc and records the Peer each request's context
// carried.
func peerServer(t *testing.T, tlsServer bool) (*httptest.Server, chan *Peer) {
	t.Helper()
	seen := make(chan *Peer, 1)
	h := HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
		p, ok := PeerFromContext(ctx)
		if !ok {
			return nil, SenderFault("no peer")
		}
		if p.TLS != nil != ArrivedOverTLS(ctx) {
			return nil, SenderFault("ArrivedOverTLS disagrees")
		}
		seen <- p
		return nil, nil
	})
	mux := http.NewServeMux()
	mux.Handle("/svc", NewHTTPHandler(h))
	srv := httptest.NewUnstartedServer(mux)
	if tlsServer {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, seen
}

func sendPing(t *testing.T, srv *httptest.Server, url string) {
	t.Helper()
	m := NewMessageWithBody(V12, etree.NewElement("ping"))
	a, err := RequestAddressing(WSA10, "urn:ping", url, nil)
	require.NoError(t, err)
	m.SetAddressing(a)
	_, err = NewHTTPClient(url, WithHTTPClient(srv.Client())).Call(context.Background(), m)
	require.NoError(t, err)
}

// TestHTTPHandlerSetsPeer: remote and local address, no TLS state over
// plain HTTP, and the URL the request was sent to.
func TestHTTPHandlerSetsPeer(t *testing.T) {
	srv, seen := peerServer(t, false)
	sendPing(t, srv, srv.URL+"/svc")
	p := <-seen
	assert.Nil(t, p.TLS)
	assert.Equal(t, srv.URL+"/svc", p.URL)
	require.NotNil(t, p.Addr)
	assert.Equal(t, "tcp", p.Addr.Network())
	host, _, err := net.SplitHostPort(p.Addr.String())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	require.NotNil(t, p.LocalAddr)
	assert.Equal(t, srv.Listener.Addr().String(), p.LocalAddr.String())
}

// TestHTTPHandlerSetsPeerTLS: over TLS the Peer carries the connection
// state and an https URL.
func TestHTTPHandlerSetsPeerTLS(t *testing.T) {
	srv, seen := peerServer(t, true)
	sendPing(t, srv, srv.URL+"/svc")
	p := <-seen
	require.NotNil(t, p.TLS)
	assert.True(t, p.TLS.HandshakeComplete)
	assert.True(t, strings.HasPrefix(p.URL, "https://"), p.URL)
	assert.Equal(t, srv.URL+"/svc", p.URL)
}

func TestPeerFromContext(t *testing.T) {
	_, ok := PeerFromContext(context.Background())
	assert.False(t, ok)
	assert.False(t, ArrivedOverTLS(context.Background()))
	_, ok = PeerFromContext(NewContextWithPeer(context.Background(), nil))
	assert.False(t, ok, "a nil Peer is no Peer")
	want := &Peer{URL: "http://h/svc"}
	got, ok := PeerFromContext(NewContextWithPeer(context.Background(), want))
	require.True(t, ok)
	assert.Same(t, want, got)
	assert.False(t, ArrivedOverTLS(NewContextWithPeer(context.Background(), want)))
}
