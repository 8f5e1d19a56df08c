package otelsoap_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"

	"github.com/beevik/etree"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/binding/otelsoap"
	"github.com/soapstack/soapstack/soap"
)

// A service whose metrics Prometheus scrapes: the OpenTelemetry Prometheus
// exporter registers them in a registry of its own (no global state), and
// promhttp serves that registry on /metrics next to the SOAP endpoint.
func Example_prometheus() {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		log.Fatal(err)
	}
	inst, err := otelsoap.New(otelsoap.Config{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))})
	if err != nil {
		log.Fatal(err)
	}

	mux := soap.NewServeMux()
	mux.HandleFunc("urn:example:ping", func(_ context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:example:pingResponse", nil)
	})
	b := binding.WSHttpBinding()
	b.Security.Mode = binding.ModeNone
	h, err := binding.NewHandler(mux, b, binding.Credentials{}, binding.WithHooks(inst.Hooks()))
	if err != nil {
		log.Fatal(err)
	}
	routes := http.NewServeMux()
	routes.Handle("/soap", h)
	routes.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(routes)
	defer srv.Close()

	c, err := binding.NewClient(srv.URL+"/soap", b, binding.Credentials{})
	if err != nil {
		log.Fatal(err)
	}
	for _, action := range []string{"urn:example:ping", "urn:example:ping", "urn:example:unknown"} {
		req, err := c.NewRequest(action, etree.NewElement("ping"))
		if err != nil {
			log.Fatal(err)
		}
		_, _ = c.Call(context.Background(), req)
	}

	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "soap_requests_total{") || strings.HasPrefix(l, "soap_faults_total{") {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// soap_faults_total{soap_binding="wsHttpBinding",soap_fault_code="Sender",soap_fault_subcode="ActionNotSupported",soap_fault_subcode_ns="http://www.w3.org/2005/08/addressing",soap_side="service"} 1
	// soap_requests_total{soap_action="urn:example:ping",soap_binding="wsHttpBinding",soap_outcome="ok",soap_side="service"} 2
	// soap_requests_total{soap_action="urn:example:unknown",soap_binding="wsHttpBinding",soap_outcome="fault",soap_side="service"} 1
}
