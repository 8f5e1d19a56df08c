package soap

import (
	"os"
	"path/filepath"
	"testing"
)

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b)
		}
	}
	for _, tt := range attackCases() {
		if len(tt.input) < 4096 {
			f.Add([]byte(tt.input))
		}
	}
}

// FuzzReadMessage checks that the strict parser never panics and that any
// envelope it accepts serializes to something it accepts again with the
// same structure.
func FuzzReadMessage(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxBytes: 1 << 20, MaxDepth: 40, MaxElements: 5000}
		m, err := ParseMessage(data, lim)
		if err != nil {
			if _, ok := AsFault(err); !ok {
				t.Fatalf("rejection is not a fault: %v", err)
			}
			return
		}
		_ = m.CheckMustUnderstand()
		_, _ = Action(m)
		if m.IsFault() {
			_, _ = m.Fault()
		}
		out, err := m.Bytes()
		if err != nil {
			t.Fatalf("serialize: %v", err)
		}
		m2, err := ParseMessage(out, Limits{MaxBytes: 4 << 20, MaxDepth: 40, MaxElements: 5000})
		if err != nil {
			t.Fatalf("re-parse of serialized message failed: %v\n%s", err, out)
		}
		if m2.Version != m.Version || m2.Addressing.Version != m.Addressing.Version ||
			m2.Addressing.Action != m.Addressing.Action || m2.Addressing.MessageID != m.Addressing.MessageID ||
			len(m2.Headers()) != len(m.Headers()) {
			t.Fatalf("round trip changed the message")
		}
	})
}

// FuzzAddressing builds replies and faults to any accepted message: reply
// addressing must never panic and must relate to the request.
func FuzzAddressing(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseMessage(data, Limits{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		rep, err := NewReply(req, "urn:reply", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if req.Addressing.Version != 0 && req.Addressing.MessageID != "" {
			if len(rep.Addressing.RelatesTo) != 1 || rep.Addressing.RelatesTo[0].ID != req.Addressing.MessageID {
				t.Fatalf("reply does not relate to the request")
			}
		}
		fm, err := NewFaultMessage(req.Version, SenderFault("x"), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := fm.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseMessage(b, Limits{MaxBytes: 4 << 20})
		if err != nil {
			t.Fatalf("fault reply does not re-parse: %v\n%s", err, b)
		}
		if fault, err := back.Fault(); err != nil || fault == nil {
			t.Fatalf("fault reply does not parse as a fault: %v", err)
		}
	})
}
