package soap

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaultHook: the hook sees every fault the handler answers, with the
// request when there is one and the cause that never goes on the wire.
func TestFaultHook(t *testing.T) {
	type seen struct {
		req *Message
		f   *Fault
	}
	var mu sync.Mutex
	var got []seen
	hook := func(_ context.Context, req *Message, f *Fault) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, seen{req, f})
	}
	secret := errors.New("the database password is hunter2")
	mux := NewServeMux()
	mux.HandleFunc("urn:fault", func(context.Context, *Message) (*Message, error) {
		return nil, SenderFault("no").WithCause(secret)
	})
	mux.HandleFunc("urn:error", func(context.Context, *Message) (*Message, error) { return nil, secret })
	mux.HandleFunc("urn:ok", func(_ context.Context, req *Message) (*Message, error) {
		return Reply(req, "urn:okResponse", nil)
	})
	srv := httptest.NewServer(NewHTTPHandler(mux, WithFaultHook(hook), WithLogger(discardLogger())))
	defer srv.Close()
	last := func() seen {
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, got)
		return got[len(got)-1]
	}
	send := func(action string) {
		b, err := newRequest(t, srv.URL, V12, WSA10, action, "x").Bytes()
		require.NoError(t, err)
		post(t, srv.URL, http.MethodPost, ContentType12, b, nil)
	}

	send("urn:fault")
	s := last()
	require.NotNil(t, s.req)
	assert.Equal(t, "urn:fault", s.req.Addressing.Action)
	assert.ErrorIs(t, s.f, secret)
	assert.Equal(t, CodeSender, s.f.Code)

	send("urn:error")
	s = last()
	assert.Equal(t, CodeReceiver, s.f.Code)
	assert.ErrorIs(t, s.f, secret, "the hook gets the cause of an opaque fault")
	assert.NotContains(t, s.f.Reason(), "hunter2")

	send("urn:unknown")
	assert.Equal(t, "ActionNotSupported", last().f.Subcode().Local)

	post(t, srv.URL, http.MethodPost, ContentType12, []byte("<not xml"), nil)
	s = last()
	assert.Nil(t, s.req, "a request that could not be read")
	assert.Equal(t, CodeSender, s.f.Code)

	mu.Lock()
	n := len(got)
	mu.Unlock()
	send("urn:ok")
	mu.Lock()
	assert.Equal(t, n, len(got), "no hook for a reply")
	mu.Unlock()
}
