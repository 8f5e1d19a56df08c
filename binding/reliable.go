package binding

import (
	"encoding/xml"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// Limits of WCF's ReliableSessionBindingElement setters.
const (
	maxTransferWindow = 4096
	maxPendingChannel = 16384
)

// rmPlan is what a binding's ReliableSession maps to.
type rmPlan struct {
	version reliable.Version
}

// reliableVersion returns the WS-RM version of the binding: the
// ReliableSession's Version when set, else WCF's for the binding
// (ReliableMessagingVersion.WSReliableMessagingFebruary2005 for
// wsHttpBinding, WSReliableMessaging11 for ws2007HttpBinding), else for a
// custom binding the version that goes with its WS-SecureConversation
// version.
func (b Binding) reliableVersion() reliable.Version {
	switch {
	case b.ReliableSession.Version != 0:
		return b.ReliableSession.Version
	case b.kind == kindWSHTTP:
		return reliable.V200502
	case b.kind == kindWS2007HTTP:
		return reliable.V11
	case b.SecureConversation == secureconv.V200502:
		return reliable.V200502
	}
	return reliable.V11
}

// reliablePlan checks the binding's ReliableSession against its security
// plan p, as WCF's bindings do when they build their binding elements.
func (b Binding) reliablePlan(p plan) (*rmPlan, error) {
	r := b.ReliableSession
	if !r.Enabled {
		return nil, nil
	}
	n := b.name()
	if b.kind == kindBasicHTTP {
		// basicHttpBinding has no reliableSession element at all.
		return nil, configErr("%s: ReliableSession: basicHttpBinding has no reliable sessions (use wsHttpBinding or ws2007HttpBinding)", n)
	}
	if b.Security.Mode == ModeMessage || b.Security.Mode == ModeTransportWithMessageCredential {
		if p.session == nil {
			// MessageSecurityOverHttp.CreateSecurityBindingElement:
			// SecureConversationRequiredByReliableSession.
			return nil, configErr("%s: ReliableSession with %s security needs Security.Message.EstablishSecurityContext (WCF: a secure conversation is required by the reliable session)", n, b.Security.Mode)
		}
	}
	v := b.reliableVersion()
	if !v.Valid() {
		return nil, configErr("%s: ReliableSession.Version: unknown WS-RM version %d", n, int(v))
	}
	switch {
	case b.Addressing == 0:
		return nil, configErr("%s: ReliableSession needs WS-Addressing (Addressing)", n)
	case v == reliable.V11 && b.Addressing != soap.WSA10:
		return nil, configErr("%s: ReliableSession: WS-RM 1.1 needs WS-Addressing 1.0 (Addressing)", n)
	}
	if r.Unordered {
		// reliable.ServerConfig delivers in order and has no switch yet.
		return nil, notSupported("%s: ReliableSession.Unordered: the reliable session delivers in order only; leave Unordered false", n)
	}
	switch {
	case r.MaxTransferWindowSize < 0 || r.MaxTransferWindowSize > maxTransferWindow:
		return nil, configErr("%s: ReliableSession.MaxTransferWindowSize %d: want 1..%d (0 for 8)", n, r.MaxTransferWindowSize, maxTransferWindow)
	case r.MaxRetryCount < 0:
		return nil, configErr("%s: ReliableSession.MaxRetryCount %d: want a positive count (0 for 8)", n, r.MaxRetryCount)
	case r.MaxPendingChannels < 0 || r.MaxPendingChannels > maxPendingChannel:
		return nil, configErr("%s: ReliableSession.MaxPendingChannels %d: want 1..%d (0 for 4)", n, r.MaxPendingChannels, maxPendingChannel)
	case r.InactivityTimeout < 0:
		return nil, configErr("%s: ReliableSession.InactivityTimeout %v: want a positive duration (0 for 10 min)", n, r.InactivityTimeout)
	case r.AcknowledgementInterval < 0:
		return nil, configErr("%s: ReliableSession.AcknowledgementInterval %v: want a positive duration (0 for 200 ms)", n, r.AcknowledgementInterval)
	case r.InactivityTimeout > 0 && r.AcknowledgementInterval >= r.InactivityTimeout:
		return nil, configErr("%s: ReliableSession.AcknowledgementInterval %v: want less than InactivityTimeout %v", n, r.AcknowledgementInterval, r.InactivityTimeout)
	}
	if p.session != nil && p.session.Binding == wssecurity.SymmetricBinding {
		// The RM headers (Sequence, SequenceAcknowledgement,
		// AckRequested, netrm:BufferRemaining) are signed with the
		// session, as WCF's message security signs every header it
		// understands; a service refuses them unsigned.
		p.session.SignedParts.Headers = append(append([]xml.Name(nil), p.session.SignedParts.Headers...),
			xml.Name{Space: reliable.NSRM200502}, xml.Name{Space: reliable.NSRM11}, xml.Name{Space: reliable.NSNetRM})
	}
	return &rmPlan{version: v}, nil
}

// clientConfig returns the reliable client's configuration.
func (r *rmPlan) clientConfig(b Binding, to string, s *settings, onEvent func(reliable.Event)) reliable.ClientConfig {
	rs := b.ReliableSession
	return reliable.ClientConfig{Version: r.version, To: to,
		MaxTransferWindowSize: rs.MaxTransferWindowSize, MaxRetryCount: rs.MaxRetryCount,
		AcknowledgementInterval: rs.AcknowledgementInterval, InactivityTimeout: rs.InactivityTimeout,
		Now: s.now, Rand: s.rand, Logger: s.logger, OnEvent: onEvent}
}

// serverConfig returns the reliable service's configuration; secure says
// whether the binding runs a secure session below it.
func (r *rmPlan) serverConfig(b Binding, secure bool, s *settings, onEvent func(reliable.Event)) reliable.ServerConfig {
	rs := b.ReliableSession
	pending := rs.MaxPendingChannels
	if s.sequences != nil {
		pending = 0 // the given store applies its own bound
	}
	return reliable.ServerConfig{Versions: []reliable.Version{r.version}, Store: s.sequences,
		MaxTransferWindowSize: rs.MaxTransferWindowSize, MaxPendingChannels: pending,
		InactivityTimeout: rs.InactivityTimeout, AcknowledgementInterval: rs.AcknowledgementInterval,
		RequireSecureSession: secure, ClaimTimeout: s.claimTimeout,
		Now: s.now, Rand: s.rand, Logger: s.logger, OnEvent: onEvent}
}

// String is Describe's part for the reliable session.
func (r *rmPlan) String() string {
	return "reliable session " + r.version.String()
}
