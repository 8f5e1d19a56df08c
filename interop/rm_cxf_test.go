package interop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRMLedgerVerdict checks the Go service's rm verdict: each of 1..n
// once, in order, on one sequence, numbered as sent.
func TestRMLedgerVerdict(t *testing.T) {
	type msg struct {
		index  int
		seq    string
		number int
	}
	tests := []struct {
		name string
		msgs []msg
		want string // prefix of the verdict
		why  string // part of a failing verdict
	}{
		{"in order", []msg{{1, "s", 1}, {2, "s", 2}, {3, "s", 3}}, "ok:", ""},
		{"without Sequence headers", []msg{{1, "", 0}, {2, "", 0}, {3, "", 0}}, "ok:", ""},
		{"duplicate", []msg{{1, "s", 1}, {1, "s", 1}, {2, "s", 2}, {3, "s", 3}}, "fail:", "each once, in order"},
		{"out of order", []msg{{2, "s", 2}, {1, "s", 1}, {3, "s", 3}}, "fail:", "each once, in order"},
		{"missing", []msg{{1, "s", 1}, {3, "s", 3}}, "fail:", "each once, in order"},
		{"renumbered", []msg{{1, "s", 1}, {2, "s", 3}, {3, "s", 4}}, "fail:", "message 2 had message number 3"},
		{"two sequences", []msg{{1, "s", 1}, {2, "t", 2}, {3, "s", 3}}, "fail:", "message 2 came on another sequence"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := &cxfRMLedger{}
			h := l.app(soap.HandlerFunc(func(context.Context, *soap.Message) (*soap.Message, error) { return nil, nil }))
			for _, m := range tc.msgs {
				req := soap.NewMessageWithBody(soap.V12, pingElement("notify", "message", cxfRMText("tag", m.index, 3)))
				if m.seq != "" {
					seq := etree.NewElement("r:Sequence")
					seq.CreateAttr("xmlns:r", "http://schemas.xmlsoap.org/ws/2005/02/rm")
					seq.CreateElement("r:Identifier").SetText(m.seq)
					seq.CreateElement("r:MessageNumber").SetText(fmt.Sprint(m.number))
					req.AddHeader(seq)
				}
				_, err := h.ServeSOAP(context.Background(), req)
				require.NoError(t, err)
			}
			v := l.verdict("tag")
			assert.True(t, strings.HasPrefix(v, tc.want), v)
			assert.Contains(t, v, tc.why)
			assert.True(t, strings.HasPrefix(l.verdict("other"), "fail: nothing delivered"))
		})
	}
}

// cxfRMRawSession drives a WS-RM 1.0 request-reply session by hand against a
// peer endpoint (raw SOAP 1.2 over HTTP, WS-Addressing 1.0), so the peer's
// verdict can be tested without package reliable.
type cxfRMRawSession struct {
	t   *testing.T
	url string
	seq string
}

const cxfRMRawNS = "http://schemas.xmlsoap.org/ws/2005/02/rm"

func (s *cxfRMRawSession) post(action, headers, body string) string {
	s.t.Helper()
	id, err := soap.NewMessageID(nil)
	require.NoError(s.t, err)
	env := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:r="` + cxfRMRawNS + `"><s:Header>` +
		`<a:Action s:mustUnderstand="1">` + action + `</a:Action><a:MessageID>` + id + `</a:MessageID>` +
		`<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">` + s.url + `</a:To>` +
		headers + `</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
	resp, err := http.Post(s.url, "application/soap+xml; charset=utf-8", bytes.NewBufferString(env))
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	require.Less(s.t, resp.StatusCode, 300, "%s: HTTP %d: %s", action, resp.StatusCode, b)
	return string(b)
}

func (s *cxfRMRawSession) create() {
	r := s.post(cxfRMRawNS+"/CreateSequence", "", `<r:CreateSequence><r:AcksTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></r:AcksTo>`+
		`<r:Offer><r:Identifier>urn:uuid:`+newCXFRMTag()+`</r:Identifier></r:Offer></r:CreateSequence>`)
	m := regexp.MustCompile(`<wsrm:Identifier>([^<]+)</wsrm:Identifier>`).FindStringSubmatch(r)
	require.NotNil(s.t, m, "no sequence in %s", r)
	s.seq = m[1]
}

func (s *cxfRMRawSession) sequence(n int, last bool) string {
	h := fmt.Sprintf(`<r:Sequence s:mustUnderstand="1"><r:Identifier>%s</r:Identifier><r:MessageNumber>%d</r:MessageNumber>`, s.seq, n)
	if last {
		h += `<r:LastMessage/>`
	}
	return h + `</r:Sequence>`
}

func (s *cxfRMRawSession) echo(n int, text string) {
	r := s.post(ActionEcho, s.sequence(n, false), `<echo xmlns="`+NSPing+`"><request>`+text+`</request></echo>`)
	require.Contains(s.t, r, text)
}

// TestCXFReliableVerdict proves that the CXF peer's rm verdict (its
// /rm/status endpoint, which TestCXFReliable's go-to-peer cases rely on)
// fails sessions that are wrong on the wire and passes a right one. The
// sessions are written by hand (WS-RM 1.0, the forms WCF uses: a
// standalone LastMessage, then TerminateSequence).
func TestCXFReliableVerdict(t *testing.T) {
	peer, err := FindCXF()
	require.NoError(t, err)
	var log tailBuffer
	log.max = 8 << 10
	peer.Log = &log
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	require.NoError(t, peer.Build(ctx), log.String())
	srv, err := peer.StartServer(ctx)
	require.NoError(t, err, log.String())
	defer srv.Close()
	url := srv.URL + "/rm/RM10"

	tests := []struct {
		name            string
		rm              bool // inside a sequence (else plain echo calls)
		duplicate       bool // send message 1 twice
		last, terminate bool
		want            string
		why             []string
	}{
		{name: "complete", rm: true, duplicate: true, last: true, terminate: true, want: "ok:", why: []string{"1 retransmission"}},
		{name: "no TerminateSequence", rm: true, last: true, want: "fail:", why: []string{"no TerminateSequence"}},
		{name: "no LastMessage", rm: true, terminate: true, want: "fail:", why: []string{"no LastMessage"}},
		{name: "not reliable", want: "fail:", why: []string{"nothing delivered"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &cxfRMRawSession{t: t, url: url}
			tag := newCXFRMTag()
			if !tc.rm {
				for i := 1; i <= 2; i++ {
					cli := &PingClient{Invoker: soap.NewHTTPClient(url), Version: soap.V12, Addressing: soap.WSA10, To: url}
					// CXF's rm endpoints refuse messages outside a sequence
					_, err := cli.Echo(ctx, cxfRMText(tag, i, 2))
					require.ErrorContains(t, err, "WS-ReliableMessaging is required by this endpoint")
				}
				// CXF's service logs each refusal: those complaints are
				// this case's expected ones, and nothing else may be there.
				var complaints []string
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
					complaints = append(complaints, srv.TakePeerLog()...)
					if countContaining(complaints, "WS-ReliableMessaging is required by this endpoint") >= 2 {
						break
					}
				}
				assert.Equal(t, 2, countContaining(complaints, "WS-ReliableMessaging is required by this endpoint"), "%q", complaints)
				for _, c := range complaints {
					if !strings.Contains(c, "WS-ReliableMessaging is required by this endpoint") {
						assert.Contains(t, c, "Not ensuring reliability for the transmission of a runtime fault")
					}
				}
			} else {
				s.create()
				s.echo(1, cxfRMText(tag, 1, 2))
				if tc.duplicate {
					// CXF answers a retransmitted request with an acknowledgement only
					r := s.post(ActionEcho, s.sequence(1, false), `<echo xmlns="`+NSPing+`"><request>`+cxfRMText(tag, 1, 2)+`</request></echo>`)
					assert.Contains(t, r, cxfRMRawNS+"/SequenceAcknowledgement")
				}
				s.echo(2, cxfRMText(tag, 2, 2))
				if tc.last {
					r := s.post(cxfRMRawNS+"/LastMessage", s.sequence(3, true), "")
					assert.Contains(t, r, `Upper="3" Lower="1"`, "the LastMessage is acknowledged")
				}
				if tc.terminate {
					s.post(cxfRMRawNS+"/TerminateSequence", "", `<r:TerminateSequence><r:Identifier>`+s.seq+`</r:Identifier></r:TerminateSequence>`)
				}
			}
			// every message was answered, so the verdict is final at once
			v, err := cxfRMVerdict(ctx, srv.URL, tag, 0)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(v, tc.want), v)
			for _, w := range tc.why {
				assert.Contains(t, v, w)
			}
		})
	}
	assert.Empty(t, srv.TakePeerLog())
}

// countContaining counts the lines holding sub.
func countContaining(lines []string, sub string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}
