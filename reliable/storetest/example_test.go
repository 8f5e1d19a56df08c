package storetest_test

import (
	"testing"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/reliable/storetest"
)

// A sequence store's conformance test: the suite builds one empty store
// per subtest. (Examples run without a *testing.T; this one shows the test
// to write and is compiled, not run.)
func Example() {
	testConformance := func(t *testing.T) {
		storetest.Run(t, func() reliable.SequenceStore { return reliable.NewMemoryStore() })
	}
	_ = testConformance
}
