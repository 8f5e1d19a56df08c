package binding

import (
	"time"

	"github.com/soapstack/soapstack/soap"
)

// Options for test harnesses and peers that need more than WCF's
// configuration says (the interop catalogue uses them).

// WithTransportLayer wraps the client's HTTP transport in l, below every
// layer of the binding: l sees each message as it goes on the wire (the
// secured request, every handshake, reliable-session control message and
// retransmission) and each reply before it is verified. For tracing,
// recording and fault injection; several run in order, the first
// outermost.
func WithTransportLayer(l soap.ClientLayer) ClientOption {
	return clientOption(func(s *settings) { s.transportLayers = append(s.transportLayers, l) })
}

// WithOneWaySession makes a client's reliable session offer no reply
// sequence: WCF's IOutputSessionChannel, the channel shape of a contract
// whose operations are all one-way (the default is WCF's
// IRequestSessionChannel, whose CreateSequence offers the replies'
// sequence). NewClient refuses it without ReliableSession.
func WithOneWaySession() ClientOption {
	return clientOption(func(s *settings) { s.oneWay = true })
}

// WithRetryInterval sets the first retransmission delay of a client's
// reliable session (1 s otherwise, until a round-trip time is measured, as
// WCF starts). NewClient refuses it without ReliableSession, and a
// negative one.
func WithRetryInterval(d time.Duration) ClientOption {
	return clientOption(func(s *settings) { s.retryInterval = d })
}

// checkReliableOptions reports the reliable-session client options that
// contradict the binding.
func (s *settings) checkReliableOptions(b Binding, p plan) error {
	n := b.name()
	switch {
	case p.rm == nil && s.oneWay:
		return configErr("%s: WithOneWaySession needs ReliableSession.Enabled", n)
	case p.rm == nil && s.retryInterval != 0:
		return configErr("%s: WithRetryInterval needs ReliableSession.Enabled", n)
	case s.retryInterval < 0:
		return configErr("%s: WithRetryInterval %v: want a positive duration", n, s.retryInterval)
	}
	return nil
}
