package otelsoap

import (
	"context"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/beevik/etree"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

const (
	nsTest     = "urn:soapstack:otelsoap:test"
	actionEcho = nsTest + "/echo"
	actionFail = nsTest + "/fail"
)

type env struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	inst   *Instrumentation
}

func newEnv(t *testing.T, maxActions int) *env {
	t.Helper()
	e := &env{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	inst, err := New(Config{TracerProvider: tp, MeterProvider: mp, MaxActions: maxActions})
	if err != nil {
		t.Fatal(err)
	}
	e.inst = inst
	return e
}

// sum returns the value of the Int64 sum metric name at the data point
// whose attributes include want (all of them).
func (e *env) sum(t *testing.T, name string, want ...attribute.KeyValue) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			s, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				t.Fatalf("%s is %T", name, m.Data)
			}
			for _, dp := range s.DataPoints {
				if hasAll(dp.Attributes, want) {
					total += dp.Value
				}
			}
		}
	}
	return total
}

// histCount returns the number of recordings of histogram name at the
// points whose attributes include want.
func (e *env) histCount(t *testing.T, name string, want ...attribute.KeyValue) uint64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == name {
				for _, dp := range h.DataPoints {
					if hasAll(dp.Attributes, want) {
						n += dp.Count
					}
				}
			}
		}
	}
	return n
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		v, ok := set.Value(kv.Key)
		if !ok || v != kv.Value {
			return false
		}
	}
	return true
}

func passwords() wssecurity.UsernameValidator {
	return &wssecurity.UsernameTokenVerifier{CheckPassword: func(_ context.Context, user, password string) error {
		if user == "alice" && password == "clarinet" {
			return nil
		}
		return wssecurity.ErrFailedAuthentication
	}}
}

func app() soap.Handler {
	mux := soap.NewServeMux()
	mux.HandleFunc(actionEcho, func(_ context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, actionEcho+"Response", req.Payload().Copy())
	})
	mux.HandleFunc(actionFail, func(context.Context, *soap.Message) (*soap.Message, error) {
		return nil, soap.SenderFault("no", soap.ElementName(etree.NewElement("x")))
	})
	return mux
}

func call(ctx context.Context, c *binding.Client, action string) error {
	el := etree.NewElement("t:echo")
	el.CreateAttr("xmlns:t", nsTest)
	req, err := c.NewRequest(action, el)
	if err != nil {
		return err
	}
	_, err = c.Call(ctx, req)
	return err
}

// TestInstrumentation: a wsHttpBinding session client and service share
// one Instrumentation; the spans and metrics say what happened.
func TestInstrumentation(t *testing.T) {
	e := newEnv(t, 0)
	service, err := binding.LoadPEM("../../interop/pki/service.pem", "../../interop/pki/service.key")
	if err != nil {
		t.Fatal(err)
	}
	b := binding.WSHttpBinding()
	b.Security.Message.ClientCredentialType = binding.CredentialUserName
	b.Security.Message.NegotiateServiceCredential = false
	h, err := binding.NewHandler(app(), b, binding.Credentials{ServiceCertificate: service, UserNameValidator: passwords()},
		binding.WithHooks(e.inst.Hooks()))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	public := &wssecurity.Certificate{Cert: service.Cert}
	c, err := binding.NewClient(srv.URL, b, binding.Credentials{ServiceCertificate: public, UserName: "alice", Password: "clarinet"},
		binding.WithHooks(e.inst.Hooks()))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := call(ctx, c, actionEcho); err != nil {
			t.Fatal(err)
		}
	}
	if err := call(ctx, c, actionFail); err == nil {
		t.Fatal("no fault")
	}
	if got := e.sum(t, "soap.sessions.live", keySide.String("client")); got != 1 {
		t.Fatalf("live client sessions %d, want 1", got)
	}
	if got := e.sum(t, "soap.sessions.live", keySide.String("service")); got != 1 {
		t.Fatalf("live service sessions %d, want 1", got)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	bad, err := binding.NewClient(srv.URL, b, binding.Credentials{ServiceCertificate: public, UserName: "alice", Password: "oboe"})
	if err != nil {
		t.Fatal(err)
	}
	if err := call(ctx, bad, actionEcho); err == nil {
		t.Fatal("no fault for a wrong password")
	}

	checks := []struct {
		name string
		got  int64
		want int64
	}{
		{"client ok", e.sum(t, "soap.requests", keySide.String("client"), keyAction.String(actionEcho), keyOutcome.String("ok")), 2},
		{"service ok", e.sum(t, "soap.requests", keySide.String("service"), keyAction.String(actionEcho), keyOutcome.String("ok")), 2},
		{"client fault", e.sum(t, "soap.requests", keySide.String("client"), keyAction.String(actionFail), keyOutcome.String("fault")), 1},
		{"service rejected", e.sum(t, "soap.requests", keySide.String("service"), keyOutcome.String("rejected")), 1},
		{"faults by subcode", e.sum(t, "soap.faults", keySide.String("service"), keySubcode.String("InvalidSecurity")), 1},
		{"rejected by subcode and cause", e.sum(t, "soap.rejected", keySubcode.String("InvalidSecurity"), keyCause.String("FailedAuthentication")), 1},
		{"client sessions issued", e.sum(t, "soap.session.events", keySide.String("client"), keySession.String("issued")), 1},
		{"service sessions cancelled", e.sum(t, "soap.session.events", keySide.String("service"), keySession.String("cancelled")), 1},
		{"live client sessions after Close", e.sum(t, "soap.sessions.live", keySide.String("client")), 0},
		{"live service sessions after Close", e.sum(t, "soap.sessions.live", keySide.String("service")), 0},
		{"client handshakes", int64(e.histCount(t, "soap.session.handshake.duration", keySide.String("client"))), 2},
		{"service issue handshakes", int64(e.histCount(t, "soap.session.handshake.duration", keySide.String("service"), keySession.String("issued"))), 1},
		{"client call durations", int64(e.histCount(t, "soap.call.duration", keySide.String("client"))), 3},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}

	// One span per call on each side; the failed call's spans say so.
	var client, server, failed int
	for _, s := range e.spans.Ended() {
		switch s.SpanKind() {
		case trace.SpanKindClient:
			client++
		case trace.SpanKindServer:
			server++
		}
		if s.Name() == "soap.call "+actionFail {
			failed++
			if s.Status().Code != codes.Error {
				t.Errorf("span %s status %v, want Error", s.Name(), s.Status())
			}
		}
	}
	if client != 3 || server != 3 || failed != 2 {
		t.Errorf("spans: %d client, %d server, %d for the fault; want 3, 3, 2", client, server, failed)
	}
}

// TestMaxActions: past MaxActions distinct actions the metrics record
// "_other"; the spans keep the action.
func TestMaxActions(t *testing.T) {
	e := newEnv(t, 1)
	b := binding.BasicHttpBinding()
	mux := soap.NewServeMux(soap.WithFallback(soap.HandlerFunc(func(_ context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, "urn:r", nil)
	})))
	h, err := binding.NewHandler(mux, b, binding.Credentials{}, binding.WithHooks(e.inst.Hooks()))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := binding.NewClient(srv.URL, b, binding.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"urn:a", "urn:b", "urn:c", "urn:a"} {
		if err := call(context.Background(), c, a); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.sum(t, "soap.requests", keyAction.String("urn:a")); got != 2 {
		t.Errorf("urn:a: %d, want 2", got)
	}
	if got := e.sum(t, "soap.requests", keyAction.String(otherAction)); got != 2 {
		t.Errorf("_other: %d, want 2", got)
	}
	names := map[string]bool{}
	for _, s := range e.spans.Ended() {
		names[s.Name()] = true
	}
	if !names["soap.call urn:c"] {
		t.Errorf("spans %v: want the action in the span name", names)
	}
	if _, err := New(Config{MaxActions: -1}); err == nil {
		t.Error("negative MaxActions accepted")
	}
}
