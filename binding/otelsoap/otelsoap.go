package otelsoap

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/soapstack/soapstack/binding"
	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/soapstack/soapstack/binding/otelsoap"

// DefaultMaxActions is the default of Config.MaxActions.
const DefaultMaxActions = 100

// otherAction stands for the actions past Config.MaxActions.
const otherAction = "_other"

// Attribute keys.
const (
	keySide       = attribute.Key("soap.side")
	keyBinding    = attribute.Key("soap.binding")
	keyAction     = attribute.Key("soap.action")
	keyOutcome    = attribute.Key("soap.outcome")
	keyCode       = attribute.Key("soap.fault.code")
	keySubcode    = attribute.Key("soap.fault.subcode")
	keySubcodeNS  = attribute.Key("soap.fault.subcode_ns")
	keySession    = attribute.Key("soap.session.event")
	keyReliableEv = attribute.Key("soap.reliable.event")
	keyCause      = attribute.Key("soap.rejected.cause")
)

// Config configures New.
type Config struct {
	// TracerProvider and MeterProvider receive the spans and metrics
	// (OpenTelemetry's global providers, otel.GetTracerProvider and
	// otel.GetMeterProvider, when nil).
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// MaxActions bounds the distinct soap.action values of the metrics
	// (DefaultMaxActions when 0); later actions are recorded as
	// "_other".
	MaxActions int
	// Now is the clock that times calls (time.Now when nil).
	Now func() time.Time
}

// Instrumentation records the events of clients and services to
// OpenTelemetry. It is safe for concurrent use.
type Instrumentation struct {
	tracer trace.Tracer

	requests   metric.Int64Counter
	duration   metric.Float64Histogram
	faults     metric.Int64Counter
	rejected   metric.Int64Counter
	live       metric.Int64UpDownCounter
	sessions   metric.Int64Counter
	handshakes metric.Float64Histogram
	rmEvents   metric.Int64Counter

	now        func() time.Time
	maxActions int
	mu         sync.Mutex
	actions    map[string]bool
}

// New returns an Instrumentation recording to cfg's providers.
func New(cfg Config) (*Instrumentation, error) {
	tp, mp := cfg.TracerProvider, cfg.MeterProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if cfg.MaxActions < 0 {
		return nil, errors.New("otelsoap: Config.MaxActions may not be negative")
	}
	i := &Instrumentation{tracer: tp.Tracer(ScopeName), now: cfg.Now, maxActions: cfg.MaxActions, actions: map[string]bool{}}
	if i.now == nil {
		i.now = time.Now
	}
	if i.maxActions == 0 {
		i.maxActions = DefaultMaxActions
	}
	m := mp.Meter(ScopeName)
	var err error
	if i.requests, err = m.Int64Counter("soap.requests", metric.WithUnit("{request}"),
		metric.WithDescription("SOAP application calls of clients and requests of services, by outcome")); err != nil {
		return nil, err
	}
	if i.duration, err = m.Float64Histogram("soap.call.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of SOAP application calls")); err != nil {
		return nil, err
	}
	if i.faults, err = m.Int64Counter("soap.faults", metric.WithUnit("{fault}"),
		metric.WithDescription("SOAP faults received by clients and sent by services, by code and subcode")); err != nil {
		return nil, err
	}
	if i.rejected, err = m.Int64Counter("soap.rejected", metric.WithUnit("{request}"),
		metric.WithDescription("Requests a service refused before its application ran, by fault subcode")); err != nil {
		return nil, err
	}
	if i.live, err = m.Int64UpDownCounter("soap.sessions.live", metric.WithUnit("{session}"),
		metric.WithDescription("Secure sessions issued and not yet cancelled or expired")); err != nil {
		return nil, err
	}
	if i.sessions, err = m.Int64Counter("soap.session.events", metric.WithUnit("{event}"),
		metric.WithDescription("Secure session events")); err != nil {
		return nil, err
	}
	if i.handshakes, err = m.Float64Histogram("soap.session.handshake.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of secure session handshakes (Issue, Renew, Cancel)")); err != nil {
		return nil, err
	}
	if i.rmEvents, err = m.Int64Counter("soap.reliable.events", metric.WithUnit("{event}"),
		metric.WithDescription("Reliable session events")); err != nil {
		return nil, err
	}
	return i, nil
}

// Hooks returns the hooks to give binding.NewClient and binding.NewHandler
// (binding.WithHooks).
func (i *Instrumentation) Hooks() binding.Hooks {
	return binding.Hooks{Call: i.call, Rejected: i.reject, Session: i.session, Reliable: i.reliable}
}

// metricAction returns the action as the metrics record it.
func (i *Instrumentation) metricAction(action string) string {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.actions[action] {
		return action
	}
	if len(i.actions) >= i.maxActions {
		return otherAction
	}
	i.actions[action] = true
	return action
}

func (i *Instrumentation) call(ctx context.Context, info binding.CallInfo) (context.Context, func(error)) {
	kind := trace.SpanKindServer
	if info.Side == binding.SideClient {
		kind = trace.SpanKindClient
	}
	name := "soap.call"
	if info.Action != "" {
		name += " " + info.Action
	}
	ctx, span := i.tracer.Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(
		keyAction.String(info.Action), keyBinding.String(info.Binding)))
	start := i.now()
	return ctx, func(err error) {
		elapsed := i.now().Sub(start).Seconds()
		outcome := "ok"
		f, isFault := soap.AsFault(err)
		switch {
		case isFault:
			outcome = "fault"
			code, sub, subNS := faultAttrs(f)
			span.SetAttributes(keyCode.String(code), keySubcode.String(sub))
			desc := code
			if sub != "" {
				desc += "/" + sub
			}
			span.SetStatus(codes.Error, desc)
			i.faults.Add(ctx, 1, metric.WithAttributes(keySide.String(info.Side.String()), keyBinding.String(info.Binding),
				keyCode.String(code), keySubcode.String(sub), keySubcodeNS.String(subNS)))
		case err != nil:
			outcome = "error"
			span.SetStatus(codes.Error, "error")
		}
		span.SetAttributes(keyOutcome.String(outcome))
		span.End()
		attrs := metric.WithAttributes(keySide.String(info.Side.String()), keyBinding.String(info.Binding),
			keyAction.String(i.metricAction(info.Action)), keyOutcome.String(outcome))
		i.requests.Add(ctx, 1, attrs)
		i.duration.Record(ctx, elapsed, attrs)
	}
}

func (i *Instrumentation) reject(ctx context.Context, r binding.Rejection) {
	code, sub, subNS := faultAttrs(r.Fault)
	side := keySide.String(binding.SideService.String())
	i.requests.Add(ctx, 1, metric.WithAttributes(side, keyBinding.String(r.Binding),
		keyAction.String(""), keyOutcome.String("rejected")))
	i.faults.Add(ctx, 1, metric.WithAttributes(side, keyBinding.String(r.Binding),
		keyCode.String(code), keySubcode.String(sub), keySubcodeNS.String(subNS)))
	i.rejected.Add(ctx, 1, metric.WithAttributes(side, keyBinding.String(r.Binding), keySubcode.String(sub),
		keyCause.String(wssecurity.FaultSubcode(r.Fault.Cause))))
}

func (i *Instrumentation) session(e binding.SessionEvent) {
	ctx := context.Background()
	common := []attribute.KeyValue{keySide.String(e.Side.String()), keyBinding.String(e.Binding)}
	kind := e.Kind.String()
	i.sessions.Add(ctx, 1, metric.WithAttributes(append(common, keySession.String(kind))...))
	switch e.Kind {
	case secureconv.EventIssued:
		i.live.Add(ctx, 1, metric.WithAttributes(common...))
	case secureconv.EventCancelled, secureconv.EventExpired:
		i.live.Add(ctx, -1, metric.WithAttributes(common...))
	}
	if e.Kind != secureconv.EventExpired {
		i.handshakes.Record(ctx, e.Duration.Seconds(), metric.WithAttributes(append(common, keySession.String(kind))...))
	}
}

func (i *Instrumentation) reliable(e binding.ReliableEvent) {
	i.rmEvents.Add(context.Background(), 1, metric.WithAttributes(keySide.String(e.Side.String()),
		keyBinding.String(e.Binding), keyReliableEv.String(reliableKind(e.Kind))))
}

// reliableKind names a reliable event kind.
func reliableKind(k reliable.EventKind) string {
	switch k {
	case reliable.EventCreated:
		return "created"
	case reliable.EventSent:
		return "sent"
	case reliable.EventRetransmitted:
		return "retransmitted"
	case reliable.EventAcknowledged:
		return "acknowledged"
	case reliable.EventDelivered:
		return "delivered"
	case reliable.EventClosed:
		return "closed"
	case reliable.EventTerminated:
		return "terminated"
	case reliable.EventFaulted:
		return "faulted"
	}
	return "unknown"
}

// faultAttrs returns the fault's code and its innermost subcode's local
// name and namespace.
func faultAttrs(f *soap.Fault) (code, sub, subNS string) {
	if f == nil {
		return "", "", ""
	}
	s := f.Subcode()
	return f.Code.String(), s.Local, s.Space
}
