// Package interop runs soapstack against independent SOAP stacks: a
// scenario catalogue, the IPingService contract both sides host, peer
// harnesses (Apache CXF, built from Maven Central by interop/cxf/peer) and
// a report with one row per scenario, direction and version.
package interop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/soap"
)

// Direction says who is the client in a case.
type Direction string

// Directions of an interop case.
const (
	GoToPeer Direction = "go-to-peer"
	PeerToGo Direction = "peer-to-go"
)

// Result is one row of the interop report. The JSON field names are a
// stable contract (soapstack interop --json).
type Result struct {
	Scenario  string    `json:"scenario"`
	Direction Direction `json:"direction"`
	Version   string    `json:"version"`
	Pass      bool      `json:"pass"`
	Reason    string    `json:"reason"`
	// Peer is the independent stack (PeerCXF, PeerMetro); Mode its
	// configuration (ModeDOM or ModeStreaming for CXF, ModeDefault for
	// Metro).
	Peer string `json:"peer"`
	Mode string `json:"mode"`
	// Limit, on a failing row, names a documented limit of the peer that
	// explains the failure (interop/metro/README.md); empty otherwise.
	Limit string `json:"limit,omitempty"`
	// Warnings are protocol errors the peer logged without failing the
	// call; a case with warnings does not pass.
	Warnings []string `json:"warnings,omitempty"`
}

// Case is one scenario at one version.
type Case struct {
	Scenario string
	Version  string
}

// String returns "Scenario@version", the form the peer runners take.
func (c Case) String() string { return c.Scenario + "@" + c.Version }

// Foundation scenario names.
const (
	ScenarioEcho      = "Echo"
	ScenarioFault     = "Fault"
	ScenarioLargeEcho = "LargeEcho"
	ScenarioOneWay    = "OneWay"
)

// TransportVersion is a SOAP × WS-Addressing combination of the
// foundation scenarios.
type TransportVersion struct {
	Name       string
	SOAP       soap.Version
	Addressing soap.AddressingVersion
}

// Path returns the endpoint path of the version on a peer.
func (v TransportVersion) Path() string {
	if v.SOAP == soap.V11 {
		return "/soap11"
	}
	return "/soap12"
}

// TransportVersions lists the foundation versions.
func TransportVersions() []TransportVersion {
	return []TransportVersion{
		{"soap11-wsa200408", soap.V11, soap.WSA200408},
		{"soap11-wsa10", soap.V11, soap.WSA10},
		{"soap12-wsa200408", soap.V12, soap.WSA200408},
		{"soap12-wsa10", soap.V12, soap.WSA10},
	}
}

func transportVersion(name string) (TransportVersion, bool) {
	for _, v := range TransportVersions() {
		if v.Name == name {
			return v, true
		}
	}
	return TransportVersion{}, false
}

// FoundationCases lists every foundation scenario at every version.
func FoundationCases() []Case {
	var out []Case
	for _, s := range []string{ScenarioEcho, ScenarioFault, ScenarioLargeEcho, ScenarioOneWay} {
		for _, v := range TransportVersions() {
			out = append(out, Case{Scenario: s, Version: v.Name})
		}
	}
	return out
}

// Filter keeps the cases whose "Scenario@version" matches pattern (a
// path.Match glob, or a plain substring when it has no glob characters).
func Filter(cases []Case, pattern string) []Case {
	if pattern == "" {
		return cases
	}
	var out []Case
	for _, c := range cases {
		s := c.String()
		matched := false
		if strings.ContainsAny(pattern, "*?[") {
			matched, _ = path.Match(pattern, s)
			if !matched {
				matched, _ = path.Match(pattern, c.Scenario)
			}
		} else {
			matched = strings.Contains(s, pattern)
		}
		if matched {
			out = append(out, c)
		}
	}
	return out
}

// LargeText returns n bytes of printable text for the large-body case.
func LargeText(n int) string {
	var b strings.Builder
	b.Grow(n)
	line := "soapstack large body 0123456789 abcdefghijklmnopqrstuvwxyz <&> ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
	for b.Len() < n {
		b.WriteString(line)
	}
	return b.String()[:n]
}

// RunGoClientCase runs one foundation case with the Go client against the
// peer at base (e.g. "http://127.0.0.1:9000"): binding.NewClient of the
// version's binding (no security).
func RunGoClientCase(ctx context.Context, base string, c Case, opts ...binding.ClientOption) Result {
	r := Result{Scenario: c.Scenario, Direction: GoToPeer, Version: c.Version}
	tv, ok := transportVersion(c.Version)
	if !ok {
		r.Reason = "unknown version " + c.Version
		return r
	}
	client, err := binding.NewClient(base+tv.Path(), foundationBinding(tv), binding.Credentials{}, opts...)
	if err != nil {
		r.Reason = err.Error()
		return r
	}
	if err := runPingCase(ctx, pingClient(client), c.Scenario); err != nil {
		r.Reason = err.Error()
		return r
	}
	r.Pass = true
	return r
}

func runPingCase(ctx context.Context, cli *PingClient, scenario string) error {
	nonce := make([]byte, 6)
	_, _ = rand.Read(nonce)
	tag := hex.EncodeToString(nonce)
	switch scenario {
	case ScenarioEcho:
		text := "hello from soapstack " + tag + " <&>"
		got, err := cli.Echo(ctx, text)
		if err != nil {
			return err
		}
		if got != text {
			return fmt.Errorf("echo returned %q, want %q", got, text)
		}
	case ScenarioLargeEcho:
		text := LargeText(1 << 20)
		got, err := cli.Echo(ctx, text)
		if err != nil {
			return err
		}
		if got != text {
			return fmt.Errorf("large echo returned %d bytes that differ from the %d sent", len(got), len(text))
		}
	case ScenarioFault:
		return cli.Fail(ctx, "declared fault "+tag)
	case ScenarioOneWay:
		text := "notification " + tag
		if err := cli.Notify(ctx, text); err != nil {
			return err
		}
		got, err := cli.Echo(ctx, LastNotify)
		if err != nil {
			return err
		}
		if got != text {
			return fmt.Errorf("after notify, last-notify returned %q, want %q", got, text)
		}
	default:
		return fmt.Errorf("unknown scenario %q", scenario)
	}
	return nil
}
