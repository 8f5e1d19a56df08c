package reliable

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// describeRM lists the RM headers of m, then its RM body, in the notation
// of the Metro probe's summary.txt with the identifiers replaced by their
// role: S for the request sequence, R for the reply sequence.
func describeRM(t *testing.T, m *soap.Message, roles map[string]string) []string {
	t.Helper()
	var out []string
	role := func(id string) string {
		if r, ok := roles[id]; ok {
			return r
		}
		return "?" + id
	}
	add := func(el *etree.Element) {
		v, ok := wire.VersionOf(el.NamespaceURI())
		if !ok {
			return
		}
		p := map[Version]string{V200502: "rm10", V11: "rm11"}[v]
		switch el.Tag {
		case "Sequence":
			s, err := wire.ParseSequence(el)
			if err != nil {
				t.Fatal(err)
			}
			last := ""
			if s.LastMessage {
				last = " LastMessage"
			}
			out = append(out, fmt.Sprintf("%s:Sequence(id=%s #%d%s)", p, role(s.Identifier), s.MessageNumber, last))
		case "AckRequested":
			a, err := wire.ParseAckRequested(el)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s:AckRequested(id=%s)", p, role(a.Identifier)))
		case "SequenceAcknowledgement":
			a, err := wire.ParseSequenceAcknowledgement(el)
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, r := range a.Ranges {
				parts = append(parts, fmt.Sprintf("[%d-%d]", r.Lower, r.Upper))
			}
			if len(parts) == 0 {
				parts = []string{"None"}
			}
			if a.Final {
				parts = append(parts, "Final")
			}
			out = append(out, fmt.Sprintf("%s:SequenceAcknowledgement(id=%s %s)", p, role(a.Identifier), strings.Join(parts, " ")))
		case "UsesSequenceSTR":
			out = append(out, p+":UsesSequenceSTR()")
		default:
			out = append(out, p+":"+el.Tag)
		}
	}
	for _, h := range m.Headers() {
		add(h)
	}
	if pl := m.Payload(); pl != nil {
		out = append(out, "B: "+pl.Tag)
	}
	return out
}

var summaryID = regexp.MustCompile(`id=([0-9a-f]{6})`)

// metroClientSummary reads the client half of summary.txt: per request,
// its RM headers and body in describeRM's notation.
func metroClientSummary(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	half, _, _ := strings.Cut(strings.TrimPrefix(string(b), "===== client\n"), "===== server")
	lines := strings.Split(half, "\n")
	roles := map[string]string{}
	var out [][]string
	for i, line := range lines {
		if !strings.Contains(line, " REQ ") || i+1 >= len(lines) {
			continue
		}
		h := strings.TrimPrefix(strings.TrimSpace(lines[i+1]), "H: ")
		hdrs, body, _ := strings.Cut(h, "  B:")
		var msg []string
		for _, e := range strings.Split(hdrs, " | ") {
			e = strings.TrimSpace(e)
			if !strings.HasPrefix(e, "rm10:") && !strings.HasPrefix(e, "rm11:") {
				continue
			}
			if m := summaryID.FindStringSubmatch(e); m != nil {
				if _, ok := roles[m[1]]; !ok {
					roles[m[1]] = map[bool]string{true: "S", false: "R"}[strings.Contains(e, ":Sequence(")]
				}
				e = strings.Replace(e, "id="+m[1], "id="+roles[m[1]], 1)
			}
			msg = append(msg, e)
		}
		if body = strings.TrimSpace(body); body != "" {
			msg = append(msg, "B: "+body)
		}
		out = append(out, msg)
	}
	return out
}

// TestClientMetroShapes runs the exchange of Metro's probe (echo a, echo
// b, ping, echo c, close) through the client against the Metro-shaped
// destination and compares the RM headers and body of every message the
// client sends with what Metro's client sent (summary.txt).
func TestClientMetroShapes(t *testing.T) {
	for _, v := range []Version{V200502, V11} {
		dir := map[Version]string{V200502: "rm10", V11: "rm11"}[v]
		t.Run(dir, func(t *testing.T) {
			b := newBench(t, v, ClientConfig{})
			ctx := testCtx(t)
			b.echo(ctx, "a")
			b.echo(ctx, "b")
			resp, err := b.client.Call(ctx, b.request("p", true))
			if err != nil || resp != nil {
				t.Fatalf("ping: %v, %v", resp, err)
			}
			b.echo(ctx, "c")
			if err := b.client.Close(ctx); err != nil {
				t.Fatalf("Close: %v", err)
			}
			reqs, delivered := b.dest.snapshot()
			if got := strings.Join(delivered, ","); got != "a,b,p,c" {
				t.Errorf("delivered %q", got)
			}
			roles := map[string]string{b.dest.seqID: "S", b.dest.offerID: "R"}
			want := metroClientSummary(t, filepath.Join("testdata", "metro-source", dir, "summary.txt"))
			if v == V200502 {
				// Metro's client leaves the reply sequence's LastMessage
				// (#4) out of its acknowledgement in TerminateSequence; the
				// client acknowledges every message it received.
				last := want[len(want)-1]
				for i, e := range last {
					last[i] = strings.Replace(e, "id=R [1-3]", "id=R [1-4]", 1)
				}
			}
			if len(reqs) != len(want) {
				t.Fatalf("%d requests, Metro sent %d", len(reqs), len(want))
			}
			for i, m := range reqs {
				got := describeRM(t, m, roles)
				if strings.Join(got, " | ") != strings.Join(want[i], " | ") {
					t.Errorf("request %d (%s):\n got %q\nwant %q", i+1, m.Addressing.Action, got, want[i])
				}
			}
			cs, err := wire.ParseCreateSequence(reqs[0].Payload())
			if err != nil {
				t.Fatal(err)
			}
			if cs.AcksTo.Address != soap.AnonymousWSA10 || cs.Offer == nil || cs.Offer.Identifier != b.dest.offerID {
				t.Errorf("CreateSequence: %+v", cs)
			}
			if v == V11 && (cs.Offer.Endpoint == nil || cs.Offer.Endpoint.Address != soap.AnonymousWSA10 || cs.Offer.IncompleteSequenceBehavior != wire.DiscardFollowingFirstGap) {
				t.Errorf("WS-RM 1.1 Offer as WCF writes it: %+v", cs.Offer)
			}
			for i, m := range reqs[1:] {
				if el := m.FindHeader(v.Namespace(), "Sequence"); el != nil {
					if mu, _ := m.MustUnderstand(el); !mu {
						t.Errorf("request %d: Sequence not mustUnderstand", i+2)
					}
				}
			}
			if !b.dest.terminated || (v == V11 && !b.dest.closed) {
				t.Errorf("closed %v, terminated %v", b.dest.closed, b.dest.terminated)
			}
			for _, k := range []EventKind{EventCreated, EventClosed, EventTerminated} {
				if b.waitCount(k, 1) != 1 {
					t.Errorf("%s events: %d", k, b.count(k))
				}
			}
			if n := b.waitCount(EventDelivered, 3); n != 3 {
				t.Errorf("%d delivered events, want 3", n)
			}
			if n := b.count(EventRetransmitted); n != 0 {
				t.Errorf("%d retransmissions on a perfect network", n)
			}
		})
	}
}
