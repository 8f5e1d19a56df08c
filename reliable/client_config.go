package reliable

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/seq"
	"github.com/soapstack/soapstack/soap"
)

// Defaults of ClientConfig (WCF's ReliableSessionBindingElement and
// binding timeouts).
const (
	// DefaultRetryInterval is the first retransmission delay before a
	// round trip is measured.
	DefaultRetryInterval = time.Second
	// DefaultSendTimeout bounds one transmission (WCF's SendTimeout).
	DefaultSendTimeout = time.Minute
	// DefaultOpenTimeout bounds Open (WCF's OpenTimeout).
	DefaultOpenTimeout = time.Minute
)

// retryJitter is the largest fraction by which a retransmission delay is
// shortened at random, so that clients that lost the same service do not
// retransmit in step.
const retryJitter = 0.2

// ErrClientConfig is wrapped by every error NewClient returns for an
// incomplete or contradictory ClientConfig; the message names the field.
var ErrClientConfig = errors.New("reliable: invalid client configuration")

func clientConfigError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrClientConfig}, args...)...)
}

// defaults checks c and fills in its defaults.
func (c *ClientConfig) defaults() error {
	switch c.Version {
	case 0:
		c.Version = V200502
	case V200502, V11:
	default:
		return clientConfigError("unknown Version %d", int(c.Version))
	}
	if c.To == "" {
		return clientConfigError("no To address")
	}
	if u, err := url.Parse(c.To); err != nil || !u.IsAbs() {
		return clientConfigError("To %q is not an absolute URI", c.To)
	}
	switch c.SOAP {
	case 0:
		c.SOAP = soap.V12
	case soap.V11, soap.V12:
	default:
		return clientConfigError("unknown SOAP version %d", int(c.SOAP))
	}
	switch c.Addressing {
	case 0:
		c.Addressing = soap.WSA10
	case soap.WSA10:
	case soap.WSA200408:
		if c.Version == V11 {
			return clientConfigError("WS-RM 1.1 needs WS-Addressing 1.0, not 2004/08")
		}
	default:
		return clientConfigError("unknown Addressing version %d", int(c.Addressing))
	}
	ints := []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxTransferWindowSize", &c.MaxTransferWindowSize, seq.MaxTransferWindowSize},
		{"MaxRetryCount", &c.MaxRetryCount, seq.MaxRetryCount},
	}
	for _, f := range ints {
		switch {
		case *f.v == 0:
			*f.v = f.def
		case *f.v < 0:
			return clientConfigError("negative %s %d", f.name, *f.v)
		}
	}
	if c.MaxTransferWindowSize > seq.MaxRanges {
		return clientConfigError("MaxTransferWindowSize %d above %d", c.MaxTransferWindowSize, seq.MaxRanges)
	}
	durs := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"AcknowledgementInterval", &c.AcknowledgementInterval, seq.AcknowledgementInterval},
		{"InactivityTimeout", &c.InactivityTimeout, seq.InactivityTimeout},
		{"RetryInterval", &c.RetryInterval, DefaultRetryInterval},
		{"SendTimeout", &c.SendTimeout, DefaultSendTimeout},
		{"OpenTimeout", &c.OpenTimeout, DefaultOpenTimeout},
	}
	for _, f := range durs {
		switch {
		case *f.v == 0:
			*f.v = f.def
		case *f.v < 0:
			return clientConfigError("negative %s %v", f.name, *f.v)
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// keepAliveInterval is how long the client stays silent before it sends a
// keep-alive AckRequested: half the inactivity timeout, so that one lost
// keep-alive does not let the service's timer run out.
func (c *ClientConfig) keepAliveInterval() time.Duration {
	return c.InactivityTimeout / 2
}
