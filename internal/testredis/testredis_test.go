package testredis

import (
	"strings"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	if err := s.ping(); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	s.Stop()
	if err := s.ping(); err == nil {
		t.Fatal("PING answered after Stop")
	}
	s.Restart()
	if err := s.ping(); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
}

func TestStartCluster(t *testing.T) {
	s := StartCluster(t)
	info, err := s.command("CLUSTER INFO")
	if err != nil || !strings.Contains(info, "cluster_slots_assigned:16384") {
		t.Fatalf("CLUSTER INFO: %q %v", info, err)
	}
	if _, err := s.command("MSET {a}x 1 {b}y 2"); err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("a command across slots: %v, want CROSSSLOT", err)
	}
}

func TestStartTLS(t *testing.T) {
	s := StartTLS(t, TLSOptions{CertFile: "../../interop/pki/service.pem", KeyFile: "../../interop/pki/service.key",
		CAFile: "../../interop/pki/ca.pem", User: "u", Password: "p"})
	if err := s.ping(); err != nil {
		t.Fatalf("PING over TLS as u: %v", err)
	}
	plain := &Server{Addr: s.Addr}
	if err := plain.ping(); err == nil {
		t.Fatal("a plain TCP client was answered")
	}
	anon := &Server{Addr: s.Addr, tls: s.tls}
	if err := anon.ping(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("PING without AUTH: %v, want NOAUTH", err)
	}
}
