// Package rmtest holds the end-to-end tests of the reliable session over a
// lossy network: a Go reliable client, a lossy proxy (package
// internal/lossy) losing, duplicating and reordering messages in both
// directions, and the Go service with the reliable server layer, with and
// without a secure session below, request-reply and one-way. The tests
// check that the application sees every message exactly once and in
// order, that every reply reaches its caller, and that nothing leaks
// (goroutines, memory) once the session is closed.
//
// The package has no code of its own; its tests and benchmarks are in the
// _test files:
//
//	go test ./internal/rmtest/                       10,000 messages per variant
//	go test -short ./internal/rmtest/                1,000
//	go test -run X -bench ReliableRoundTrip ./internal/rmtest/
package rmtest
