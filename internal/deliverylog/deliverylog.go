// Package deliverylog records in Redis every delivery of a reliable
// message that the application of a farm's nodes runs, and checks the
// records: each message of each sequence run, in order, exactly once,
// but for the one window the reliable.SequenceStore contract leaves (a
// claim holder gone between running a message and completing it), which
// it tells apart from a wrong delivery by the records themselves.
//
// A node writes two records per message, each one round trip (RPUSH and
// PEXPIRE in one pipeline) on a list under the sequence's hash tag: a run
// record before the operation runs (Handler; the operation does not run
// when it cannot be written), and a completion record once the layer's
// Complete recorded the delivery (Event, from reliable.EventDelivered,
// written before the reply leaves). A message whose first run has no
// completion record, whose node died, and whose next run the store marked
// a redelivery (reliable.DeliveryInfo.Redelivery) fell in the window.
// Anything else run twice is a wrong delivery.
//
// It serves the farm tests and `soapstack serve --record-deliveries`.
package deliverylog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/soap"
)

// DefaultPrefix is the prefix of the record lists' keys.
const DefaultPrefix = "deliveries:"

// TTL is how long the records of a sequence are kept after its last one.
const TTL = time.Hour

// Kind is the kind of a record.
type Kind string

// Kinds of records.
const (
	// Run is written before the operation runs.
	Run Kind = "run"
	// Completed is written once the delivery's Complete succeeded.
	Completed Kind = "done"
)

// Record is one record of a sequence's list.
type Record struct {
	Kind Kind
	// Node names the node that wrote it.
	Node string
	// Number is the message number.
	Number int64
	// Redelivery is the layer's DeliveryInfo.Redelivery (run records).
	Redelivery bool
	// Time is the node's clock as it wrote it.
	Time time.Time
}

func (r Record) encode() string {
	re := "0"
	if r.Redelivery {
		re = "1"
	}
	return strings.Join([]string{string(r.Kind), r.Node, strconv.FormatInt(r.Number, 10), re, strconv.FormatInt(r.Time.UnixNano(), 10)}, "|")
}

func decode(s string) (Record, error) {
	f := strings.Split(s, "|")
	if len(f) != 5 || (f[0] != string(Run) && f[0] != string(Completed)) {
		return Record{}, fmt.Errorf("deliverylog: bad record %q", s)
	}
	n, err1 := strconv.ParseInt(f[2], 10, 64)
	t, err2 := strconv.ParseInt(f[4], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return Record{}, fmt.Errorf("deliverylog: bad record %q: %w", s, err)
	}
	return Record{Kind: Kind(f[0]), Node: f[1], Number: n, Redelivery: f[3] == "1", Time: time.Unix(0, t)}, nil
}

// Log writes the records of one node.
type Log struct {
	rc     redis.UniversalClient
	prefix string
	node   string
	now    func() time.Time
	log    *slog.Logger
	// lost counts the completion records that could not be written.
	lost atomic.Int64
}

// New returns the log of node, writing to rc under prefix
// (DefaultPrefix when empty). now is the clock (time.Now when nil),
// logger where failures go (nil: discarded).
func New(rc redis.UniversalClient, prefix, node string, now func() time.Time, logger *slog.Logger) *Log {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Log{rc: rc, prefix: prefix, node: node, now: now, log: logger}
}

func key(prefix, seq string) string { return prefix + "{" + seq + "}" }

func (l *Log) add(ctx context.Context, seq string, r Record) error {
	k := key(l.prefix, seq)
	_, err := l.rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, k, r.encode())
		p.PExpire(ctx, k, TTL)
		return nil
	})
	return err
}

// Handler records the delivery of each message before next runs it; a
// message outside a reliable sequence is run unrecorded. When the record
// cannot be written the operation does not run: the client gets a
// Receiver fault (and its reliable session retransmits).
func (l *Log) Handler(next soap.Handler) soap.Handler {
	return soap.HandlerFunc(func(ctx context.Context, m *soap.Message) (*soap.Message, error) {
		if d, ok := reliable.DeliveryFromContext(ctx); ok {
			r := Record{Kind: Run, Node: l.node, Number: d.Number, Redelivery: d.Redelivery, Time: l.now()}
			if err := l.add(ctx, d.Sequence, r); err != nil {
				l.log.ErrorContext(ctx, "deliverylog: run not recorded", slog.String("sequence", d.Sequence), slog.Int64("number", d.Number), slog.Any("error", err))
				return nil, soap.ReceiverFault("The delivery could not be recorded.")
			}
		}
		return next.ServeSOAP(ctx, m)
	})
}

// Event records the completion of a delivery (reliable.EventDelivered of
// a server; other events are ignored), for reliable.ServerConfig.OnEvent.
// It blocks for one round trip to Redis, before the reply leaves.
func (l *Log) Event(e reliable.Event) {
	if e.Kind != reliable.EventDelivered {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.add(ctx, e.Sequence, Record{Kind: Completed, Node: l.node, Number: e.Number, Time: l.now()}); err != nil {
		l.lost.Add(1)
		l.log.Error("deliverylog: completion not recorded", slog.String("sequence", e.Sequence), slog.Int64("number", e.Number), slog.Any("error", err))
	}
}

// Lost returns how many completion records could not be written.
func (l *Log) Lost() int64 { return l.lost.Load() }

// Read returns the records of every sequence under prefix
// (DefaultPrefix when empty), in the order Redis took them, by sequence
// identifier.
func Read(ctx context.Context, rc redis.UniversalClient, prefix string) (map[string][]Record, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	out := map[string][]Record{}
	scan := func(ctx context.Context, c *redis.Client) error {
		it := c.Scan(ctx, 0, prefix+"{*", 100).Iterator()
		for it.Next(ctx) {
			k := it.Val()
			seq := strings.TrimSuffix(strings.TrimPrefix(k, prefix+"{"), "}")
			vals, err := c.LRange(ctx, k, 0, -1).Result()
			if err != nil {
				return err
			}
			for _, v := range vals {
				r, err := decode(v)
				if err != nil {
					return err
				}
				out[seq] = append(out[seq], r)
			}
		}
		return it.Err()
	}
	var err error
	switch c := rc.(type) {
	case *redis.Client:
		err = scan(ctx, c)
	case *redis.ClusterClient:
		err = errors.New("deliverylog: Read of a Cluster: not supported")
	default:
		err = fmt.Errorf("deliverylog: Read: client %T not supported", rc)
	}
	if err != nil {
		return nil, fmt.Errorf("deliverylog: %w", err)
	}
	return out, nil
}

// Report is what Check found.
type Report struct {
	// Sequences and Delivered count the sequences and the distinct
	// messages run; Runs the run records, Completions the completion
	// records, Redeliveries the runs the store marked a redelivery.
	Sequences, Delivered, Runs, Completions, Redeliveries int
	// Window lists the messages run twice within the window: first on a
	// node that died before completing it, then again, marked a
	// redelivery.
	Window []string
	// Problems lists every wrong delivery: a message run out of order,
	// run again outside the window, or completed twice.
	Problems []string
}

// Check checks the records of every sequence: run records come in
// message number order (1, 2, 3, ...), a number appearing again only
// right after itself; a number run more than once was run, each time but
// the last, on a node of dead (killed) with no completion recorded
// before the next run, and each later run is marked a redelivery; no
// number is completed twice. Completion records with no run (RM 1.0's
// LastMessage, which the layer answers itself) are counted, not checked.
func Check(recs map[string][]Record, dead ...string) Report {
	isDead := map[string]bool{}
	for _, d := range dead {
		isDead[d] = true
	}
	var rep Report
	ids := make([]string, 0, len(recs))
	for id := range recs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		rep.Sequences++
		problem := func(format string, args ...any) {
			rep.Problems = append(rep.Problems, id+": "+fmt.Sprintf(format, args...))
		}
		var last int64
		var runs []int // positions of the runs of number last
		done := map[int64]int{}
		// rerun judges the runs of one number once they are all seen.
		rerun := func(n int64, list []Record, runs []int) {
			if len(runs) < 2 {
				return
			}
			for i := 1; i < len(runs); i++ {
				prev, r := list[runs[i-1]], list[runs[i]]
				if !isDead[prev.Node] {
					problem("message %d ran on %s, which did not die, and again on %s", n, prev.Node, r.Node)
				}
				if !r.Redelivery {
					problem("message %d ran again on %s without being marked a redelivery", n, r.Node)
				}
				for _, c := range list[runs[i-1]:runs[i]] {
					if c.Kind == Completed && c.Number == n {
						problem("message %d completed by %s, then ran again on %s", n, c.Node, r.Node)
					}
				}
			}
			rep.Window = append(rep.Window, fmt.Sprintf("%s: message %d ran %d times (first on %s, which died before completing it)",
				id, n, len(runs), list[runs[0]].Node))
		}
		list := recs[id]
		for i, r := range list {
			if r.Kind == Completed {
				rep.Completions++
				if done[r.Number]++; done[r.Number] == 2 {
					problem("message %d completed twice", r.Number)
				}
				continue
			}
			rep.Runs++
			if r.Redelivery {
				rep.Redeliveries++
			}
			switch r.Number {
			case last + 1:
				rerun(last, list, runs)
				last, runs = r.Number, []int{i}
				rep.Delivered++
			case last:
				runs = append(runs, i)
			default:
				problem("message %d ran after message %d (out of order, or a message lost)", r.Number, last)
			}
		}
		rerun(last, list, runs)
	}
	return rep
}
