package wssecurity

import (
	"encoding/xml"
	"errors"
	"fmt"
	"testing"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
)

func TestFaultFor(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    soap.FaultCode
		subcode string
		reason  string
	}{
		{"expired", fmt.Errorf("%w: at 10:00", ErrExpired), soap.CodeSender, FaultMessageExpired, "The message has expired"},
		{"authentication", fmt.Errorf("%w: wrong password for alice", ErrFailedAuthentication), soap.CodeSender, FaultFailedAuthentication, "The security token could not be authenticated or authorized"},
		{"replayed nonce", fmt.Errorf("%w: %w: again", ErrFailedAuthentication, ErrReplay), soap.CodeSender, FaultFailedAuthentication, "The security token could not be authenticated or authorized"},
		{"replay alone", ErrReplay, soap.CodeSender, FaultInvalidSecurity, "An error was discovered processing the <wsse:Security> header"},
		{"token", ErrInvalidToken, soap.CodeSender, FaultInvalidSecurityToken, "An invalid security token was provided"},
		{"check", ErrFailedCheck, soap.CodeSender, FaultFailedCheck, "The signature or decryption was invalid"},
		{"unavailable", ErrTokenUnavailable, soap.CodeSender, FaultSecurityTokenUnavail, "Referenced security token could not be retrieved"},
		{"algorithm", ErrUnsupportedAlgorithm, soap.CodeSender, FaultUnsupportedAlgorithm, "An unsupported signature or encryption algorithm was used"},
		{"cache full", fmt.Errorf("x: %w", ErrReplayCacheFull), soap.CodeReceiver, "", "An error occurred when processing the security of the message."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := FaultFor(tt.err)
			assert.Equal(t, tt.code, f.Code)
			assert.Equal(t, tt.reason, f.Reason())
			assert.True(t, errors.Is(f, tt.err), "cause kept")
			assert.Equal(t, tt.subcode, FaultSubcode(tt.err))
			if tt.subcode != "" {
				assert.Equal(t, xml.Name{Space: wsse.NSWSSE, Local: tt.subcode}, f.Subcode())
			}
			assert.NotContains(t, f.Reason(), "alice", "details stay out of the wire reason")
		})
	}
}
