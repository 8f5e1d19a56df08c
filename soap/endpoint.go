package soap

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// ErrDestinationUnreachable is the cause of the fault HTTPHandler returns
// for a request whose wsa:To does not name the endpoint that received it.
var ErrDestinationUnreachable = errors.New("soap: wsa:To does not name this endpoint")

// destinationUnreachableReason is WCF's text for an address filter
// mismatch (SFxNoEndpointMatchingAddress), two spaces included.
const destinationUnreachableReason = "The message with To '%s' cannot be processed at the receiver, due to an AddressFilter mismatch at the EndpointDispatcher.  Check that the sender and receiver's EndpointAddresses agree."

// maxEchoedTo bounds how much of the received To the fault reason repeats.
const maxEchoedTo = 512

// DestinationUnreachableFault returns the fault WCF sends when a message's
// To matches no endpoint (an address filter mismatch): Sender, subcode
// wsa:DestinationUnreachable in the addressing version v (WS-Addressing 1.0
// when v is zero), WCF's reason naming to (cut to 512 bytes), and cause
// kept for logs.
func DestinationUnreachableFault(v AddressingVersion, to string, cause error) *Fault {
	ns := v.Namespace()
	if ns == "" {
		ns = NSWSA10
	}
	return SenderFault(fmt.Sprintf(destinationUnreachableReason, clipTo(to)),
		xml.Name{Space: ns, Local: "DestinationUnreachable"}).WithCause(cause)
}

// clipTo cuts a received address to maxEchoedTo bytes for faults and logs.
func clipTo(to string) string {
	if len(to) <= maxEchoedTo {
		return to
	}
	cut := maxEchoedTo
	for cut > 0 && !utf8.RuneStart(to[cut]) {
		cut--
	}
	return to[:cut] + "..."
}

// WithEndpointAddress sets the public addresses of the endpoint a server
// handler serves (absolute URIs; several when the endpoint is reachable
// under several names). A request's wsa:To must name one of them; the
// address the request arrived at is then not consulted. Use it behind a
// proxy or load balancer that rewrites the scheme, host, port or path (TLS
// terminated in front of the service, say), and to bind the host and port,
// which without it come from the request's Host header, which the sender
// chooses. NewHTTPHandler panics when an address is not an absolute URI or
// none is given, as http.ServeMux.Handle does for a bad pattern. Client
// transports ignore it.
func WithEndpointAddress(addresses ...string) HTTPOption {
	addrs := append([]string(nil), addresses...)
	return httpOptionFunc(func(c *httpConfig) { c.endpoints, c.endpointsSet = addrs, true })
}

// WithToCheck turns the server handler's wsa:To check on or off (default
// on). Off, a request is served whatever its To says, as WCF does with
// AddressFilterMode.Any; only do that when something else binds messages
// to this endpoint (a router that already checked the To, for example).
// Client transports ignore it.
func WithToCheck(on bool) HTTPOption {
	return httpOptionFunc(func(c *httpConfig) { c.toCheckOff = !on })
}

// endpointAddress is an address in the form the To check compares.
type endpointAddress struct {
	raw string
	// hierarchical URIs (scheme://authority/path): the parts compared.
	scheme, host, port, path string
	opaque                   bool // compared as raw strings (urn:, for example)
}

// parseEndpointAddress parses an absolute URI. Scheme and host are
// compared without regard to case, the port with the scheme's default
// filled in (80 for http, 443 for https), the path percent-decoded, with
// dot segments resolved and without a trailing slash ("" is "/"). User
// information, query and fragment are not compared, as WCF's address
// filter does not compare them.
func parseEndpointAddress(s string) (endpointAddress, error) {
	u, err := url.Parse(s)
	if err != nil {
		return endpointAddress{}, err
	}
	if u.Scheme == "" {
		return endpointAddress{}, fmt.Errorf("%q is not an absolute URI", s)
	}
	a := endpointAddress{raw: s, scheme: strings.ToLower(u.Scheme)}
	if u.Opaque != "" || (u.Host == "" && !strings.HasPrefix(s[len(u.Scheme)+1:], "//")) {
		a.opaque = true
		return a, nil
	}
	a.host = strings.ToLower(u.Hostname())
	a.port = u.Port()
	if a.port == "" {
		switch a.scheme {
		case "http":
			a.port = "80"
		case "https":
			a.port = "443"
		}
	}
	if strings.HasPrefix(u.Path, "/") {
		a.path = path.Clean(u.Path) // the same as with "/" in front, without the copy
	} else {
		a.path = path.Clean("/" + u.Path)
	}
	return a, nil
}

// matches reports whether a and b name the same endpoint.
func (a endpointAddress) matches(b endpointAddress) bool {
	if a.opaque || b.opaque {
		return a.opaque && b.opaque && a.raw == b.raw
	}
	return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.path == b.path
}

// parseEndpoints parses the addresses of WithEndpointAddress.
func parseEndpoints(addrs []string) ([]endpointAddress, error) {
	if len(addrs) == 0 {
		return nil, errors.New("no address given")
	}
	out := make([]endpointAddress, 0, len(addrs))
	for _, s := range addrs {
		a, err := parseEndpointAddress(s)
		if err != nil {
			return nil, fmt.Errorf("endpoint address %q: %w", s, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// checkTo refuses a request whose wsa:To does not name this endpoint: one
// of the configured addresses, or else peerURL, the address the request
// arrived at. A request without To, or with the anonymous address, is
// addressed to wherever the transport delivered it (WS-Addressing 1.0
// §3.2, and SOAP without addressing) and passes. The To headers of the
// other addressing version are checked too (checkOtherTo).
func (s *HTTPHandler) checkTo(req *Message, peerURL string) error {
	if s.cfg.toCheckOff {
		return nil
	}
	if err := s.checkOtherTo(req, peerURL); err != nil {
		return err
	}
	if req.Addressing.Elem("To") == nil {
		return nil
	}
	return s.checkAddress(req.Addressing.To, req.Addressing.Version, peerURL)
}

// checkOtherTo checks the wsa:To header blocks of the addressing version
// the message's addressing was not read in. The message's version is that
// of its first addressing header and the other version's headers are
// skipped, so an unsigned header of one version put first would otherwise
// hide a signed To of the other, naming another endpoint, from the check.
func (s *HTTPHandler) checkOtherTo(req *Message, peerURL string) error {
	if req.Header == nil {
		return nil
	}
	for _, c := range req.Header.Child {
		h, ok := c.(*etree.Element)
		if !ok || h.Tag != "To" {
			continue
		}
		v := addressingVersionOf(ElementName(h).Space)
		if v == 0 || v == req.Addressing.Version {
			continue
		}
		if err := s.checkAddress(strings.TrimSpace(h.Text()), v, peerURL); err != nil {
			return err
		}
	}
	return nil
}

// checkAddress checks one received To (of addressing version v) against
// this endpoint.
func (s *HTTPHandler) checkAddress(to string, v AddressingVersion, peerURL string) error {
	if IsAnonymous(to) {
		return nil
	}
	quoted := clipTo(to)
	got, err := parseEndpointAddress(to)
	if err != nil {
		return DestinationUnreachableFault(v, to,
			fmt.Errorf("%w: wsa:To %q is not an absolute URI: %v", ErrDestinationUnreachable, quoted, err))
	}
	if s.endpoints != nil {
		for _, e := range s.endpoints {
			if e.matches(got) {
				return nil
			}
		}
		return DestinationUnreachableFault(v, to,
			fmt.Errorf("%w: wsa:To %q is none of the configured endpoint addresses", ErrDestinationUnreachable, quoted))
	}
	if to == peerURL {
		return nil // got parsed, and an address matches itself
	}
	here, err := parseEndpointAddress(peerURL)
	if err == nil && here.matches(got) {
		return nil
	}
	return DestinationUnreachableFault(v, to,
		fmt.Errorf("%w: wsa:To %q, the request arrived at %q", ErrDestinationUnreachable, quoted, clipTo(peerURL)))
}

// toCheckKey is the context key of the To check of the HTTPHandler that
// received the request.
type toCheckKey struct{}

type toCheck struct {
	s       *HTTPHandler
	peerURL string
	// passed is a To that passed the check on this request: the check is a
	// function of the To (and of s and peerURL, fixed per request), so
	// the same To passes again without being parsed again.
	passed string
}

// CheckTo checks the request's wsa:To again, against the endpoint of the
// HTTPHandler that received it (ctx is the handler's context): a layer may
// have changed the addressing headers since the handler checked them, by
// decrypting an EncryptedHeader, say. ServeMux calls it before it
// dispatches; a Handler that dispatches itself should too. It returns the
// DestinationUnreachable fault the handler would have sent, or nil, also
// when ctx comes from no HTTPHandler or the check is off.
func CheckTo(ctx context.Context, req *Message) error {
	c, ok := ctx.Value(toCheckKey{}).(*toCheck)
	if !ok {
		return nil
	}
	if c.passed != "" && req.Addressing.To == c.passed {
		return c.s.checkOtherTo(req, c.peerURL)
	}
	return c.s.checkTo(req, c.peerURL)
}
