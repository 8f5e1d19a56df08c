package interop

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name, line string
		pgrp       int
		user, sys  uint64
		bad        bool
	}{
		{name: "java", line: "4242 (java) S 1 4240 4240 0 -1 4194560 1 0 0 0 170 31 0 0 20 0 40 0 100 1 1 1",
			pgrp: 4240, user: 170, sys: 31},
		{name: "command with spaces and parentheses", line: "7 (a b) (c)) R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0",
			pgrp: 7, user: 5, sys: 6},
		{name: "no command", line: "7 a R 1 7", bad: true},
		{name: "short", line: "7 (a) R 1 7 7", bad: true},
		{name: "bad utime", line: "7 (a) R 1 7 7 0 -1 0 0 0 0 0 x 6", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, user, sys, err := parseProcStat([]byte(tt.line))
			if tt.bad {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.pgrp, g)
			assert.Equal(t, tt.user, user, "utime")
			assert.Equal(t, tt.sys, sys, "stime")
		})
	}
}

// TestProcessGroupCPU: a process group's CPU time grows with its work. The
// group is a child of its own (this test binary, spinning) so that no other
// process of the test run can end between the two readings and take its CPU
// time out of the sum, as the run's own process group would.
func TestProcessGroupCPU(t *testing.T) {
	if os.Getenv("SOAPSTACK_SPIN") == "1" {
		for x := 0; ; x++ { // spin until killed
			_ = x
		}
	}
	if _, err := ProcessGroupCPU(syscall.Getpgrp()); errors.Is(err, ErrNoProcStat) {
		t.Skip("no /proc on this system")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestProcessGroupCPU$")
	cmd.Env = append(os.Environ(), "SOAPSTACK_SPIN=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pgid := cmd.Process.Pid
	a, err := ProcessGroupCPU(pgid)
	require.NoError(t, err)
	var b time.Duration
	// One clock tick is 10 ms; a spinning child gains many within seconds
	// even on a loaded machine.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		b, err = ProcessGroupCPU(pgid)
		require.NoError(t, err)
		if b > a {
			break
		}
	}
	assert.Greater(t, b, a, "the spinning group's CPU time grows")
	_, err = ProcessGroupCPU(1 << 30)
	assert.Error(t, err, "no process in that group")
}

func TestReliableRatios(t *testing.T) {
	rs := []*ReliableLoadResult{
		{Target: TargetGo, Scenario: "RM10", Requests: 10, PerSecond: 200, ServerCPUPerRequest: time.Millisecond, P50: 2 * time.Millisecond},
		{Target: TargetMetro, Scenario: "RM10", Requests: 10, PerSecond: 100, ServerCPUPerRequest: 4 * time.Millisecond, P50: 4 * time.Millisecond},
		{Target: TargetCXF, Scenario: "RM10", Requests: 0, Errors: 1},
		{Target: TargetMetro, Scenario: "RM10", Loss: 0.05, Requests: 10, PerSecond: 50},
		{Target: TargetCXF, Scenario: "RM11", Requests: 10, PerSecond: 50},
	}
	got := reliableRatios(rs)
	require.Len(t, got, 1, "a peer row without requests, of another loss or scenario has no ratio")
	assert.Equal(t, ReliableRatio{Scenario: "RM10", Peer: TargetMetro, PerSecond: 2, CPUPerRequest: 0.25, P50: 0.5}, got[0])
}
