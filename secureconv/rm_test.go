package secureconv

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// strShape describes a SecurityTokenReference: its children's names and
// the names of their unqualified attributes.
func strShape(str *etree.Element) []string {
	var out []string
	for _, c := range str.ChildElements() {
		n := xmlutil.ElementName(c)
		out = append(out, n.Space+" "+n.Local)
		var attrs []string
		for _, a := range c.Attr {
			if a.Space == "" && a.Key != "xmlns" {
				attrs = append(attrs, a.Key)
			}
		}
		sort.Strings(attrs)
		out = append(out, attrs...)
	}
	return out
}

// TestSessionTokenReference: the reference CreateSequence carries names the
// current session's context identifier, resolves as a reference to it, and
// has the shape of the one Metro's client sends (rm11sc-clear capture).
func TestSessionTokenReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/metro-rm/rm11sc-clear-03-createsequence.xml")
	if err != nil {
		t.Fatal(err)
	}
	metro, err := soap.ParseMessage(raw[bytes.Index(raw, []byte("<?xml")):], soap.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	metroSTR := metro.Payload().SelectElement("ns4:SecurityTokenReference")
	if metroSTR == nil {
		t.Fatal("no STR in Metro's CreateSequence")
	}
	mref, err := wstrust.ParseSCTReference(metroSTR)
	if err != nil {
		t.Fatalf("Metro's STR: %v", err)
	}

	e := newAttackEnv(t, nil)
	c := e.client(e.wire(e.srv, nil), wssecurity.Config{})
	if _, err := c.SessionTokenReference(); !errors.Is(err, ErrNoSession) {
		t.Fatalf("before Open: %v", err)
	}
	if err := c.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	str, err := c.SessionTokenReference()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := wstrust.ParseSCTReference(str)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Identifier != c.Session() || ref.LocalID != "" {
		t.Errorf("reference to %q (local %q), session %q", ref.Identifier, ref.LocalID, c.Session())
	}
	if got, want := strShape(str), strShape(metroSTR); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("shape %q, Metro's %q", got, want)
	}
	if ref.Version != e.v.wire() || mref.Version != V13.wire() || mref.Identifier == "" {
		t.Errorf("reference version %v (Metro's, WS-SC 1.3: %v %q)", ref.Version, mref.Version, mref.Identifier)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SessionTokenReference(); !errors.Is(err, ErrNoSession) {
		t.Errorf("after Close: %v", err)
	}
}
