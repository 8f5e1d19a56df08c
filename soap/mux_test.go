package soap

import (
	"context"
	"encoding/xml"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func echoMux(t *testing.T) *ServeMux {
	t.Helper()
	mux := NewServeMux()
	mux.HandleFunc("urn:echo", func(ctx context.Context, req *Message) (*Message, error) {
		return Reply(req, "urn:echoResponse", req.Payload().Copy())
	})
	return mux
}

func request(t *testing.T, v Version, wv AddressingVersion, action string) *Message {
	t.Helper()
	m := NewMessageWithBody(v, etree.NewElement("ping"))
	if wv != 0 {
		a, err := RequestAddressing(wv, action, "http://x/", nil)
		require.NoError(t, err)
		m.SetAddressing(a)
	} else {
		m.SOAPAction = action
	}
	// Round trip so the message looks as a server sees it.
	b, err := m.Bytes()
	require.NoError(t, err)
	back, err := ParseMessage(b, Limits{})
	require.NoError(t, err)
	back.SOAPAction = m.SOAPAction
	return back
}

func TestServeMuxDispatch(t *testing.T) {
	mux := echoMux(t)
	tests := []struct {
		name       string
		req        func() *Message
		wantAction string
		wantSub    string
	}{
		{"wsa10", func() *Message { return request(t, V12, WSA10, "urn:echo") }, "urn:echoResponse", ""},
		{"wsa200408", func() *Message { return request(t, V11, WSA200408, "urn:echo") }, "urn:echoResponse", ""},
		{"soapaction fallback", func() *Message { return request(t, V11, 0, "urn:echo") }, "", ""},
		{"unknown action", func() *Message { return request(t, V12, WSA10, "urn:nope") }, "", "ActionNotSupported"},
		{"soapaction spoofing", func() *Message {
			m := request(t, V11, WSA10, "urn:nope")
			m.SOAPAction = "urn:echo"
			return m
		}, "", "ActionMismatch"},
		{"must understand", func() *Message {
			m := request(t, V12, WSA10, "urn:echo")
			h := etree.NewElement("x:Unknown")
			h.CreateAttr("xmlns:x", "urn:x")
			m.AddHeader(h)
			m.SetMustUnderstand(h)
			return m
		}, "", "mu"},
		{"must understand for another role", func() *Message {
			m := request(t, V12, WSA10, "urn:echo")
			h := etree.NewElement("x:Unknown")
			h.CreateAttr("xmlns:x", "urn:x")
			h.CreateAttr("s:role", "urn:someone-else")
			m.AddHeader(h)
			m.SetMustUnderstand(h)
			return m
		}, "urn:echoResponse", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := mux.ServeSOAP(context.Background(), tt.req())
			if tt.wantSub != "" {
				f, ok := AsFault(err)
				require.True(t, ok, "want fault, got %v", err)
				if tt.wantSub == "mu" {
					assert.Equal(t, CodeMustUnderstand, f.Code)
					assert.Equal(t, []xml.Name{{Space: "urn:x", Local: "Unknown"}}, f.NotUnderstood)
				} else {
					assert.Equal(t, tt.wantSub, f.Subcode().Local)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantAction, resp.Addressing.Action)
		})
	}
}

func TestServeMuxRolesAndFallback(t *testing.T) {
	called := false
	mux := NewServeMux(WithRoles("urn:mine"), WithFallback(HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
		called = true
		return nil, nil
	})))
	m := request(t, V12, WSA10, "urn:any")
	h := etree.NewElement("x:H")
	h.CreateAttr("xmlns:x", "urn:x")
	h.CreateAttr("s:role", "urn:mine")
	m.AddHeader(h)
	m.SetMustUnderstand(h)
	_, err := mux.ServeSOAP(context.Background(), m)
	f, ok := AsFault(err)
	require.True(t, ok)
	assert.Equal(t, CodeMustUnderstand, f.Code)
	assert.False(t, called)
	m.MarkUnderstood(h)
	_, err = mux.ServeSOAP(context.Background(), m)
	require.NoError(t, err)
	assert.True(t, called)
}

func TestChainOrder(t *testing.T) {
	var order []string
	layer := func(name string) ServerLayer {
		return func(next Handler) Handler {
			return HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
				order = append(order, name)
				return next.ServeSOAP(ctx, req)
			})
		}
	}
	h := ChainHandler(HandlerFunc(func(ctx context.Context, req *Message) (*Message, error) {
		order = append(order, "app")
		return nil, nil
	}), layer("outer"), layer("inner"))
	_, _ = h.ServeSOAP(context.Background(), NewMessage(V12))
	assert.Equal(t, []string{"outer", "inner", "app"}, order)

	order = nil
	clayer := func(name string) ClientLayer {
		return func(next Invoker) Invoker {
			return InvokerFunc(func(ctx context.Context, req *Message) (*Message, error) {
				order = append(order, name)
				return next.Call(ctx, req)
			})
		}
	}
	inv := ChainInvoker(InvokerFunc(func(ctx context.Context, req *Message) (*Message, error) {
		order = append(order, "wire")
		return nil, nil
	}), clayer("app-side"), clayer("wire-side"))
	_, _ = inv.Call(context.Background(), NewMessage(V12))
	assert.Equal(t, []string{"app-side", "wire-side", "wire"}, order)
}
