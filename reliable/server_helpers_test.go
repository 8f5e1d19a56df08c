package reliable

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/require"
)

const (
	testEcho = "urn:t:echo"
	testPing = "urn:t:ping"
	testTo   = "http://example.test/rm"
)

// fixture is a server layer in front of a ServeMux with an echo
// (request-reply) and a ping (one-way) operation, on a fake clock.
type fixture struct {
	t     *testing.T
	h     soap.Handler
	store *MemoryStore
	mu    sync.Mutex
	now   time.Time
	calls []string // payload texts in the order the operations ran
}

func newFixture(t *testing.T, cfg ServerConfig) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)}
	if cfg.Store == nil {
		f.store = NewMemoryStore(WithMaxPending(cfg.MaxPendingChannels))
		cfg.Store = f.store
		cfg.MaxPendingChannels = 0
	}
	if cfg.DeliveryTimeout == 0 {
		cfg.DeliveryTimeout = 50 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = f.clock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	layer, err := ServerLayer(cfg)
	require.NoError(t, err)
	mux := soap.NewServeMux()
	mux.HandleFunc(testEcho, func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		txt := f.record(req)
		p := etree.NewElement("t:echoResponse")
		p.CreateAttr("xmlns:t", "urn:t")
		p.SetText("echo:" + txt)
		return soap.Reply(req, testEcho+"Response", p)
	})
	mux.HandleFunc(testPing, func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		f.record(req)
		return nil, nil
	})
	f.h = soap.ChainHandler(mux, layer)
	return f
}

func (f *fixture) record(req *soap.Message) string {
	txt := req.Payload().Text()
	f.mu.Lock()
	f.calls = append(f.calls, txt)
	f.mu.Unlock()
	return txt
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fixture) ran() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// call sends m (serialized and parsed again, as from the wire) under ctx.
func (f *fixture) call(ctx context.Context, m *soap.Message) *soap.Message {
	f.t.Helper()
	resp, err := f.h.ServeSOAP(ctx, onWire(f.t, m))
	require.NoError(f.t, err, "the layer answers with messages")
	return resp
}

// onWire returns m as the receiver parses it.
func onWire(t testing.TB, m *soap.Message) *soap.Message {
	b, err := m.Bytes()
	require.NoError(t, err)
	p, err := soap.ParseMessage(b, soap.DefaultLimits())
	require.NoError(t, err)
	return p
}

// request builds a request of action with an optional payload text.
func request(sv soap.Version, av soap.AddressingVersion, action string, payload *etree.Element) *soap.Message {
	m := soap.NewMessageWithBody(sv, payload)
	a, _ := soap.RequestAddressing(av, action, testTo, nil)
	m.SetAddressing(a)
	return m
}

func textPayload(local, text string) *etree.Element {
	p := etree.NewElement("t:" + local)
	p.CreateAttr("xmlns:t", "urn:t")
	p.SetText(text)
	return p
}

func offerID(i int) string {
	return "urn:uuid:00000000-0000-4000-8000-00000000000" + string(rune('0'+i%10))
}

// createSeq creates a sequence (with an offer when offer != "") and
// returns its identifier.
func (f *fixture) createSeq(ctx context.Context, v Version, offer string) string {
	f.t.Helper()
	resp := f.call(ctx, createSequenceMsg(v, offer))
	require.False(f.t, resp.IsFault(), "CreateSequence refused: %v", faultCause(resp))
	csr, err := wire.ParseCreateSequenceResponse(resp.Payload())
	require.NoError(f.t, err)
	require.True(f.t, strings.HasPrefix(csr.Identifier, "urn:uuid:"))
	return csr.Identifier
}

func createSequenceMsg(v Version, offer string) *soap.Message {
	anon := wire.EndpointReference{Addressing: soap.WSA10, Address: soap.AnonymousWSA10}
	cs := &wire.CreateSequence{Version: v, AcksTo: anon}
	if offer != "" {
		cs.Offer = &wire.Offer{Identifier: offer}
		if v == V11 {
			cs.Offer.Endpoint = &anon
		}
	}
	return request(soap.V12, soap.WSA10, v.CreateSequenceAction(), cs.Build())
}

// seqMsg builds message n of sequence id with action and text, with an
// AckRequested as WCF and Metro send.
func seqMsg(v Version, id string, n uint64, action, text string) *soap.Message {
	m := request(soap.V12, soap.WSA10, action, textPayload(strings.TrimPrefix(action, "urn:t:"), text))
	sh := (&wire.Sequence{Version: v, Identifier: id, MessageNumber: n}).Build()
	m.AddHeader(sh)
	m.SetMustUnderstand(sh)
	m.AddHeader((&wire.AckRequested{Version: v, Identifier: id}).Build())
	return m
}

// withReplyAck adds the client's acknowledgement of the reply sequence.
func withReplyAck(m *soap.Message, v Version, id string, ranges ...wire.Range) *soap.Message {
	m.AddHeader((&wire.SequenceAcknowledgement{Version: v, Identifier: id, Ranges: ranges}).Build())
	return m
}

func controlMsg(v Version, kind wire.ControlKind, id string, last uint64) *soap.Message {
	sc := &wire.SequenceControl{Version: v, Kind: kind, Identifier: id, LastMsgNumber: last}
	return request(soap.V12, soap.WSA10, sc.Action(), sc.Build())
}

// ackOf returns the acknowledgement of sequence id in m.
func ackOf(t testing.TB, m *soap.Message, v Version, id string) *wire.SequenceAcknowledgement {
	t.Helper()
	for _, h := range m.FindHeaders(v.Namespace(), "SequenceAcknowledgement") {
		a, err := wire.ParseSequenceAcknowledgement(h)
		require.NoError(t, err)
		if a.Identifier == id {
			return a
		}
	}
	t.Fatalf("no acknowledgement of %s", id)
	return nil
}

func seqOf(t testing.TB, m *soap.Message, v Version) *wire.Sequence {
	t.Helper()
	h := m.FindHeader(v.Namespace(), "Sequence")
	require.NotNil(t, h, "no Sequence header")
	sq, err := wire.ParseSequence(h)
	require.NoError(t, err)
	return sq
}

// requireFault checks that m is the RM fault kind of v (its subcode), and
// that its recorded cause is cause.
func requireFault(t testing.TB, m *soap.Message, v Version, subcode string, cause error) {
	t.Helper()
	require.NotNil(t, m)
	require.True(t, m.IsFault(), "want a fault, got %s", m.Addressing.Action)
	f, err := m.Fault()
	require.NoError(t, err)
	found := false
	for _, s := range f.Subcodes {
		if s.Local == subcode {
			found = true
		}
	}
	require.True(t, found, "subcodes %v, want %s", f.Subcodes, subcode)
	if cause != nil {
		require.True(t, errors.Is(faultCause(m), cause), "cause %v, want %v", faultCause(m), cause)
	}
}

// principalCtx returns a context with a principal named name in secure
// session session ("" for none).
func principalCtx(name, session string) context.Context {
	p := &soap.Principal{Identities: []soap.Identity{soap.UsernameIdentity(name)}}
	if session != "" {
		p.Session = &soap.SessionInfo{ContextID: session, Version: "1.3"}
	}
	return soap.NewContextWithPrincipal(context.Background(), p)
}
