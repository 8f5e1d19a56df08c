package reliable

import "testing"

// TestVersionActions pins every action URI of both versions (WCF's
// WsrmFeb2005Strings and Wsrm11Strings).
func TestVersionActions(t *testing.T) {
	const rm10, rm11 = "http://schemas.xmlsoap.org/ws/2005/02/rm", "http://docs.oasis-open.org/ws-rx/wsrm/200702"
	for _, tc := range []struct {
		name     string
		got      func(Version) string
		v10, v11 string
	}{
		{"CreateSequence", Version.CreateSequenceAction, rm10 + "/CreateSequence", rm11 + "/CreateSequence"},
		{"CreateSequenceResponse", Version.CreateSequenceResponseAction, rm10 + "/CreateSequenceResponse", rm11 + "/CreateSequenceResponse"},
		{"TerminateSequence", Version.TerminateSequenceAction, rm10 + "/TerminateSequence", rm11 + "/TerminateSequence"},
		{"TerminateSequenceResponse", Version.TerminateSequenceResponseAction, "", rm11 + "/TerminateSequenceResponse"},
		{"CloseSequence", Version.CloseSequenceAction, "", rm11 + "/CloseSequence"},
		{"CloseSequenceResponse", Version.CloseSequenceResponseAction, "", rm11 + "/CloseSequenceResponse"},
		{"LastMessage", Version.LastMessageAction, rm10 + "/LastMessage", ""},
		{"SequenceAcknowledgement", Version.SequenceAcknowledgementAction, rm10 + "/SequenceAcknowledgement", rm11 + "/SequenceAcknowledgement"},
		{"AckRequested", Version.AckRequestedAction, rm10 + "/AckRequested", rm11 + "/AckRequested"},
	} {
		if g := tc.got(V200502); g != tc.v10 {
			t.Errorf("%s 1.0: %q", tc.name, g)
		}
		if g := tc.got(V11); g != tc.v11 {
			t.Errorf("%s 1.1: %q", tc.name, g)
		}
		if g := tc.got(Version(0)); g != "" {
			t.Errorf("%s invalid: %q", tc.name, g)
		}
	}
	if V11.FaultAction(true) != rm11+"/fault" || V200502.FaultAction(false) != "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault" {
		t.Error("fault actions")
	}
	if V200502.Namespace() != NSRM200502 || V11.Namespace() != NSRM11 || NSNetRM != "http://schemas.microsoft.com/ws/2006/05/rm" {
		t.Error("namespaces")
	}
	if V200502.String() != "WS-RM 2005/02" || !V11.Valid() || Version(0).Valid() {
		t.Error("String/Valid")
	}
}
