package reliable

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// metroFile reads a capture: its Content-Type and envelope.
func metroFile(t *testing.T, path string) (string, []byte) {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	ct := ""
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Type") {
			ct = strings.TrimSpace(v)
			break
		}
	}
	i := bytes.Index(b, []byte("<?xml"))
	require.GreaterOrEqual(t, i, 0)
	return ct, b[i:]
}

// TestServerMetroReplay replays Metro's client requests into the layer
// over soap.NewHTTPHandler and compares each response with the Metro
// service's: action, RM headers, sequence numbers, acknowledgement
// ranges, Final and LastMessage. Sequence identifiers differ (the
// layer's replaces Metro's in the requests). The differences allowed:
// wsa:To of a reply to the anonymous address (WCF omits it in WS-Addressing
// 1.0, Metro writes it), wsa:ReplyTo on 1.0's TerminateSequence answer
// (Metro's), and netrm:BufferRemaining (WCF's flow control; Metro has
// none).
func TestServerMetroReplay(t *testing.T) {
	for _, tc := range []struct {
		dir, port string
		v         Version
	}{{"rm10", "http://127.0.0.1:18082/Rm10Port", V200502}, {"rm11", "http://127.0.0.1:18083/Rm11Port", V11}} {
		t.Run(tc.dir, func(t *testing.T) {
			mux := soap.NewServeMux()
			var ran []string
			mux.HandleFunc("urn:probe:echo", func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				txt := req.Payload().FindElement("text").Text()
				ran = append(ran, txt)
				p := etree.NewElement("ns2:echoResponse")
				p.CreateAttr("xmlns:ns2", "urn:probe")
				p.CreateElement("return").SetText("echo:" + txt)
				return soap.Reply(req, "urn:probe:echoResponse", p)
			})
			mux.HandleFunc("urn:probe:ping", func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
				ran = append(ran, req.Payload().FindElement("text").Text())
				return nil, nil
			})
			layer, err := ServerLayer(ServerConfig{Versions: []Version{tc.v}})
			require.NoError(t, err)
			h := soap.NewHTTPHandler(soap.ChainHandler(mux, layer))
			dir := filepath.Join("testdata", "metro", tc.dir)
			metroID, ourID := "", ""
			for i := 1; i <= 13; i += 2 {
				ct, req := metroFile(t, filepath.Join(dir, twoDigits(i)+"-req.xml"))
				_, want := metroFile(t, filepath.Join(dir, twoDigits(i+1)+"-resp.xml"))
				if metroID != "" {
					req = bytes.ReplaceAll(req, []byte(metroID), []byte(ourID))
				}
				r := httptest.NewRequest(http.MethodPost, tc.port, bytes.NewReader(req))
				r.Header.Set("Content-Type", ct)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				require.Equal(t, http.StatusOK, w.Code, "exchange %d: %s", i, w.Body.String())
				got, err := soap.ParseMessage(w.Body.Bytes(), soap.DefaultLimits())
				require.NoError(t, err)
				exp, err := soap.ParseMessage(want, soap.DefaultLimits())
				require.NoError(t, err)
				if i == 1 {
					ec, err := wire.ParseCreateSequenceResponse(exp.Payload())
					require.NoError(t, err)
					gc, err := wire.ParseCreateSequenceResponse(got.Payload())
					require.NoError(t, err)
					metroID, ourID = ec.Identifier, gc.Identifier
					require.NotNil(t, gc.Accept)
					assert.Equal(t, tc.port, gc.Accept.Address, "Accept/AcksTo is the CreateSequence's destination (R1108)")
				}
				compareRM(t, i, tc.v, exp, got, metroID, ourID)
			}
			assert.Equal(t, []string{"a", "b", "p1", "c"}, ran)
		})
	}
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

// compareRM compares the RM view of two responses.
func compareRM(t *testing.T, i int, v Version, exp, got *soap.Message, metroID, ourID string) {
	t.Helper()
	assert.Equal(t, exp.Addressing.Action, got.Addressing.Action, "exchange %d action", i)
	names := func(m *soap.Message, skip ...string) []string {
		var out []string
		for _, h := range m.Headers() {
			l := xmlutil.ElementName(h).Local
			if !slices.Contains(skip, l) {
				out = append(out, l)
			}
		}
		slices.Sort(out)
		return out
	}
	assert.Equal(t, names(exp, "To", "ReplyTo"), names(got, "To"), "exchange %d headers", i)
	ns := v.Namespace()
	if e := exp.FindHeader(ns, "Sequence"); e != nil {
		es, err := wire.ParseSequence(e)
		require.NoError(t, err)
		gs := seqOf(t, got, v)
		assert.Equal(t, es.Identifier, gs.Identifier, "exchange %d: the reply sequence is the offered one", i)
		assert.Equal(t, es.MessageNumber, gs.MessageNumber, "exchange %d reply number", i)
		assert.Equal(t, es.LastMessage, gs.LastMessage, "exchange %d LastMessage", i)
	}
	for _, e := range exp.FindHeaders(ns, "SequenceAcknowledgement") {
		ea, err := wire.ParseSequenceAcknowledgement(e)
		require.NoError(t, err)
		id := ea.Identifier
		if id == metroID {
			id = ourID
		}
		ga := ackOf(t, got, v, id)
		assert.Equal(t, ea.Ranges, ga.Ranges, "exchange %d ranges", i)
		assert.Equal(t, ea.Final, ga.Final, "exchange %d Final", i)
	}
	if e := exp.Payload(); e != nil {
		require.NotNil(t, got.Payload(), "exchange %d body", i)
		assert.Equal(t, xmlutil.ElementName(e), xmlutil.ElementName(got.Payload()), "exchange %d body element", i)
		if l := xmlutil.ElementName(e).Local; l == "TerminateSequence" || l == "TerminateSequenceResponse" || l == "CloseSequenceResponse" {
			es, err := wire.ParseSequenceControl(e)
			require.NoError(t, err)
			gs, err := wire.ParseSequenceControl(got.Payload())
			require.NoError(t, err)
			id := es.Identifier
			if id == metroID {
				id = ourID
			}
			assert.Equal(t, id, gs.Identifier, "exchange %d control identifier", i)
		}
	} else {
		assert.Nil(t, got.Payload(), "exchange %d: empty body", i)
	}
}
