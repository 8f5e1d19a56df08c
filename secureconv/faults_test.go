package secureconv

import (
	"encoding/xml"
	"errors"
	"fmt"
	"testing"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		build   func(Version) *soap.Fault
		subcode string
		trust   bool
		reason  string
		is      func(error) bool
	}{
		{"BadContextToken", badContextTokenFault, "BadContextToken", false,
			"The security context token is expired or is not valid. The message was not processed.", IsBadContextToken},
		{"RenewNeeded", renewNeededFault, "RenewNeeded", false,
			"The SecurityContextSecurityToken's key needs to be renewed.", IsRenewNeeded},
		{"UnableToRenew", unableToRenewFault, "UnableToRenew", false,
			"The specified context token could not be renewed.", IsUnableToRenew},
		{"UnknownDerivationSource", unknownDerivationSourceFault, "UnknownDerivationSource", false,
			"The specified source for the derivation is unknown.", IsUnknownDerivationSource},
		{"InvalidRequest", invalidRequestFault, "InvalidRequest", true,
			"The request for security token has invalid or malformed elements.", nil},
	} {
		for _, v := range []Version{V200502, V13} {
			for _, sv := range []soap.Version{soap.V11, soap.V12} {
				t.Run(fmt.Sprintf("%s/%s/%v", tc.name, v, sv), func(t *testing.T) {
					f := tc.build(v)
					ns := v.wire().SCNamespace()
					if tc.trust {
						ns = v.wire().TrustNamespace()
					}
					assert.Equal(t, soap.CodeSender, f.Code)
					assert.Equal(t, []xml.Name{{Space: ns, Local: tc.subcode}}, f.Subcodes)
					assert.Equal(t, tc.reason, f.Reason())

					// On the wire and back, as a client receives it.
					m, err := soap.NewFaultMessage(sv, f, nil, nil)
					require.NoError(t, err)
					b, err := m.Bytes()
					require.NoError(t, err)
					back, err := soap.ParseMessage(b, soap.DefaultLimits())
					require.NoError(t, err)
					got, err := back.Fault()
					require.NoError(t, err)
					assert.True(t, got.HasSubcode(xml.Name{Space: ns, Local: tc.subcode}), string(b))
					assert.Equal(t, tc.reason, got.Reason())
					if tc.is != nil {
						assert.True(t, tc.is(got))
						assert.True(t, tc.is(fmt.Errorf("call: %w", got)))
					}
				})
			}
		}
	}
	// An invalid version falls back to 2005/02.
	assert.Equal(t, wstrust.NSSC200502, badContextTokenFault(0).Subcode().Space)
}

func TestIsFault(t *testing.T) {
	assert.False(t, IsBadContextToken(nil))
	assert.False(t, IsBadContextToken(errors.New("x")))
	assert.False(t, IsBadContextToken(renewNeededFault(V13)))
	assert.False(t, IsRenewNeeded(badContextTokenFault(V13)))
	assert.False(t, IsBadContextToken(soap.SenderFault("x", xml.Name{Space: "urn:other", Local: wstrust.FaultBadContextToken})))
	assert.True(t, IsBadContextToken(fmt.Errorf("cookie: %w", ErrBadContextToken)))
	assert.True(t, IsRenewNeeded(ErrRenewNeeded))
	assert.True(t, IsUnableToRenew(ErrUnableToRenew))
	assert.True(t, IsUnknownDerivationSource(fmt.Errorf("dkt: %w", ErrUnknownDerivationSource)))
}

func TestFaultFor(t *testing.T) {
	for _, tc := range []struct {
		err     error
		subcode xml.Name
	}{
		{fmt.Errorf("expired: %w", ErrBadContextToken), xml.Name{Space: wstrust.NSSC13, Local: wstrust.FaultBadContextToken}},
		{ErrRenewNeeded, xml.Name{Space: wstrust.NSSC13, Local: wstrust.FaultRenewNeeded}},
		{ErrUnableToRenew, xml.Name{Space: wstrust.NSSC13, Local: wstrust.FaultUnableToRenew}},
		{ErrUnknownDerivationSource, xml.Name{Space: wstrust.NSSC13, Local: wstrust.FaultUnknownDerivationSource}},
		{fmt.Errorf("%w: bad KeySize", ErrInvalidRequest), xml.Name{Space: wstrust.NSTrust13, Local: wstrust.FaultInvalidRequest}},
		{wssecurity.ErrInvalidToken, xml.Name{Space: wsse.NSWSSE, Local: wssecurity.FaultInvalidSecurityToken}},
	} {
		f := faultFor(V13, tc.err)
		assert.Equal(t, tc.subcode, f.Subcode(), tc.err.Error())
		assert.ErrorIs(t, f, tc.err)
		assert.NotContains(t, f.Reason(), "bad KeySize", "details stay out of the reason")
	}
	// A malformed RST parsed by a server becomes wst:InvalidRequest.
	_, _, err := wstrust.ParseRST(wtParse(t, `<t:RequestSecurityToken xmlns:t="`+wstrust.NSTrust200502+`"/>`))
	f := faultFor(V200502, err)
	assert.Equal(t, xml.Name{Space: wstrust.NSTrust200502, Local: wstrust.FaultInvalidRequest}, f.Subcode())
	// Other errors are receiver faults.
	assert.Equal(t, soap.CodeReceiver, faultFor(V200502, errors.New("disk full")).Code)
}
