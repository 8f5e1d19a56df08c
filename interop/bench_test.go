package interop

import (
	"context"
	"net/http"
	"testing"

	"github.com/soapstack/soapstack/binding"
)

// BenchmarkHandshake measures establishing a session (RST/RSTR under the
// bootstrap policy, both sides in this process over loopback HTTP) per
// bootstrap family. The C scenarios issue cookies; _X10 keeps sessions in
// the service's cache, whose pending-session limit (128, as WCF) would stop
// the loop, so its iterations also cancel (one more exchange, the
// scenarios that cancel).
func BenchmarkHandshake(b *testing.B) {
	pki, err := LoadPKI("pki")
	if err != nil {
		b.Fatal(err)
	}
	gs, err := StartInteropServer(pki)
	if err != nil {
		b.Fatal(err)
	}
	defer gs.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for _, name := range []string{"AC", "ADC", "UXDC", "XDC", "_X10"} {
		sc, ok := scScenario(Case{Scenario: name, Version: VersionSC200502})
		if !ok {
			b.Fatal(name)
		}
		url := gs.URL + sc.Path()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, err := binding.NewClient(url, sc.Binding(), pki.ClientCredentials(), append(sc.clientOptions(PeerCXF), binding.WithHTTPClient(hc))...)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Open(context.Background()); err != nil {
					b.Fatal(err)
				}
				if sc.Cancel {
					if err := c.Close(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkSessionRoundTrip measures a secured echo (2 KiB) in an
// established XDC session: derived keys, sign and encrypt both ways.
func BenchmarkSessionRoundTrip(b *testing.B) {
	pki, err := LoadPKI("pki")
	if err != nil {
		b.Fatal(err)
	}
	gs, err := StartInteropServer(pki)
	if err != nil {
		b.Fatal(err)
	}
	defer gs.Close()
	sc, _ := scScenario(Case{Scenario: "XDC", Version: VersionSC200502})
	url := gs.URL + sc.Path()
	c, err := binding.NewClient(url, sc.Binding(), pki.ClientCredentials())
	if err != nil {
		b.Fatal(err)
	}
	cli := pingClient(c)
	text := LargeText(2 << 10)
	if _, err := cli.Echo(context.Background(), text); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := cli.Echo(context.Background(), text); err != nil {
			b.Fatal(err)
		}
	}
}
