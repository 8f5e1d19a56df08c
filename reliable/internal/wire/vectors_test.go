package wire

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// vtContext declares the prefixes the published WCF fragments use without
// declaring them (their ancestors were not published): SOAP 1.2, WS-A 1.0
// as both a and wsa, the RM namespace of the file's version as wsrm and
// r, netrm, and (dflt) the RM namespace as default namespace, for the
// dotnet/docs CreateSequenceResponse example (37), which writes its
// children unprefixed.
func vtContext(rmNS string, dflt bool) *etree.Element {
	ctx := etree.NewElement("ctx")
	for _, d := range [][2]string{
		{"s", soap.NS12}, {"a", NSWSA10}, {"wsa", NSWSA10}, {"wsrm", rmNS}, {"r", rmNS},
		{"netrm", NSNetRM}, {"wsse", NSWSSE},
	} {
		ctx.CreateAttr("xmlns:"+d[0], d[1])
	}
	if dflt {
		ctx.CreateAttr("xmlns", rmNS)
	}
	return ctx
}

// vtParse parses a capture file: HTTP headers before the first '<' are
// dropped (Metro's dumps), the rest is parsed below ctx.
func vtParse(t *testing.T, name string, ctx *etree.Element) *etree.Element {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.Index(b, []byte("<?xml")); i >= 0 {
		b = b[i:]
		if j := bytes.Index(b, []byte("?>")); j >= 0 {
			b = b[j+2:]
		}
	} else if i := bytes.IndexByte(b, '<'); i >= 0 {
		b = b[i:]
	}
	if i := bytes.Index(b, []byte("\n\nnull: HTTP/")); i >= 0 {
		b = b[:i]
	}
	toks, err := xmlutil.ParseFragment(b, ctx, xmlutil.Limits{MaxBytes: 4 << 20, MaxDepth: 64, MaxElements: 100000})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, tok := range toks {
		ctx.AddChild(tok)
	}
	return ctx
}

// vtSummary parses every RM element that is a header, a body child or a
// stand-alone fragment below root, in document order, and describes it in
// the notation of the Metro probe's summary.txt.
func vtSummary(t *testing.T, name string, root *etree.Element) []string {
	t.Helper()
	var out []string
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for _, c := range el.ChildElements() {
			n := xmlutil.ElementName(c)
			v, ok := VersionOf(n.Space)
			if !ok {
				if n.Local != "EncryptedData" {
					walk(c)
				}
				continue
			}
			p := map[Version]string{V200502: "rm10", V11: "rm11"}[v]
			s, err := vtDescribe(c)
			if err != nil {
				t.Errorf("%s: %s: %v", name, n.Local, err)
				continue
			}
			out = append(out, p+":"+s)
		}
	}
	walk(root)
	return out
}

func vtShort(id string) string {
	if len(id) > 6 {
		return id[len(id)-6:]
	}
	return id
}

func vtRanges(a *SequenceAcknowledgement) string {
	var parts []string
	for _, r := range a.Ranges {
		parts = append(parts, fmt.Sprintf("[%d-%d]", r.Lower, r.Upper))
	}
	for _, n := range a.Nacks {
		parts = append(parts, fmt.Sprintf("nack %d", n))
	}
	if len(parts) == 0 {
		parts = []string{"None"}
	}
	if a.Final {
		parts = append(parts, "Final")
	}
	if a.BufferRemaining != nil {
		parts = append(parts, fmt.Sprintf("buffer %d", *a.BufferRemaining))
	}
	return strings.Join(parts, " ")
}

// vtDescribe parses one RM element with its codec.
func vtDescribe(el *etree.Element) (string, error) {
	switch xmlutil.ElementName(el).Local {
	case elSequence:
		s, err := ParseSequence(el)
		if err != nil {
			return "", err
		}
		last := ""
		if s.LastMessage {
			last = " LastMessage"
		}
		return fmt.Sprintf("Sequence(id=%s #%d%s)", vtShort(s.Identifier), s.MessageNumber, last), nil
	case elAckRequested:
		a, err := ParseAckRequested(el)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("AckRequested(id=%s)", vtShort(a.Identifier)), nil
	case elSequenceAcknowledgement:
		a, err := ParseSequenceAcknowledgement(el)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("SequenceAcknowledgement(id=%s %s)", vtShort(a.Identifier), vtRanges(a)), nil
	case elUsesSequenceSTR, elUsesSequenceSSL:
		u, err := ParseUsesSequence(el)
		if err != nil {
			return "", err
		}
		return u.local() + "()", nil
	case elCreateSequence:
		cs, err := ParseCreateSequence(el)
		if err != nil {
			return "", err
		}
		s := fmt.Sprintf("CreateSequence(acksTo=%s", cs.AcksTo.Address)
		if o := cs.Offer; o != nil {
			s += " offer=" + vtShort(o.Identifier)
			if o.Endpoint != nil {
				s += " endpoint=" + o.Endpoint.Address
			}
			if o.IncompleteSequenceBehavior != 0 {
				s += " " + o.IncompleteSequenceBehavior.String()
			}
		}
		if cs.SecurityTokenReference != nil {
			s += " str"
		}
		return s + ")", nil
	case elCreateSequenceResponse:
		r, err := ParseCreateSequenceResponse(el)
		if err != nil {
			return "", err
		}
		s := "CreateSequenceResponse(id=" + vtShort(r.Identifier)
		if r.IncompleteSequenceBehavior != 0 {
			s += " " + r.IncompleteSequenceBehavior.String()
		}
		if r.Accept != nil {
			s += " accept=" + r.Accept.Address
		}
		return s + ")", nil
	case elCloseSequence, elCloseSequenceResponse, elTerminateSequence, elTerminateSequenceResponse:
		c, err := ParseSequenceControl(el)
		if err != nil {
			return "", err
		}
		s := fmt.Sprintf("%s(id=%s", c.Kind.local(), vtShort(c.Identifier))
		if c.LastMsgNumber != 0 {
			s += fmt.Sprintf(" last=%d", c.LastMsgNumber)
		}
		return s + ")", nil
	}
	return "", fmt.Errorf("no codec for %s", el.Tag)
}

var vtSummaryLine = regexp.MustCompile(`^(\d\d) (REQ|RESP)`)

// vtMetroSummary reads summary.txt: per side ("client", "server") and
// file name, the RM headers it lists, and whether the body is an RM body.
func vtMetroSummary(t *testing.T, name string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	side, file := "", ""
	for _, line := range strings.Split(string(b), "\n") {
		if s, ok := strings.CutPrefix(line, "===== "); ok {
			side = strings.TrimSpace(s)
			continue
		}
		if m := vtSummaryLine.FindStringSubmatch(line); m != nil {
			file = side + "-msgs/" + m[1] + "-" + strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(m[2], "Q"), "P")) + ".xml"
			file = strings.Replace(file, "-re.xml", "-req.xml", 1)
			file = strings.Replace(file, "-res.xml", "-resp.xml", 1)
			continue
		}
		h, ok := strings.CutPrefix(strings.TrimSpace(line), "H: ")
		if !ok {
			continue
		}
		hdrs, _, _ := strings.Cut(h, "  B:")
		out[file] = nil
		for _, e := range strings.Split(hdrs, " | ") {
			if strings.HasPrefix(e, "rm10:") || strings.HasPrefix(e, "rm11:") {
				out[file] = append(out[file], strings.TrimSpace(e))
			}
		}
	}
	return out
}

// metroBodies are the RM bodies of the Metro captures (both sides carry
// the same exchange): the CreateSequenceResponse identifiers are those the
// Sequence headers then use, the offers those of the replies.
var metroBodies = map[string]string{
	"rm10/01":         "rm10:CreateSequence(acksTo=http://www.w3.org/2005/08/addressing/anonymous offer=1b4365)",
	"rm10/02":         "rm10:CreateSequenceResponse(id=fab643 accept=http://127.0.0.1:18082/Rm10Port)",
	"rm10/13":         "rm10:TerminateSequence(id=fab643)",
	"rm10/14":         "rm10:TerminateSequence(id=1b4365)",
	"rm11/01":         "rm11:CreateSequence(acksTo=http://www.w3.org/2005/08/addressing/anonymous offer=ff2b88 endpoint=http://www.w3.org/2005/08/addressing/anonymous)",
	"rm11/02":         "rm11:CreateSequenceResponse(id=ff0748 accept=http://127.0.0.1:18083/Rm11Port)",
	"rm11/11":         "rm11:CloseSequence(id=ff0748 last=4)",
	"rm11/12":         "rm11:CloseSequenceResponse(id=ff0748)",
	"rm11/13":         "rm11:TerminateSequence(id=ff0748 last=4)",
	"rm11/14":         "rm11:TerminateSequenceResponse(id=ff0748)",
	"rm11sc-clear/03": "rm11:CreateSequence(acksTo=http://www.w3.org/2005/08/addressing/anonymous offer=62301a endpoint=http://www.w3.org/2005/08/addressing/anonymous str)",
	"rm11sc-clear/04": "rm11:CreateSequenceResponse(id=1ff7d8 accept=http://127.0.0.1:18087/Rm11ScClearPort)",
	"rm11sc-clear/13": "rm11:CloseSequence(id=1ff7d8 last=4)",
	"rm11sc-clear/14": "rm11:CloseSequenceResponse(id=1ff7d8)",
	"rm11sc-clear/15": "rm11:TerminateSequence(id=1ff7d8 last=4)",
	"rm11sc-clear/16": "rm11:TerminateSequenceResponse(id=1ff7d8)",
}

// TestMetroVectors parses every RM header and clear body of Metro's
// captures (rm10, rm10sc, rm11, rm11sc-clear; both sides) and checks the
// headers against the probe's own summary.txt, and the bodies against the
// identifiers the sequences then use.
func TestMetroVectors(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "metro", "*"))
	if len(dirs) != 4 {
		t.Fatalf("want 4 Metro capture sets, got %d", len(dirs))
	}
	total := 0
	for _, dir := range dirs {
		want := vtMetroSummary(t, filepath.Join(dir, "summary.txt"))
		files, _ := filepath.Glob(filepath.Join(dir, "*-msgs", "*.xml"))
		if len(files) != len(want) {
			t.Errorf("%s: %d files, summary lists %d", dir, len(files), len(want))
		}
		sort.Strings(files)
		for _, f := range files {
			rel, _ := filepath.Rel(dir, f)
			root := vtParse(t, f, etree.NewElement("ctx"))
			got := vtSummary(t, f, root)
			var headers, bodies []string
			for _, g := range got {
				if strings.HasPrefix(g[5:], "CreateSequence") || strings.HasPrefix(g[5:], "CloseSequence") || strings.HasPrefix(g[5:], "TerminateSequence") {
					bodies = append(bodies, g)
					continue
				}
				headers = append(headers, g)
			}
			total += len(got)
			w, ok := want[filepath.ToSlash(rel)]
			if !ok {
				t.Errorf("%s: not in summary.txt", rel)
				continue
			}
			if strings.Join(headers, " | ") != strings.Join(w, " | ") {
				t.Errorf("%s/%s headers:\n got %q\nwant %q", dir, rel, headers, w)
			}
			key := filepath.Base(dir) + "/" + filepath.Base(f)[:2]
			if strings.Join(bodies, " | ") != metroBodies[key] {
				t.Errorf("%s/%s bodies:\n got %q\nwant %q", dir, rel, strings.Join(bodies, " | "), metroBodies[key])
			}
		}
	}
	if total < 200 {
		t.Errorf("parsed only %d RM elements", total)
	}
}

func TestMetroVectorsDump(t *testing.T) {
	if os.Getenv("RM_DUMP") == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "metro", "*", "client-msgs", "*.xml"))
	for _, f := range files {
		t.Log(f, vtSummary(t, f, vtParse(t, f, etree.NewElement("ctx"))))
	}
}
