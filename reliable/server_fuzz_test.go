package reliable

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/soapstack/soapstack/soap"
)

var fuzzActions = []string{
	testEcho, testPing,
	V200502.CreateSequenceAction(), V200502.TerminateSequenceAction(), V200502.LastMessageAction(), V200502.AckRequestedAction(), V200502.SequenceAcknowledgementAction(),
	V11.CreateSequenceAction(), V11.CloseSequenceAction(), V11.TerminateSequenceAction(), V11.AckRequestedAction(), V11.SequenceAcknowledgementAction(),
}

const fuzzEnvelope = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" ` +
	`xmlns:r="http://schemas.xmlsoap.org/ws/2005/02/rm" xmlns:q="http://docs.oasis-open.org/ws-rx/wsrm/200702" ` +
	`xmlns:n="http://schemas.microsoft.com/ws/2006/05/rm" xmlns:t="urn:t"><s:Header><a:Action>ACTION</a:Action>` +
	`<a:MessageID>urn:uuid:11111111-2222-4333-8444-555555555555</a:MessageID><a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>` +
	`HEADERS</s:Header><s:Body>BODY</s:Body></s:Envelope>`

// FuzzServer feeds arbitrary RM headers and bodies, under every action the
// layer knows, to a layer holding one open sequence of each version. It
// must never panic and always answer with a reply or a fault (or, for an
// acknowledgement alone and WS-RM 1.0's one-way TerminateSequence, with
// nothing).
func FuzzServer(f *testing.F) {
	seeds := []struct {
		action    int
		hdr, body string
	}{
		{0, `<r:Sequence s:mustUnderstand="1"><r:Identifier>ID10</r:Identifier><r:MessageNumber>1</r:MessageNumber></r:Sequence><r:AckRequested><r:Identifier>ID10</r:Identifier></r:AckRequested>`, `<t:echo>a</t:echo>`},
		{0, `<q:Sequence><q:Identifier>ID11</q:Identifier><q:MessageNumber>2</q:MessageNumber></q:Sequence><q:SequenceAcknowledgement><q:Identifier>urn:uuid:offer-11</q:Identifier><q:AcknowledgementRange Lower="1" Upper="9"/></q:SequenceAcknowledgement>`, `<t:echo>b</t:echo>`},
		{1, `<q:Sequence><q:Identifier>ID11</q:Identifier><q:MessageNumber>9223372036854775808</q:MessageNumber></q:Sequence>`, `<t:ping>p</t:ping>`},
		{2, ``, `<r:CreateSequence><r:AcksTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></r:AcksTo><r:Offer><r:Identifier>urn:uuid:o</r:Identifier></r:Offer></r:CreateSequence>`},
		{3, `<r:SequenceAcknowledgement><r:Identifier>urn:uuid:offer-10</r:Identifier><r:AcknowledgementRange Lower="0" Upper="0"/></r:SequenceAcknowledgement>`, `<r:TerminateSequence><r:Identifier>ID10</r:Identifier></r:TerminateSequence>`},
		{4, `<r:Sequence><r:Identifier>ID10</r:Identifier><r:MessageNumber>1</r:MessageNumber><r:LastMessage/></r:Sequence>`, ``},
		{5, `<r:AckRequested><r:Identifier>ID10</r:Identifier><r:MessageNumber>4</r:MessageNumber></r:AckRequested>`, ``},
		{8, ``, `<q:CloseSequence><q:Identifier>ID11</q:Identifier><q:LastMsgNumber>3</q:LastMsgNumber></q:CloseSequence>`},
		{9, ``, `<q:TerminateSequence><q:Identifier>ID11</q:Identifier></q:TerminateSequence>`},
		{7, `<q:UsesSequenceSTR s:mustUnderstand="1"/>`, `<q:CreateSequence><q:AcksTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></q:AcksTo></q:CreateSequence>`},
		{11, `<q:SequenceAcknowledgement><q:Identifier>urn:uuid:offer-11</q:Identifier><q:None/><n:BufferRemaining>3</n:BufferRemaining></q:SequenceAcknowledgement>`, ``},
	}
	for _, s := range seeds {
		f.Add(uint8(s.action), s.hdr, s.body)
	}
	f.Fuzz(func(t *testing.T, action uint8, hdr, body string) {
		fx, ids := fuzzFixture(t)
		hdr = strings.ReplaceAll(strings.ReplaceAll(hdr, "ID10", ids[0]), "ID11", ids[1])
		body = strings.ReplaceAll(strings.ReplaceAll(body, "ID10", ids[0]), "ID11", ids[1])
		a := fuzzActions[int(action)%len(fuzzActions)]
		env := strings.NewReplacer("ACTION", a, "HEADERS", hdr, "BODY", body).Replace(fuzzEnvelope)
		m, err := soap.ParseMessage([]byte(env), soap.DefaultLimits())
		if err != nil {
			return
		}
		resp, err := fx.h.ServeSOAP(context.Background(), m)
		if err != nil {
			if _, ok := soap.AsFault(err); !ok {
				t.Fatalf("error that is not a fault: %v", err)
			}
			return
		}
		if resp == nil && a != V200502.SequenceAcknowledgementAction() && a != V11.SequenceAcknowledgementAction() && a != V200502.TerminateSequenceAction() {
			t.Fatalf("no answer to %s", a)
		}
	})
}

// fuzzFixture returns a layer with a request-reply sequence of each
// version open (offers urn:uuid:offer-10 and urn:uuid:offer-11).
func fuzzFixture(t testing.TB) (*fixture, [2]string) {
	fx := &fixture{now: time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)}
	layer, err := ServerLayer(ServerConfig{Rand: &countingRand{}, Now: fx.clock, DeliveryTimeout: time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := soap.NewServeMux()
	mux.HandleFunc(testEcho, func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		// Panics on an empty body: the layer must recover it.
		return soap.Reply(req, testEcho+"Response", textPayload("echoResponse", req.Payload().Text()))
	})
	mux.HandleFunc(testPing, func(ctx context.Context, req *soap.Message) (*soap.Message, error) { return nil, nil })
	fx.h = soap.ChainHandler(mux, layer)
	var ids [2]string
	for i, v := range []Version{V200502, V11} {
		b, _ := createSequenceMsg(v, "urn:uuid:offer-1"+string(rune('0'+i))).Bytes()
		m, err := soap.ParseMessage(b, soap.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := fx.h.ServeSOAP(context.Background(), m)
		if err != nil || resp.IsFault() {
			t.Fatalf("create: %v %v", err, faultCause(resp))
		}
		ids[i] = resp.Payload().ChildElements()[0].Text()
	}
	return fx, ids
}

// countingRand is a deterministic random source that never repeats.
type countingRand struct{ n byte }

func (r *countingRand) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}
