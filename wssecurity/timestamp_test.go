package wssecurity

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return tm.UTC()
}

func TestNewTimestamp(t *testing.T) {
	now := time.Date(2026, 11, 22, 19, 11, 14, 851999999, time.FixedZone("CET", 3600))
	tests := []struct {
		name        string
		ttl         time.Duration
		id          string
		wantCreated string
		wantExpires string
	}{
		{"wcf defaults", 5 * time.Minute, "_0", "2026-11-22T18:11:14.851Z", "2026-11-22T18:16:14.851Z"},
		{"no id", time.Hour, "", "2026-11-22T18:11:14.851Z", "2026-11-22T19:11:14.851Z"},
		{"no expires", 0, "TS-1", "2026-11-22T18:11:14.851Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			el := wsse.NewTimestamp(now, tt.ttl, tt.id)
			assert.Equal(t, tt.wantCreated, tokFind(t, el, wsse.NSWSU, "Created").Text())
			exp := tokFindAll(el, wsse.NSWSU, "Expires")
			if tt.wantExpires == "" {
				assert.Empty(t, exp)
			} else {
				require.Len(t, exp, 1)
				assert.Equal(t, tt.wantExpires, exp[0].Text())
			}
			ts, err := wsse.ParseTimestamp(el)
			require.NoError(t, err)
			assert.Equal(t, tt.id, ts.ID)
			assert.Equal(t, mustTime(t, tt.wantCreated), ts.Created)
			assert.Same(t, el, ts.Element)
			require.NoError(t, ts.Check(now, 0, time.Minute))
		})
	}
}

// TestParseTimestampVectors reads the Timestamps WSS4J and WCF wrote.
func TestParseTimestampVectors(t *testing.T) {
	var j05, j06 struct {
		Timestamp struct {
			ID      string `json:"wsu_id"`
			Created string `json:"created"`
			Expires string `json:"expires"`
		} `json:"timestamp"`
	}
	require.NoError(t, json.Unmarshal(tokData(t, "msg_05.json"), &j05))
	require.NoError(t, json.Unmarshal(tokData(t, "msg_06.json"), &j06))
	tests := []struct {
		file, id, created, expires string
	}{
		{"msg_01.xml", "TS-7098CD685C6E241FB717953746737471", "2026-11-22T19:11:13.732Z", "2036-11-19T19:11:13.732Z"},
		{"msg_02.xml", "TS-7098CD685C6E241FB7179537467414110", "2026-11-22T19:11:14.140Z", "2036-11-19T19:11:14.140Z"},
		{"msg_03.xml", "TS-7098CD685C6E241FB7179537467432822", "2026-11-22T19:11:14.327Z", "2036-11-19T19:11:14.327Z"},
		{"msg_04.xml", "TS-7098CD685C6E241FB7179537467437734", "2026-11-22T19:11:14.376Z", "2036-11-19T19:11:14.376Z"},
		{"msg_05.xml", j05.Timestamp.ID, j05.Timestamp.Created, j05.Timestamp.Expires},
		{"msg_06.xml", j06.Timestamp.ID, j06.Timestamp.Created, j06.Timestamp.Expires},
		{"03_corewcf_app-request-sct-hmac.xml", "_0", "2024-02-14T02:07:04.784Z", "2024-02-14T02:12:04.784Z"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			all := tokFindAll(tokDoc(t, tt.file), wsse.NSWSU, "Timestamp")
			require.Len(t, all, 1)
			ts, err := wsse.ParseTimestamp(all[0])
			require.NoError(t, err)
			assert.Equal(t, tt.id, ts.ID)
			assert.Equal(t, mustTime(t, tt.created), ts.Created)
			assert.Equal(t, mustTime(t, tt.expires), ts.Expires)
			// At a clock pinned just after Created, a verifier that also
			// bounds the age (5 minutes, as WSS4J) accepts it.
			require.NoError(t, ts.Check(ts.Created.Add(2*time.Second), DefaultMaxClockSkew, 5*time.Minute))
			// An hour later the age bound rejects it as stale.
			assert.ErrorIs(t, ts.Check(ts.Created.Add(time.Hour), DefaultMaxClockSkew, 5*time.Minute), ErrExpired)
		})
	}
}

func tsXML(created, expires string) string {
	s := `<wsu:Timestamp wsu:Id="TS-1">`
	if created != "" {
		s += `<wsu:Created>` + created + `</wsu:Created>`
	}
	if expires != "" {
		s += `<wsu:Expires>` + expires + `</wsu:Expires>`
	}
	return s + `</wsu:Timestamp>`
}

// TestParseTimestampRejects holds the attack and malformed cases.
func TestParseTimestampRejects(t *testing.T) {
	const c, e = "2026-11-22T19:11:14.851Z", "2026-11-22T19:16:14.851Z"
	tests := []struct{ name, xml string }{
		{"two Created", `<wsu:Timestamp><wsu:Created>` + c + `</wsu:Created><wsu:Created>` + c + `</wsu:Created><wsu:Expires>` + e + `</wsu:Expires></wsu:Timestamp>`},
		{"two Expires", `<wsu:Timestamp><wsu:Created>` + c + `</wsu:Created><wsu:Expires>` + e + `</wsu:Expires><wsu:Expires>` + e + `</wsu:Expires></wsu:Timestamp>`},
		{"Expires before Created element", `<wsu:Timestamp><wsu:Expires>` + e + `</wsu:Expires><wsu:Created>` + c + `</wsu:Created></wsu:Timestamp>`},
		{"Created after Expires", tsXML(e, c)},
		{"Created equals Expires", tsXML(c, c)},
		{"no Created", tsXML("", e)},
		{"empty", `<wsu:Timestamp/>`},
		{"offset +01:00", tsXML("2026-11-22T20:11:14.851+01:00", e)},
		{"offset -05:00 on Expires", tsXML(c, "2026-11-22T14:16:14.851-05:00")},
		{"offset -00:00", tsXML("2026-11-22T19:11:14.851-00:00", e)},
		{"no zone", tsXML("2026-11-22T19:11:14.851", e)},
		{"lower-case z", tsXML("2026-11-22T19:11:14.851z", e)},
		{"February 30", tsXML("2026-02-30T19:11:14Z", e)},
		{"hour 24", tsXML("2026-11-22T24:00:00Z", e)},
		{"leap second", tsXML("2026-11-22T19:11:60Z", e)},
		{"year 0000", tsXML("0000-11-22T19:11:14Z", e)},
		{"five-digit year", tsXML("20260-11-22T19:11:14Z", e)},
		{"negative year", tsXML("-2026-11-22T19:11:14Z", e)},
		{"empty fraction", tsXML("2026-11-22T19:11:14.Z", e)},
		{"date only", tsXML("2026-11-22Z", e)},
		{"not a date", tsXML("yesterday", e)},
		{"huge value", tsXML("2026-11-22T19:11:14."+fmt.Sprintf("%0300d", 1)+"Z", e)},
		{"ValueType on Created", `<wsu:Timestamp><wsu:Created ValueType="x">` + c + `</wsu:Created></wsu:Timestamp>`},
		{"unknown child", `<wsu:Timestamp><wsu:Created>` + c + `</wsu:Created><wsse:Nonce>AA==</wsse:Nonce></wsu:Timestamp>`},
		{"child in wrong namespace", `<wsu:Timestamp><wsse:Created>` + c + `</wsse:Created></wsu:Timestamp>`},
		{"text content", `<wsu:Timestamp>junk<wsu:Created>` + c + `</wsu:Created></wsu:Timestamp>`},
		{"element inside Created", `<wsu:Timestamp><wsu:Created><x/>` + c + `</wsu:Created></wsu:Timestamp>`},
		{"not a Timestamp", `<wsse:Timestamp><wsu:Created>` + c + `</wsu:Created></wsse:Timestamp>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wsse.ParseTimestamp(tokXML(t, tt.xml))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidSecurity)
			assert.Equal(t, FaultInvalidSecurity, FaultSubcode(err))
		})
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-11-22T19:11:14Z", time.Date(2026, 11, 22, 19, 11, 14, 0, time.UTC)},
		{"2026-11-22T19:11:14.851Z", time.Date(2026, 11, 22, 19, 11, 14, 851e6, time.UTC)},
		{"2026-11-22T19:11:14.8Z", time.Date(2026, 11, 22, 19, 11, 14, 800e6, time.UTC)},
		{"2026-11-22T19:11:14.7830000Z", time.Date(2026, 11, 22, 19, 11, 14, 783e6, time.UTC)},
		{"2026-11-22T19:11:14.123456789123Z", time.Date(2026, 11, 22, 19, 11, 14, 123456789, time.UTC)},
		{"2026-11-22T19:11:14+00:00", time.Date(2026, 11, 22, 19, 11, 14, 0, time.UTC)},
		{"\n  2024-02-29T00:00:00Z \t", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := wsse.ParseDateTime(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, time.UTC, got.Location())
		})
	}
}

func TestTimestampCheck(t *testing.T) {
	created := time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC)
	ts := &wsse.Timestamp{Created: created, Expires: created.Add(5 * time.Minute)}
	noExp := &wsse.Timestamp{Created: created}
	skew := 5 * time.Minute
	tests := []struct {
		name   string
		ts     *wsse.Timestamp
		now    time.Time
		maxAge time.Duration
		want   error
	}{
		{"fresh", ts, created.Add(time.Second), 0, nil},
		{"created slightly in the future (within skew)", ts, created.Add(-4 * time.Minute), 0, nil},
		{"created in the future", ts, created.Add(-6 * time.Minute), 0, ErrInvalidSecurity},
		{"expired within skew", ts, created.Add(9 * time.Minute), 0, nil},
		{"expired", ts, created.Add(10 * time.Minute), 0, ErrExpired},
		{"long expired", ts, created.Add(24 * time.Hour), 0, ErrExpired},
		{"age bound met", noExp, created.Add(9 * time.Minute), 5 * time.Minute, nil},
		{"stale by age", noExp, created.Add(11 * time.Minute), 5 * time.Minute, ErrExpired},
		{"no Expires, no age bound", noExp, created.Add(1000 * time.Hour), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ts.Check(tt.now, skew, tt.maxAge)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
	assert.Equal(t, FaultMessageExpired, FaultSubcode(ts.Check(created.Add(time.Hour), 0, 0)))
}

// TestParseDateTimeMSLWSSP reads the 7-digit fractions of the
// [MS-LWSSP] example's Lifetime (.NET ticks).
func TestParseDateTimeMSLWSSP(t *testing.T) {
	root := tokDoc(t, "68_ms-lwssp_4-9_context-establishment-rstr.xml")
	tests := []struct {
		local string
		want  time.Time
	}{
		{"Created", time.Date(2008, 8, 15, 1, 48, 8, 318413200, time.UTC)},
		{"Expires", time.Date(2008, 8, 15, 16, 48, 8, 318413200, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.local, func(t *testing.T) {
			got, err := wsse.ParseDateTime(tokFind(t, root, wsse.NSWSU, tt.local).Text())
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
