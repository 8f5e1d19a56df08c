package interop

// The streaming mode of the CXF peer (see also ModeDOM, ModeDefault).
const (
	// ModeStreaming is CXF's streaming (StAX) WS-Security
	// (ws-security.enable.streaming=true).
	ModeStreaming = "streaming"
)

// cxfStreamingPrefix is the path prefix of the CXF server's streaming
// copies of the secure-conversation endpoints.
const cxfStreamingPrefix = "/stax"

// CXFStreamingLimit says why CXF itself does not run a secure-conversation
// scenario in streaming mode as client (client true) or server, or "" when
// it does. The facts are CXF's own WSSCTest (systests/ws-security,
// org/apache/cxf/systest/ws/wssc): its streaming client has no endorsing
// X.509 support, and neither its streaming client nor server runs
// MutualCertificate10SignEncrypt. These are the peer's limits, not ours.
func CXFStreamingLimit(scenario string, client bool) string {
	switch scenario {
	case "SecureConversation_MutualCertificate10SignEncrypt":
		if client {
			return "CXF's streaming client: endorsing streaming not supported (WSSCTest TODO)"
		}
		return "CXF's streaming server: StAX policy validation error / endorsing derived keys not supported (WSSCTest TODO)"
	case "XC", "_X":
		if client {
			return "CXF's streaming client: streaming endorsing (X.509 supporting token) not working (WSSCTest TODO)"
		}
	case "XDC", "XDC-ES", "XDC-SEES", "_XD", "_XD-SEES", "_XD-ES":
		if client {
			return "CXF's streaming client: streaming endorsing (X.509 supporting token) not working (WSSCTest TODO)"
		}
		return "CXF's streaming server refuses the RST: \"Derived key must be used\" for the endorsing X.509 token " +
			"with RequireDerivedKeys (CXF's own DOM client fails the same way against it)"
	}
	return ""
}

// CXFStreamingServerCancels reports whether the Go client sends Cancel to
// CXF's streaming server. It does not: that server answers every Cancel
// with an empty reply (a NullPointerException in its
// CancelSecurityToken; CXF's own DOM client fails the same way, and
// WSSCTest never checks a Cancel), so the streaming-server cases end the
// session without one.
const CXFStreamingServerCancels = false

// CXFStreamingCases lists the secure-conversation cases CXF runs in
// streaming mode as client (client true) or as server.
func CXFStreamingCases(client bool) []Case {
	var out []Case
	for _, c := range SCCases() {
		if CXFStreamingLimit(c.Scenario, client) == "" {
			out = append(out, c)
		}
	}
	return out
}
