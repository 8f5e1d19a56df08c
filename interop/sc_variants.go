package interop

// ScenarioACNoSOAPAction is the report name of CXF's WSSCTest "no
// SOAPAction" variant of AC: CXF's client runs the AC scenario (its policy
// and endpoint) with the RST/SCT sent without a SOAP action (SOAP 1.2, no
// action parameter; the wsa:Action header still names the request), and
// the Go service must dispatch it by its wsa:Action.
const ScenarioACNoSOAPAction = "AC-NoSOAPAction"

// CXFClientVariantCases lists the cases only CXF's client runs against the
// Go service (peer-to-go, in the dom and the streaming mode, as WSSCTest
// runs them): AC-NoSOAPAction in both WS-SC versions. The Go client's own
// form of it is TestACWithoutSOAPAction.
func CXFClientVariantCases() []Case {
	return []Case{
		{Scenario: ScenarioACNoSOAPAction, Version: VersionSC200502},
		{Scenario: ScenarioACNoSOAPAction, Version: VersionSC13},
	}
}
