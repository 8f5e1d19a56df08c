package interop

import (
	"context"
	"testing"

	"github.com/soapstack/soapstack/soap"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPingServiceContract runs the foundation cases Go client → Go service.
// It checks our own contract implementation; interop claims come from the
// CXF tests in cxf_test.go.
func TestPingServiceContract(t *testing.T) {
	gs, err := StartGoServer((&PingService{}).Handler())
	require.NoError(t, err)
	defer gs.Close()
	for _, c := range FoundationCases() {
		t.Run(c.String(), func(t *testing.T) {
			r := RunGoClientCase(context.Background(), gs.URL, c)
			assert.True(t, r.Pass, r.Reason)
			assert.Equal(t, GoToPeer, r.Direction)
		})
	}
}

func TestFilter(t *testing.T) {
	all := FoundationCases()
	assert.Len(t, all, 16)
	assert.Len(t, Filter(all, ""), 16)
	assert.Len(t, Filter(all, "Echo"), 8, "substring: Echo and LargeEcho")
	assert.Len(t, Filter(all, "Echo@*"), 4)
	assert.Len(t, Filter(all, "*@soap12-wsa10"), 4)
	assert.Len(t, Filter(all, "Fault"), 4)
	assert.Empty(t, Filter(all, "nothing"))
}

func TestUnknownScenarioAndVersion(t *testing.T) {
	r := RunGoClientCase(context.Background(), "http://127.0.0.1:1", Case{"Echo", "soap13"})
	assert.False(t, r.Pass)
	assert.Contains(t, r.Reason, "unknown version")
}

// TestPingClientReplyTo: a one-way notify carries no wsa:ReplyTo (as WCF
// and Metro send one-way messages: a reliable session reads a ReplyTo as
// "a reply will come"); echo and fail carry the anonymous one.
func TestPingClientReplyTo(t *testing.T) {
	for _, wv := range []soap.AddressingVersion{soap.WSA10, soap.WSA200408} {
		var sent []*soap.Message
		inv := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			sent = append(sent, req)
			return nil, nil
		})
		cli := &PingClient{Invoker: inv, Version: soap.V12, Addressing: wv, To: "http://svc/"}
		require.NoError(t, cli.Notify(context.Background(), "n"))
		_, _ = cli.Echo(context.Background(), "e")
		require.Len(t, sent, 2)
		assert.Nil(t, sent[0].Addressing.ReplyTo, "notify %v", wv)
		assert.NotEmpty(t, sent[0].Addressing.MessageID, "notify %v", wv)
		if assert.NotNil(t, sent[1].Addressing.ReplyTo, "echo %v", wv) {
			assert.True(t, soap.IsAnonymous(sent[1].Addressing.ReplyTo.Address), "echo %v", wv)
		}
	}
}
