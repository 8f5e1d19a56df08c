package redisstore

import (
	"context"
	"testing"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/reliable/storetest"
)

func TestSequenceStoreConformance(t *testing.T) {
	_, c := newClient(t)
	storetest.Run(t, seqStores(t, c, "conf"))
}

// TestScriptCacheFlushed: the stores run their scripts by SHA and load
// them again when Redis lost its script cache (a restart, a failover, a
// SCRIPT FLUSH).
func TestScriptCacheFlushed(t *testing.T) {
	_, c := newClient(t)
	ctx := context.Background()
	s, _ := NewSequenceStore(c, SequenceOptions{})
	if err := s.Create(ctx, reliable.SequenceInfo{ID: "urn:seq:f", Owner: tOwner}, tNow); err != nil {
		t.Fatal(err)
	}
	loaded, err := c.ScriptExists(ctx, seqScript.Hash()).Result()
	if err != nil || !loaded[0] {
		t.Fatalf("script not cached after use: %v %v", loaded, err)
	}
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "urn:seq:f", tNow); err != nil {
		t.Fatalf("Get after SCRIPT FLUSH: %v", err)
	}
}
