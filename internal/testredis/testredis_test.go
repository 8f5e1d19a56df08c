package testredis

import (
	"strings"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	s.Stop()
	if err := ping(s.Addr); err == nil {
		t.Fatal("PING answered after Stop")
	}
	s.Restart()
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
}

func TestStartCluster(t *testing.T) {
	s := StartCluster(t)
	info, err := command(s.Addr, "CLUSTER INFO")
	if err != nil || !strings.Contains(info, "cluster_slots_assigned:16384") {
		t.Fatalf("CLUSTER INFO: %q %v", info, err)
	}
	if _, err := command(s.Addr, "MSET {a}x 1 {b}y 2"); err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("a command across slots: %v, want CROSSSLOT", err)
	}
}
