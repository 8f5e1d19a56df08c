package soap

import (
	"context"
	"crypto/tls"
	"net"
)

// Peer is the other end of the transport connection a request arrived on,
// as the HTTP handler saw it. It says nothing about who the caller is (see
// Principal); it says where the bytes came from and how they travelled.
type Peer struct {
	// Addr is the remote address of the connection (for HTTP, the
	// request's RemoteAddr; behind a proxy, the proxy's address).
	Addr net.Addr
	// LocalAddr is the local address the request arrived on, when known.
	LocalAddr net.Addr
	// TLS is the state of the TLS connection, or nil when the request did
	// not arrive over TLS (plain HTTP, or TLS terminated by a proxy).
	TLS *tls.ConnectionState
	// URL is the absolute address the request was sent to as the transport
	// saw it (scheme, host, path), used to check wsa:To.
	URL string
}

type peerKey struct{}

// NewContextWithPeer returns a copy of ctx that carries p.
func NewContextWithPeer(ctx context.Context, p *Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// PeerFromContext returns the peer in ctx, if any.
func PeerFromContext(ctx context.Context) (*Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(*Peer)
	return p, ok && p != nil
}

// ArrivedOverTLS reports whether the request whose context is ctx arrived
// over a TLS connection.
func ArrivedOverTLS(ctx context.Context) bool {
	p, ok := PeerFromContext(ctx)
	return ok && p.TLS != nil
}

// stringAddr is a net.Addr for an address known only as a string (an HTTP
// request's RemoteAddr).
type stringAddr struct{ network, addr string }

func (a stringAddr) Network() string { return a.network }
func (a stringAddr) String() string  { return a.addr }
