// Package otelsoap reports what soapstack clients and services do to
// OpenTelemetry: one span per application call and metrics for requests,
// faults by subcode, rejected requests, live secure sessions, session
// handshake latency and reliable session events. It adapts binding.Hooks;
// it lives in its own package so that the core packages do not depend on
// OpenTelemetry.
//
// # Where to start
//
//	inst, err := otelsoap.New(otelsoap.Config{TracerProvider: tp, MeterProvider: mp})
//	h, err := binding.NewHandler(app, b, creds, binding.WithHooks(inst.Hooks()))
//	c, err := binding.NewClient(url, b, creds, binding.WithHooks(inst.Hooks()))
//
// One Instrumentation serves any number of clients and handlers; the side
// (client or service) and the binding's name are attributes of everything
// it records. Example_prometheus exposes the metrics to Prometheus through
// go.opentelemetry.io/otel/exporters/prometheus.
//
// # What is recorded
//
// Spans: "soap.call <action>" (kind client or server) with soap.action,
// soap.binding and, on a fault, soap.fault.code and soap.fault.subcode and
// an error status whose description is the fault's code and subcode (never
// its cause, which stays in the service's log).
//
// Metrics (all with soap.side and soap.binding):
//
//	soap.requests                    counter     soap.action, soap.outcome (ok, fault, error, rejected)
//	soap.call.duration               histogram   seconds; soap.action, soap.outcome
//	soap.faults                      counter     soap.fault.code, soap.fault.subcode, soap.fault.subcode_ns
//	soap.rejected                    counter     soap.fault.subcode, soap.rejected.cause: requests a service refused before its application ran
//	soap.sessions.live               up-down     secure sessions issued and not yet cancelled or expired
//	soap.session.events              counter     soap.session.event (issued, renewed, cancelled, expired)
//	soap.session.handshake.duration  histogram   seconds; soap.session.event (issued, renewed, cancelled)
//	soap.reliable.events             counter     soap.reliable.event (created, sent, retransmitted, ...)
//
// soap.rejected.cause is the WS-Security subcode of the defence that fired
// (wssecurity.FaultSubcode of the fault's cause: FailedAuthentication,
// FailedCheck, MessageExpired, ...), which the uniform wsse:InvalidSecurity
// fault on the wire does not tell; "" for other causes.
//
// Actions are attacker-chosen on a service (a request for an action the
// service does not serve still reaches its soap.ServeMux): the metrics keep
// at most Config.MaxActions distinct soap.action values and record the
// others as "_other", and rejected requests carry no action. On a service,
// soap.sessions.live counts an expired session only when a request finds
// it expired (see secureconv.EventExpired).
package otelsoap
