package reliable

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
)

// BenchmarkOpenSequences measures the Go server's memory per open
// sequence: each iteration opens openSequences request-reply sequences
// (CreateSequence with an Offer, so a request and a reply sequence each)
// on a fresh layer and memory store, and reports the live heap they add
// (runtime.MemStats.HeapAlloc after a GC, before and after) as
// B/sequence. "created" stops after CreateSequence; "one-exchange" also
// delivers one echo (a 2 KiB reply, not yet acknowledged, so the store
// caches it), the state of a session between calls. ns/op is the time to
// open the openSequences sequences.
func BenchmarkOpenSequences(b *testing.B) {
	const openSequences = 1000
	reply := strings.Repeat("r", 2<<10)
	for _, v := range []Version{V200502, V11} {
		for _, exchange := range []bool{false, true} {
			name := "RM10"
			if v == V11 {
				name = "RM11"
			}
			if exchange {
				name += "/one-exchange"
			} else {
				name += "/created"
			}
			b.Run(name, func(b *testing.B) {
				var perSeq float64
				iterations := 0
				for b.Loop() {
					perSeq += openSequencesHeap(b, v, openSequences, exchange, reply)
					iterations++
				}
				b.ReportMetric(perSeq/float64(iterations), "B/sequence")
			})
		}
	}
}

// openSequencesHeap opens n sequences on a new layer and returns the heap
// bytes per sequence they hold.
func openSequencesHeap(b *testing.B, v Version, n int, exchange bool, reply string) float64 {
	b.StopTimer()
	ctx := context.Background()
	store := NewMemoryStore(WithMaxSequences(4*n), WithMaxPending(n))
	layer, err := ServerLayer(ServerConfig{Versions: []Version{v}, Store: store, InactivityTimeout: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	app := soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		return soap.Reply(req, testEcho+"Response", textPayload("echoResponse", reply))
	})
	h := soap.ChainHandler(app, layer)
	// The requests are serialized beforehand, so that only what the layer
	// keeps is on the heap at the end.
	creates := make([][]byte, n)
	for i := range creates {
		creates[i] = wireBytes(b, createSequenceMsg(v, fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)))
	}
	heapBefore := liveHeap()
	b.StartTimer()
	for _, raw := range creates {
		resp, err := h.ServeSOAP(ctx, parseWire(b, raw))
		if err != nil || resp.IsFault() {
			b.Fatalf("CreateSequence: %v %v", err, faultCause(resp))
		}
		if !exchange {
			continue
		}
		csr, err := wire.ParseCreateSequenceResponse(resp.Payload())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		m := onWire(b, seqMsg(v, csr.Identifier, 1, testEcho, "x"))
		b.StartTimer()
		if resp, err := h.ServeSOAP(ctx, m); err != nil || resp.IsFault() {
			b.Fatalf("echo: %v %v", err, faultCause(resp))
		}
	}
	b.StopTimer()
	heapAfter := liveHeap()
	runtime.KeepAlive(creates) // on the heap in both measures
	if store.Len() < n {
		b.Fatalf("the store holds %d sequences, want at least %d", store.Len(), n)
	}
	runtime.KeepAlive(h)
	runtime.KeepAlive(store)
	b.StartTimer()
	return float64(int64(heapAfter)-int64(heapBefore)) / float64(n)
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func wireBytes(b *testing.B, m *soap.Message) []byte {
	raw, err := m.Bytes()
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

func parseWire(b *testing.B, raw []byte) *soap.Message {
	m, err := soap.ParseMessage(raw, soap.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	return m
}
