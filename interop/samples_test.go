package interop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCXFSamples parses the exact bytes Apache CXF wrote (recorded by
// `interop/cxf/peer selftest --trace` into interop/cxf/samples) and checks
// what the Go side reads from them.
func TestCXFSamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("cxf", "samples", "*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			m, err := soap.ParseMessage(b, soap.Limits{})
			require.NoError(t, err)
			wantSOAP := soap.V12
			if strings.HasPrefix(name, "soap11") {
				wantSOAP = soap.V11
			}
			assert.Equal(t, wantSOAP, m.Version)
			wantWSA := soap.WSA10
			if strings.Contains(name, "wsa200408") {
				wantWSA = soap.WSA200408
			}
			assert.Equal(t, wantWSA, m.Addressing.Version)
			assert.NoError(t, m.CheckMustUnderstand())
			switch {
			case strings.HasSuffix(name, "fail-response.xml"):
				f, err := m.Fault()
				require.NoError(t, err)
				require.NotNil(t, f)
				assert.Equal(t, soap.CodeSender, f.Code)
				assert.Equal(t, ActionFailFault, m.Addressing.Action)
				require.Len(t, f.Detail, 1)
				assert.True(t, soap.Is(f.Detail[0], NSPing, "PingFault"))
			case strings.HasSuffix(name, "-response.xml"):
				assert.Equal(t, ActionEchoResponse, m.Addressing.Action)
				assert.Len(t, m.Addressing.RelatesTo, 1)
				assert.True(t, soap.Is(m.Payload(), NSPing, "echoResponse"))
			default:
				assert.True(t, strings.HasPrefix(m.Addressing.Action, NSPing+"/IPingService/"))
				assert.NotEmpty(t, m.Addressing.MessageID)
			}
		})
	}
}
