package secureconv

import (
	"context"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refBySCTIdentifier rewrites every reference to the carried SCT's wsu:Id
// into "#"+its Identifier with the WS-SC 1.3 ValueType, as Apache CXF's
// streaming client writes them (also in a 2005/02 session). extra may
// change the message further.
func refBySCTIdentifier(t *testing.T, extra func(sec, sct *etree.Element, ident string)) func(*soap.Message) {
	return func(m *soap.Message) {
		var sec, sct *etree.Element
		for _, h := range m.Header.ChildElements() {
			if h.Tag == "Security" {
				sec = h
			}
		}
		require.NotNil(t, sec)
		for _, c := range sec.ChildElements() {
			if c.Tag == "SecurityContextToken" {
				sct = c
			}
		}
		require.NotNil(t, sct, "the request carries the SCT")
		var ident string
		for _, c := range sct.ChildElements() {
			if c.Tag == "Identifier" {
				ident = c.Text()
			}
		}
		id := ""
		for _, a := range sct.Attr {
			if a.Key == "Id" {
				id = a.Value
			}
		}
		require.NotEmpty(t, id)
		n := 0
		for _, ref := range m.Envelope.FindElements("//Reference") {
			if ref.SelectAttrValue("URI", "") == "#"+id {
				ref.CreateAttr("URI", "#"+ident)
				ref.CreateAttr("ValueType", wstrust.NSSC13+"/sct")
				n++
			}
		}
		require.NotZero(t, n, "some reference named the SCT by its wsu:Id")
		if extra != nil {
			extra(sec, sct, ident)
		}
	}
}

// TestSCTReferenceByIdentifier: a "#"+Identifier reference to the SCT the
// message carries is accepted (CXF's streaming client), but only when it
// is unambiguous and typed as an SCT reference.
func TestSCTReferenceByIdentifier(t *testing.T) {
	cases := []struct {
		name  string
		extra func(sec, sct *etree.Element, ident string)
		cause error // nil: accepted
	}{
		{"as CXF streaming writes it", nil, nil},
		{"an element with that Id", func(sec, _ *etree.Element, ident string) {
			// the (unsigned) SOAP Header element now has the Identifier as
			// its Id: "#ident" names that element, not the token
			sec.Parent().CreateAttr("xmlns:u", wsse.NSWSU)
			sec.Parent().CreateAttr("u:Id", ident)
		}, wssecurity.ErrAmbiguousReference},
		{"a second SCT with that Identifier", func(sec, sct *etree.Element, _ string) {
			dup := sct.Copy()
			for i, a := range dup.Attr {
				if a.Key == "Id" {
					dup.Attr[i].Value = "other-sct"
				}
			}
			sec.InsertChildAt(sct.Index(), dup)
		}, wssecurity.ErrAmbiguousReference},
		{"no SCT ValueType", func(sec, _ *etree.Element, ident string) {
			for _, ref := range sec.FindElements(".//Reference") {
				if ref.SelectAttrValue("URI", "") == "#"+ident {
					ref.RemoveAttr("ValueType")
				}
			}
		}, wssecurity.ErrUnknownDerivationSource},
		{"an Identifier no carried SCT has", func(sec, _ *etree.Element, ident string) {
			for _, ref := range sec.FindElements(".//Reference") {
				if ref.SelectAttrValue("URI", "") == "#"+ident {
					ref.CreateAttr("URI", "#urn:uuid:00000000-0000-4000-8000-000000000000")
				}
			}
			// no session by that identifier either: the reference
			// names nothing, as before
		}, wssecurity.ErrUnknownDerivationSource},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newAttackEnv(t, nil)
			c := e.client(e.wire(e.srv, refBySCTIdentifier(t, tc.extra)), wssecurity.Config{})
			err := callEcho(t, c, "by identifier")
			if tc.cause == nil {
				require.NoError(t, err)
				assert.Equal(t, int32(1), e.calls.Load())
				return
			}
			f, ok := soap.AsFault(err)
			require.True(t, ok, "want a fault, got %v", err)
			assert.ErrorIs(t, f, tc.cause, "the wrong defence fired")
			assert.Zero(t, e.calls.Load(), "the application must not run")
		})
	}
}

// TestReplyRefersToSCTByHashIdentifier: Apache CXF's streaming service
// refers to the session in its replies by URI="#<Identifier>" without
// carrying the SCT; our client resolves that to its session.
func TestReplyRefersToSCTByHashIdentifier(t *testing.T) {
	e := newAttackEnv(t, nil)
	rewritten := 0
	tr := soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
		resp, err := e.wire(e.srv, nil).Call(ctx, req)
		if err != nil || resp == nil || req.Addressing.Action != "urn:echo" {
			return resp, err
		}
		for _, ref := range resp.Envelope.FindElements("//Reference") {
			if u := ref.SelectAttrValue("URI", ""); strings.HasPrefix(u, "urn:uuid:") {
				ref.CreateAttr("URI", "#"+u)
				ref.CreateAttr("ValueType", wstrust.NSSC13+"/sct")
				rewritten++
			}
		}
		b, err := resp.Bytes()
		require.NoError(t, err)
		return soap.ParseMessage(b, soap.Limits{})
	})
	c := e.client(tr, wssecurity.Config{})
	require.NoError(t, callEcho(t, c, "reply by #identifier"))
	assert.NotZero(t, rewritten, "the reply referred to the session by its identifier")
}
