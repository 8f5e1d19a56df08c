package interop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FindMetro locates interop/metro (the Eclipse Metro peer): $SOAPSTACK_METRO_DIR,
// else the nearest interop/metro above the working directory.
func FindMetro() (*ScriptPeer, error) {
	dir := os.Getenv("SOAPSTACK_METRO_DIR")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		for d := wd; ; d = filepath.Dir(d) {
			cand := filepath.Join(d, "interop", "metro")
			if _, err := os.Stat(filepath.Join(cand, "peer")); err == nil {
				dir = cand
				break
			}
			if _, err := os.Stat(filepath.Join(d, "peer")); err == nil && filepath.Base(d) == "metro" {
				dir = d
				break
			}
			if filepath.Dir(d) == d {
				return nil, fmt.Errorf("%w: interop/metro/peer not found above %s (set SOAPSTACK_METRO_DIR)", ErrPeerUnavailable, wd)
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "peer")); err != nil {
		return nil, fmt.Errorf("%w: %s has no peer script", ErrPeerUnavailable, abs)
	}
	return &ScriptPeer{Name: PeerMetro, Dir: abs}, nil
}

// MetroCases lists the cases of the Metro matrix: every plain WS-Security
// and secure-conversation scenario (both WS-SC versions) and the
// reliable-messaging scenarios (RMCases). The foundation scenarios are
// CXF's.
func MetroCases() []Case {
	return append(MetroSecurityCases(), RMCases()...)
}

// MetroSecurityCases lists the WS-Security and secure-conversation cases of
// the Metro matrix (TestMetroInterop; TestMetroReliable runs RMCases).
func MetroSecurityCases() []Case {
	return append(WSSecCases(), SCCases()...)
}

// metroLimits returns the cases that fail for a documented reason in Metro
// (or in a disagreement not fixed yet), keyed by direction and
// "Scenario@version", with the reason; interop/metro/README.md has the same
// table. A listed case that passes fails the test, so the list cannot go
// stale. It is empty: the last entries (the UX family, whose policy put a
// WS-SP 1.2 assertion inside a 2005/07 policy) pass since the scenarios
// follow CXF's plugfest policies.
func metroLimits() map[string]string { return map[string]string{} }

// MetroLimit returns the documented reason a Metro case is expected to fail
// in direction d, or "".
func MetroLimit(d Direction, c Case) string {
	return metroLimits()[string(d)+" "+c.String()]
}

// RunMetro runs the Metro matrix in both directions (see RunCXF for the
// error contract). Rows of documented limits carry Limit.
func RunMetro(ctx context.Context, opts Options) ([]Result, error) {
	all := MetroCases()
	if opts.Cases != nil {
		all = opts.Cases
	}
	cases := Filter(all, opts.Only)
	if len(cases) == 0 {
		return nil, errors.New("interop: no Metro case matches " + opts.Only)
	}
	peer, err := FindMetro()
	if err != nil {
		return nil, err
	}
	results, err := runPeer(ctx, peer, ModeDefault, cases, opts)
	if err != nil {
		return nil, err
	}
	for i, r := range results {
		if !r.Pass {
			results[i].Limit = MetroLimit(r.Direction, Case{r.Scenario, r.Version})
		}
	}
	return results, nil
}

// Unexpected returns the failing rows that no documented limit explains.
func Unexpected(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if !r.Pass && r.Limit == "" {
			out = append(out, r)
		}
	}
	return out
}
