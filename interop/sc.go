package interop

import (
	"encoding/xml"
	"strings"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// Versions of the secure-conversation scenarios: the plugfest set (WS-SC
// and WS-Trust 2005/02, WS-Addressing 2004/08) and the 1.3 set (WS-SC and
// WS-Trust 1.3, WS-Addressing 1.0).
const (
	VersionSC200502 = "sc200502"
	VersionSC13     = "sc13"
)

// SCScenario is one secure-conversation scenario of SCENARIOS.md at one
// version.
type SCScenario struct {
	Name       string
	Version    string
	SC         secureconv.Version
	Addressing soap.AddressingVersion
	// TLS means the scenario runs over HTTPS.
	TLS bool
	// Bootstrap protects the RST/RSTR exchange; Policy the session.
	Bootstrap wssecurity.Policy
	Policy    wssecurity.Policy
	// Cancel: the client sends Cancel when done.
	Cancel bool
	// Cookie: the service issues stateful (cookie) tokens (C scenarios).
	Cookie bool
}

// Path returns the endpoint path of the scenario on a peer.
func (s SCScenario) Path() string { return "/" + s.Version + "/" + s.Name }

// Case returns the scenario as an interop case.
func (s SCScenario) Case() Case { return Case{Scenario: s.Name, Version: s.Version} }

// scRow is one line of the SCENARIOS.md secure-conversation table.
type scRow struct {
	name      string
	bootstrap string // A, UX, X, X10, UNOT
	dk        bool
	order     string // SE (sign, encrypt), EBS, SEES, ESO (encrypt signature, outer only)
	outerWSS  wssecurity.WSSVersion
	cancel    string // yes, no, mustnot
}

func scRows() []scRow {
	return []scRow{
		{"SecureConversation_UserNameOverTransport", "UNOT", false, "SE", wssecurity.WSS11, "no"},
		{"SecureConversation_MutualCertificate10SignEncrypt", "X", true, "ESO", wssecurity.WSS10, "no"},
		{"XC", "X", false, "SE", wssecurity.WSS11, "mustnot"},
		{"XDC", "X", true, "SE", wssecurity.WSS11, "no"},
		{"XDC-ES", "X", true, "EBS", wssecurity.WSS11, "no"},
		{"XDC-SEES", "X", true, "SEES", wssecurity.WSS11, "no"},
		{"_X", "X", false, "SE", wssecurity.WSS11, "yes"},
		{"_X10", "X10", false, "SE", wssecurity.WSS10, "yes"},
		{"_XD", "X", true, "SE", wssecurity.WSS11, "yes"},
		{"_XD-SEES", "X", true, "SEES", wssecurity.WSS11, "yes"},
		{"_XD-ES", "X", true, "EBS", wssecurity.WSS11, "yes"},
		{"AC", "A", false, "SE", wssecurity.WSS11, "mustnot"},
		{"ADC", "A", true, "SE", wssecurity.WSS11, "mustnot"},
		{"ADC-ES", "A", true, "EBS", wssecurity.WSS11, "mustnot"},
		{"_A", "A", false, "SE", wssecurity.WSS11, "yes"},
		{"_AD", "A", true, "SE", wssecurity.WSS11, "yes"},
		{"_AD-ES", "A", true, "EBS", wssecurity.WSS11, "yes"},
		{"UXC", "UX", false, "SE", wssecurity.WSS11, "mustnot"},
		{"UXDC", "UX", true, "SE", wssecurity.WSS11, "mustnot"},
		{"UXDC-SEES", "UX", true, "SEES", wssecurity.WSS11, "mustnot"},
		{"_UX", "UX", false, "SE", wssecurity.WSS11, "yes"},
		{"_UXD", "UX", true, "SE", wssecurity.WSS11, "yes"},
		{"_UXD-SEES", "UX", true, "SEES", wssecurity.WSS11, "yes"},
	}
}

func wsaHeaders(ns string) []xml.Name {
	var out []xml.Name
	for _, l := range []string{"To", "From", "FaultTo", "ReplyTo", "MessageID", "RelatesTo", "Action"} {
		out = append(out, xml.Name{Space: ns, Local: l})
	}
	return out
}

func applyOrder(p *wssecurity.Policy, order string, outer bool) {
	switch order {
	case "EBS":
		p.Order = wssecurity.EncryptBeforeSign
	case "SEES":
		p.EncryptSignature = true
	case "ESO":
		p.EncryptSignature = outer
	}
}

// SCScenarios lists the secure-conversation scenarios at both versions
// (facts: SCENARIOS.md and the policies in interop/cxf).
func SCScenarios() []SCScenario {
	var out []SCScenario
	for _, version := range []string{VersionSC200502, VersionSC13} {
		v, wsa := secureconv.V200502, soap.WSA200408
		if version == VersionSC13 {
			v, wsa = secureconv.V13, soap.WSA10
		}
		parts := wssecurity.Parts{Body: true, Headers: wsaHeaders(wsa.Namespace())}
		for _, r := range scRows() {
			boot := wssecurity.Policy{Binding: wssecurity.SymmetricBinding, WSS: wssecurity.WSS11, Suite: wssecurity.Basic128,
				Layout: wssecurity.Strict, IncludeTimestamp: true, Order: wssecurity.SignBeforeEncrypt,
				ProtectionToken: &wssecurity.Token{Kind: wssecurity.X509Token, Inclusion: wssecurity.IncludeNever, Reference: wssecurity.RefThumbprint, DerivedKeys: r.dk},
				SignedParts:     parts, EncryptedParts: wssecurity.Parts{Body: true}}
			applyOrder(&boot, r.order, false)
			tls := false
			switch r.bootstrap {
			case "UX":
				boot.Supporting = []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.UsernameToken, Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.SignedSupporting}}
			case "X":
				// The CXF policy has RequireDerivedKeys on this endorsing
				// token too, as the plugfest's; no stack derives keys from
				// an X.509 key, and wssecurity refuses the flag on a
				// supporting token, so it is not set here.
				boot.Supporting = []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.X509Token, Inclusion: wssecurity.IncludeAlwaysToRecipient, Reference: wssecurity.RefThumbprint}, Role: wssecurity.EndorsingSupporting}}
			case "X10":
				boot = wssecurity.MutualCertificate(wssecurity.WSS10, wssecurity.Basic128)
				boot.Layout, boot.EncryptSignature, boot.SignedParts = wssecurity.Strict, false, parts
				boot.RecipientToken.Reference = wssecurity.RefSKI
			case "UNOT":
				boot = wssecurity.UserNameOverTransport()
				boot.Suite, boot.Layout = wssecurity.Basic128, wssecurity.Strict
				tls = true
			}
			app := wssecurity.Policy{Binding: wssecurity.SymmetricBinding, WSS: r.outerWSS, Suite: wssecurity.Basic128,
				Layout: wssecurity.Lax, IncludeTimestamp: true, Order: wssecurity.SignBeforeEncrypt,
				ProtectionToken: &wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient, DerivedKeys: r.dk},
				SignedParts:     parts, EncryptedParts: wssecurity.Parts{Body: true}}
			applyOrder(&app, r.order, true)
			if r.bootstrap == "UNOT" {
				// Over HTTPS the session endorses the Timestamp.
				app = wssecurity.Policy{Binding: wssecurity.TransportBinding, WSS: wssecurity.WSS11, Suite: wssecurity.Basic128,
					Layout: wssecurity.Lax, IncludeTimestamp: true,
					Supporting: []wssecurity.SupportingToken{{Token: wssecurity.Token{Kind: wssecurity.SecureConversationToken, Inclusion: wssecurity.IncludeAlwaysToRecipient}, Role: wssecurity.EndorsingSupporting}}}
			}
			out = append(out, SCScenario{Name: r.name, Version: version, SC: v, Addressing: wsa, TLS: tls,
				Bootstrap: boot, Policy: app, Cancel: r.cancel == "yes", Cookie: strings.HasSuffix(strings.SplitN(r.name, "-", 2)[0], "C")})
		}
	}
	return out
}

// SCCases lists the secure-conversation scenarios as cases.
func SCCases() []Case {
	var out []Case
	for _, s := range SCScenarios() {
		out = append(out, s.Case())
	}
	return out
}

func scScenario(c Case) (SCScenario, bool) {
	for _, s := range SCScenarios() {
		if s.Name == c.Scenario && s.Version == c.Version {
			return s, true
		}
	}
	return SCScenario{}, false
}
