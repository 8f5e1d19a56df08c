package interop

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// clockTick is the unit of the CPU times in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// ErrNoProcStat is returned by ProcessGroupCPU where /proc is missing.
var ErrNoProcStat = errors.New("interop: no /proc/<pid>/stat (not Linux?)")

// ProcessGroupCPU returns the CPU time (user + system, utime + stime of
// /proc/<pid>/stat, every thread) the processes of process group pgid
// have used so far, in clock ticks of 10 ms. A peer's script and the JVM
// it execs, or `soapstack serve`, are one process group when started by
// StartServer or StartCommandServer.
func ProcessGroupCPU(pgid int) (time.Duration, error) {
	t, err := ProcessGroupTimes(pgid)
	return t.User + t.System, err
}

// CPUTimes are CPU times split as the kernel accounts them.
type CPUTimes struct {
	// User is the time spent in the processes' own code (utime), System
	// the time the kernel spent for them (stime): system calls, here
	// mostly the sockets' reads, writes and polls, and the loopback TCP
	// work done on their behalf.
	User, System time.Duration
}

// ProcessGroupTimes is ProcessGroupCPU with the user and system times
// apart.
func ProcessGroupTimes(pgid int) (CPUTimes, error) {
	paths, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(paths) == 0 {
		return CPUTimes{}, ErrNoProcStat
	}
	var total CPUTimes
	found := false
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the process ended meanwhile
		}
		group, user, system, err := parseProcStat(b)
		if err != nil {
			return CPUTimes{}, fmt.Errorf("interop: %s: %w", p, err)
		}
		if group == pgid {
			found = true
			total.User += time.Duration(user) * clockTick
			total.System += time.Duration(system) * clockTick
		}
	}
	if !found {
		return CPUTimes{}, fmt.Errorf("interop: no process in process group %d", pgid)
	}
	return total, nil
}

// parseProcStat returns the process group (field 5), utime and stime
// (fields 14 and 15) of a /proc/<pid>/stat line. The command name (field
// 2) is in parentheses and may hold spaces and parentheses itself, so the
// fields are counted from the last ')'.
func parseProcStat(b []byte) (pgrp int, user, system uint64, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, 0, errors.New("no command name")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state): field n is f[n-3].
	if len(f) < 13 {
		return 0, 0, 0, errors.New("too few fields")
	}
	g, err := strconv.Atoi(string(f[2]))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("process group: %w", err)
	}
	u, err := strconv.ParseUint(string(f[11]), 10, 64)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("utime: %w", err)
	}
	s, err := strconv.ParseUint(string(f[12]), 10, 64)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("stime: %w", err)
	}
	return g, u, s, nil
}
