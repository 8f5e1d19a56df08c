package interop

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Assertion paths (policyPathsNS) that tell the members of a plugfest
// policy family apart.
const (
	pathProtectionDerived = "sp:SymmetricBinding/sp:ProtectionToken/sp:X509Token[sp:Never]/sp:RequireDerivedKeys"
	pathEndorsingDerived  = "sp:EndorsingSupportingTokens/sp:X509Token[sp:AlwaysToRecipient]/sp:RequireDerivedKeys"
	pathEncryptSignature  = "sp:SymmetricBinding/sp:EncryptSignature"
	pathEncryptBefore     = "sp:SymmetricBinding/sp:EncryptBeforeSigning"
	pathTimestamp         = "sp:SymmetricBinding/sp:IncludeTimestamp"
	pathBasic256          = "sp:SymmetricBinding/sp:AlgorithmSuite/sp:Basic256"
)

// policyEdit turns the assertion paths of one plugfest policy into those of
// a sibling scenario: drop removes paths, add appends them, replace maps
// old to new.
type policyEdit struct {
	drop    []string
	add     []string
	replace map[string]string
}

func (e policyEdit) apply(paths []string) []string {
	var out []string
	for _, p := range paths {
		if slices.Contains(e.drop, p) {
			continue
		}
		if r, ok := e.replace[p]; ok {
			p = r
		}
		out = append(out, p)
	}
	return append(out, e.add...)
}

// TestPlugfestPolicyFamilies compares the wssec11 scenarios whose plugfest
// policy has no copy in testdata/plugfest/policies.xml with the copy of
// their sibling, changed by exactly what tells the two apart in Apache
// CXF's WsSecurity11_policy.wsdl (commit 33a1200c605213e3533d6aa3936fed32d0e7b0b2,
// read assertion by assertion when this test was written): a D drops
// RequireDerivedKeys, SEES adds EncryptSignature, ES adds
// EncryptBeforeSigning, NoTimestamp drops IncludeTimestamp, the X-<suite>
// scenarios change only the algorithm suite. With TestPlugfestPolicies
// every plain WS-Security scenario of the catalogue is compared with the
// plugfest (TestPlugfestCoversCatalogue).
func TestPlugfestPolicyFamilies(t *testing.T) {
	ours := filepath.Join("cxf", "src", "main", "resources", "wsdl", "wssec11.wsdl")
	ref := filepath.Join("testdata", "plugfest", "policies.xml")
	x := policyEdit{drop: []string{pathProtectionDerived, pathEndorsingDerived}}
	tests := []struct {
		scenario, sibling string
		edits             []policyEdit
	}{
		{"UX", "UXD-SEES", []policyEdit{{drop: []string{pathProtectionDerived, pathEncryptSignature}}}},
		{"UX-NoTimestamp", "UXD-SEES", []policyEdit{{drop: []string{pathProtectionDerived, pathEncryptSignature, pathTimestamp}}}},
		{"UXD", "UXD-SEES", []policyEdit{{drop: []string{pathEncryptSignature}}}},
		{"UX-SEES", "UXD-SEES", []policyEdit{{drop: []string{pathProtectionDerived}}}},
		{"A-ES", "A", []policyEdit{{add: []string{pathEncryptBefore}}}},
		{"AD-ES", "AD", []policyEdit{{add: []string{pathEncryptBefore}}}},
		{"X", "XD", []policyEdit{x}},
		{"X-NoTimestamp", "XD", []policyEdit{x, {drop: []string{pathTimestamp}}}},
		{"X-AES256", "XD", []policyEdit{x}},
		{"X-AES128", "XD", []policyEdit{x, {replace: map[string]string{pathBasic256: "sp:SymmetricBinding/sp:AlgorithmSuite/sp:Basic128"}}}},
		{"X-TripleDES", "XD", []policyEdit{x, {replace: map[string]string{pathBasic256: "sp:SymmetricBinding/sp:AlgorithmSuite/sp:TripleDes"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			want := policyPathsNS(policyByID(t, ref, tc.sibling+"_IPingService_policy"))
			require.NotEmpty(t, want)
			for _, e := range tc.edits {
				want = e.apply(want)
			}
			// Trust10 is left out of every generated wssec11 policy (TestPlugfestPolicies).
			want = slices.DeleteFunc(want, func(p string) bool { return strings.HasPrefix(p, "sp:Trust10/") })
			assertSamePaths(t, tc.scenario+" binding policy", want, policyPathsNS(policyByID(t, ours, tc.scenario+"_policy")))
		})
	}
}

// TestPlugfestCoversCatalogue: every plain WS-Security scenario of the
// catalogue is compared with a plugfest policy, directly
// (TestPlugfestPolicies) or through its sibling (TestPlugfestPolicyFamilies).
func TestPlugfestCoversCatalogue(t *testing.T) {
	compared := map[string]bool{}
	for _, s := range []string{"UserName", "UserNameOverTransport", "MutualCertificate10SignEncrypt",
		"MutualCertificate10SignEncryptRsa15TripleDes", "A", "A-NoTimestamp", "AD", "UXD-SEES", "XD", "XD-ES", "XD-SEES",
		"UX", "UX-NoTimestamp", "UXD", "UX-SEES", "A-ES", "AD-ES", "X", "X-NoTimestamp", "X-AES256", "X-AES128", "X-TripleDES"} {
		compared[s] = true
	}
	for _, sc := range WSSecScenarios() {
		assert.True(t, compared[sc.Name], "%s: no test compares its policy with the plugfest's", sc.Case())
	}
	assert.Len(t, compared, len(WSSecScenarios()))
}

// TestPlugfestMessagePolicies checks the message policies of the plain
// WS-Security scenarios against CXF's plugfest files (WsSecurity10_policy.wsdl
// and WsSecurity11_policy.wsdl, commit 33a1200c605213e3533d6aa3936fed32d0e7b0b2):
// there every wssec11 echo input and output signs the Body and the seven
// WS-Addressing 2004/08 headers and encrypts the Body; the wssec10
// MutualCertificate10 scenarios sign and encrypt the Body; UserName and
// UserNameOverTransport have no message policy. Every operation of ours
// carries the same.
func TestPlugfestMessagePolicies(t *testing.T) {
	body := []string{"sp:EncryptedParts/sp:Body", "sp:SignedParts/sp:Body"}
	wssec11 := slices.Clone(body)
	for _, h := range []string{"To", "From", "FaultTo", "ReplyTo", "MessageID", "RelatesTo", "Action"} {
		wssec11 = append(wssec11, "sp:SignedParts/sp:Header[Name="+h+",Namespace=wsa200408]")
	}
	for _, sc := range WSSecScenarios() {
		t.Run(sc.Case().String(), func(t *testing.T) {
			file := filepath.Join("cxf", "src", "main", "resources", "wsdl", sc.Version+".wsdl")
			doc := etree.NewDocument()
			require.NoError(t, doc.ReadFromFile(file))
			refs := operationPolicyRefs(t, doc, sc.Name+"_binding")
			require.NotEmpty(t, refs)
			var want []string
			switch {
			case sc.Version == VersionWSSec11:
				want = wssec11
			case strings.HasPrefix(sc.Name, "MutualCertificate10"):
				want = body
			}
			for key, id := range refs {
				if want == nil {
					assert.Empty(t, id, "%s: the plugfest has no message policy", key)
					continue
				}
				require.NotEmpty(t, id, "%s: the plugfest has a message policy", key)
				assertSamePaths(t, sc.Name+" "+key+" message policy", want, policyPathsNS(policyByID(t, file, id)))
			}
		})
	}
}
