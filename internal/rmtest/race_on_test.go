//go:build race

package rmtest

// raceEnabled reports a -race build: the race detector slows the
// reliable session about tenfold, so TestLossy10k sends 1,000 messages
// per variant there, and the full 10,000 run without it (make unit runs
// both).
const raceEnabled = true
