package deliverylog

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/soapstack/soapstack/internal/testredis"
	"github.com/soapstack/soapstack/reliable"
)

func run(node string, n int64, re bool) Record {
	return Record{Kind: Run, Node: node, Number: n, Redelivery: re}
}

func done(node string, n int64) Record { return Record{Kind: Completed, Node: node, Number: n} }

// TestCheck asserts which finding each history gives.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		recs    []Record
		window  int
		problem string // a substring of the one problem expected, "" for none
	}{
		{"in order", []Record{run("a", 1, false), done("a", 1), run("b", 2, false), done("b", 2), done("c", 3)}, 0, ""},
		{"completions late", []Record{run("a", 1, false), run("b", 2, false), done("a", 1), done("b", 2)}, 0, ""},
		{"window", []Record{run("a", 1, false), done("a", 1), run("k", 2, false), run("b", 2, true), done("b", 2), run("a", 3, false)}, 1, ""},
		{"window twice", []Record{run("k", 1, false), run("k2", 1, true), run("b", 1, true), done("b", 1)}, 1, ""},
		{"claim taken over, no run seen", []Record{run("b", 1, true), done("b", 1)}, 0, ""},
		{"rerun on a live node", []Record{run("a", 1, false), run("b", 1, true)}, 1, "which did not die"},
		{"rerun not a redelivery", []Record{run("k", 1, false), run("b", 1, false)}, 1, "without being marked a redelivery"},
		{"rerun after completion", []Record{run("k", 1, false), done("k", 1), run("b", 1, true)}, 1, "then ran again"},
		{"completed twice", []Record{run("a", 1, false), done("a", 1), done("b", 1)}, 0, "completed twice"},
		{"gap", []Record{run("a", 1, false), run("a", 3, false)}, 0, "ran after message 1"},
		{"reordered", []Record{run("a", 2, false), run("a", 1, false)}, 0, "ran after message 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Check(map[string][]Record{"urn:s": tc.recs}, "k", "k2")
			if len(rep.Window) != tc.window {
				t.Errorf("window %v, want %d", rep.Window, tc.window)
			}
			switch {
			case tc.problem == "" && len(rep.Problems) != 0:
				t.Errorf("problems %v, want none", rep.Problems)
			case tc.problem != "" && (len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], tc.problem)):
				t.Errorf("problems %v, want one with %q", rep.Problems, tc.problem)
			}
		})
	}
}

// TestLog writes records through Handler and Event to a real
// redis-server and reads them back.
func TestLog(t *testing.T) {
	srv := testredis.Start(t)
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rc.Close()
	ctx := context.Background()
	at := time.Unix(1700000000, 5)
	l := New(rc, "", "node-a", func() time.Time { return at }, nil)
	l.Event(reliable.Event{Kind: reliable.EventRetransmitted, Sequence: "urn:s", Number: 1}) // ignored
	if err := l.add(ctx, "urn:s", Record{Kind: Run, Node: "node-a", Number: 1, Redelivery: true, Time: at}); err != nil {
		t.Fatal(err)
	}
	l.Event(reliable.Event{Kind: reliable.EventDelivered, Sequence: "urn:s", Number: 1})
	recs, err := Read(ctx, rc, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{{Kind: Run, Node: "node-a", Number: 1, Redelivery: true, Time: at}, {Kind: Completed, Node: "node-a", Number: 1, Time: at}}
	if got := recs["urn:s"]; len(recs) != 1 || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("records %+v, want %+v", recs, want)
	}
	if ttl := rc.PTTL(ctx, key(DefaultPrefix, "urn:s")).Val(); ttl <= 0 || ttl > TTL {
		t.Fatalf("TTL %v", ttl)
	}
	if l.Lost() != 0 {
		t.Fatalf("%d lost", l.Lost())
	}
}
