package wssecurity

import (
	"context"
	"testing"

	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseInspectParts(t *testing.T) {
	tests := []struct {
		in   string
		want InspectParts
		err  bool
	}{
		{"", 0, false},
		{"none", 0, false},
		{"body", PartBody, false},
		{"body, addressing", PartBody | PartAddressing, false},
		{"all", AllParts, false},
		{"timestamp,all", AllParts, false},
		{"headers", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseInspectParts(tt.in)
		if tt.err {
			assert.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		back, err := ParseInspectParts(got.String())
		require.NoError(t, err)
		assert.Equal(t, got, back)
	}
}

// TestInspectBasic128 inspects a Basic128 request of our own sender (its
// EncryptedKey has no ReferenceList of its own: the old inspect guessed a
// 32-byte key and failed it) and checks the coverage report through the
// library API, with and without AllowUnsigned.
func TestInspectBasic128(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, _ := pki.configs()
	for _, derived := range []bool{false, true} {
		p := AnonymousForCertificate(Basic128)
		tok := *p.ProtectionToken
		tok.DerivedKeys = derived
		p.ProtectionToken = &tok
		m := echoRequest(t, "inspect me")
		_, err := SecureRequest(context.Background(), p, &ccfg, m)
		require.NoError(t, err)
		b, err := m.Bytes()
		require.NoError(t, err)

		rep := Inspect(context.Background(), wire(t, m), InspectOptions{Certificate: pki.service, Suite: Basic128})
		require.True(t, rep.Verified, "%v", rep.Errors)
		assert.True(t, rep.Covered)
		assert.Contains(t, rep.Body, "inspect me")
		parts := map[string]int{}
		for _, c := range rep.Coverage {
			assert.True(t, c.Signed && c.Required, "%+v", c)
			parts[c.Part]++
		}
		assert.Equal(t, map[string]int{"body": 1, "timestamp": 1, "addressing": 4}, parts)

		// The wrong suite is an error that names the key length.
		m2, err := soap.ParseMessage(b, soap.Limits{})
		require.NoError(t, err)
		rep = Inspect(context.Background(), m2, InspectOptions{Certificate: pki.service, Suite: Basic256})
		assert.False(t, rep.Verified)
		assert.Contains(t, rep.Errors[0], "Basic256 suite")
	}
}
