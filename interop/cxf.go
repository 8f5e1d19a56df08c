package interop

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrPeerUnavailable is returned (wrapped) when the peer cannot be built or
// started: Java, Maven or the peer project is missing. Interop tests treat
// it as a failure, never as a skip.
var ErrPeerUnavailable = errors.New("interop peer unavailable")

// CXF drives the Apache CXF peer through its script interop/cxf/peer.
type CXF = ScriptPeer

// FindCXF locates interop/cxf: $SOAPSTACK_CXF_DIR, else the nearest
// interop/cxf above the working directory.
func FindCXF() (*CXF, error) {
	if d := os.Getenv("SOAPSTACK_CXF_DIR"); d != "" {
		return checkCXFDir(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "interop", "cxf")
		if _, err := os.Stat(filepath.Join(cand, "peer")); err == nil {
			return checkCXFDir(cand)
		}
		if _, err := os.Stat(filepath.Join(d, "peer")); err == nil && filepath.Base(d) == "cxf" {
			return checkCXFDir(d)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return nil, fmt.Errorf("%w: interop/cxf/peer not found above %s (set SOAPSTACK_CXF_DIR)", ErrPeerUnavailable, wd)
}

func checkCXFDir(d string) (*CXF, error) {
	abs, err := filepath.Abs(d)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "peer")); err != nil {
		return nil, fmt.Errorf("%w: %s has no peer script", ErrPeerUnavailable, abs)
	}
	return &CXF{Name: PeerCXF, Dir: abs}, nil
}
