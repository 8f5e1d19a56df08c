package wssecurity

import (
	"encoding/xml"
	"testing"
)

// TestPolicyClone: a clone shares no token, supporting token or part list
// with the policy it was made from.
func TestPolicyClone(t *testing.T) {
	p := MutualCertificate(WSS11, Basic256)
	if len(p.Supporting) == 0 {
		t.Fatal("the test needs a preset with a supporting token")
	}
	p.ProtectionToken = &Token{Kind: X509Token}
	p.SignedParts.Headers = []xml.Name{{Space: "urn:a", Local: "h"}}
	p.EncryptedParts.Headers = []xml.Name{{Space: "urn:a", Local: "e"}}
	c := p.Clone()
	c.ProtectionToken.DerivedKeys = true
	if c.InitiatorToken != nil {
		c.InitiatorToken.Reference = RefSKI
	}
	if c.RecipientToken != nil {
		c.RecipientToken.Reference = RefSKI
	}
	c.Supporting[0].Role = Supporting
	c.SignedParts.Headers[0].Local = "changed"
	c.EncryptedParts.Headers[0].Local = "changed"
	switch {
	case p.ProtectionToken.DerivedKeys:
		t.Error("ProtectionToken shared")
	case p.InitiatorToken != nil && p.InitiatorToken.Reference == RefSKI:
		t.Error("InitiatorToken shared")
	case p.RecipientToken != nil && p.RecipientToken.Reference == RefSKI:
		t.Error("RecipientToken shared")
	case p.Supporting[0].Role == Supporting:
		t.Error("Supporting shared")
	case p.SignedParts.Headers[0].Local != "h", p.EncryptedParts.Headers[0].Local != "e":
		t.Error("part lists shared")
	}
}
