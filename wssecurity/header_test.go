package wssecurity

import (
	"fmt"
	"testing"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecurityHeaderRoles checks that two Security headers for one role
// are refused wherever they stand among many (more than fit the short
// list of roles securityHeader keeps before it uses a map).
func TestSecurityHeaderRoles(t *testing.T) {
	cases := []struct {
		name  string
		roles []string // "" is the ultimate receiver
		dup   bool
	}{
		{"one", []string{""}, false},
		{"ours and another role", []string{"urn:a", ""}, false},
		{"many roles", []string{"urn:1", "urn:2", "urn:3", "urn:4", "urn:5", "urn:6", "urn:7", "urn:8", "urn:9", "urn:10", ""}, false},
		{"ours twice", []string{"", "urn:a", ""}, true},
		{"a role twice, early", []string{"urn:a", "urn:a"}, true},
		{"a role twice, late", []string{"urn:1", "urn:2", "urn:3", "urn:4", "urn:5", "urn:6", "urn:7", "urn:8", "urn:9", "urn:10", "urn:10"}, true},
		{"an early role again late", []string{"urn:1", "urn:2", "urn:3", "urn:4", "urn:5", "urn:6", "urn:7", "urn:8", "urn:9", "urn:10", "urn:2"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := soap.NewMessage(soap.V12)
			for i, role := range c.roles {
				sec := newSecurityHeader(m)
				sec.CreateAttr("n", fmt.Sprint(i))
				if role != "" {
					sec.CreateAttr(m.Envelope.Space+":role", role)
				}
			}
			got, err := securityHeader(m)
			if c.dup {
				require.ErrorIs(t, err, ErrDuplicate)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, wsse.NSWSSE, soap.ElementName(got).Space)
		})
	}
}
