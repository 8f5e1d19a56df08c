package interop

import (
	"context"
	"net/http"
	"testing"

	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
)

// BenchmarkHandshake measures establishing a session (RST/RSTR under the
// bootstrap policy, both sides in this process over loopback HTTP) per
// bootstrap family. The C scenarios issue cookies; _X10 keeps sessions in
// the service's cache, whose pending-session limit (128, as WCF) would stop
// the loop, so its iterations also cancel (one more exchange).
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
				c, err := secureconv.NewClient(soap.NewHTTPClient(url, soap.WithHTTPClient(hc)), secureconv.ClientConfig{
					Version: sc.SC, Bootstrap: sc.Bootstrap, Policy: sc.Policy, Security: pki.ClientConfig(), Addressing: sc.Addressing, To: url,
					Cancel: !sc.Cookie, CancelWithBootstrap: !sc.Cookie})
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Open(context.Background()); err != nil {
					b.Fatal(err)
				}
				if !sc.Cookie {
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
	c, err := secureconv.NewClient(soap.NewHTTPClient(url), secureconv.ClientConfig{
		Version: sc.SC, Bootstrap: sc.Bootstrap, Policy: sc.Policy, Security: pki.ClientConfig(), Addressing: sc.Addressing, To: url})
	if err != nil {
		b.Fatal(err)
	}
	cli := &PingClient{Invoker: c, Version: soap.V12, Addressing: sc.Addressing, To: url}
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
