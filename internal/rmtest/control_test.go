package rmtest

import (
	"context"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/leakcheck"
	"github.com/soapstack/soapstack/internal/lossy"
	"github.com/soapstack/soapstack/reliable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestControlMessagesLost loses the RM control messages, or an
// application message's reply, at exact places (the link acts on one
// action only, by script), where the random profile of TestLossy10k hits
// them only by chance. WCF retries CreateSequence and answers a repeated
// one (same offer) with the sequence it already created
// (ReliableChannelListener.ProcessCreateSequence), and retransmits
// LastMessage, a numbered message of the sequence, until it is
// acknowledged.
func TestControlMessagesLost(t *testing.T) {
	v := reliable.V200502
	lostReq := lossy.Decision{DropRequest: true}
	lostResp := lossy.Decision{DropResponse: true}
	tests := []struct {
		name   string
		action string
		script []lossy.Decision
	}{
		{"CreateSequence lost", v.CreateSequenceAction(), []lossy.Decision{lostReq}},
		{"CreateSequenceResponse lost", v.CreateSequenceAction(), []lossy.Decision{lostResp}},
		{"CreateSequence lost, then its response", v.CreateSequenceAction(), []lossy.Decision{lostReq, lostResp}},
		{"LastMessage lost, then its acknowledgement", v.LastMessageAction(), []lossy.Decision{lostReq, lostResp}},
		{"a reply lost twice", actionEcho, []lossy.Decision{lostResp, lostResp}},
		{"a request lost twice, then its reply", actionEcho, []lossy.Decision{lostReq, lostReq, lostResp}},
	}
	for _, secure := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name
			if secure {
				name = "secure/" + name
			}
			t.Run(name, func(t *testing.T) {
				leaked := leakcheck.Goroutines(t, 10*time.Second)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				h := newHarness(t, variant{secure: secure}, harnessOptions{
					loss: lossy.Config{Script: tt.script, Pass: lossy.OnlyActions(tt.action)}})
				const n = 20
				require.NoError(t, drive(ctx, h, n, 4))
				require.NoError(t, h.close(ctx), "closing the sessions")
				h.shutdown()
				checkDelivery(t, h.app, n, 4)
				st := h.proxy.Stats()
				assert.Equal(t, uint64(len(tt.script)), st.DroppedRequests+st.DroppedResponses, "every scripted loss happened: %s", st)
				if tt.action == v.CreateSequenceAction() {
					assert.Equal(t, 1, h.events.get(reliable.EventCreated), "one sequence, however many CreateSequence tries")
				} else {
					assert.Positive(t, h.events.get(reliable.EventRetransmitted), "the losses were repaired by retransmission")
				}
				assert.Zero(t, h.events.get(reliable.EventFaulted), "the session faulted")
				leaked()
			})
		}
	}
}
