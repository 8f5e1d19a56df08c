package reliable

import (
	"context"
	"testing"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/reliable/internal/wire"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerFaults checks every RM fault the layer sends, with WCF's
// subcode and the cause that fired.
func TestServerFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("UnknownSequence", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		requireFault(t, f.call(ctx, seqMsg(V11, "urn:uuid:nope", 1, testEcho, "x")), V11, "UnknownSequence", ErrUnknownSequence)
	})
	t.Run("MessageNumberRollover", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		id := f.createSeq(ctx, V11, "")
		r := f.call(ctx, seqMsg(V11, id, 1<<63, testEcho, "x"))
		requireFault(t, r, V11, "MessageNumberRollover", wire.ErrMessageNumberRollover)
		assert.Empty(t, f.ran())
	})
	t.Run("SequenceClosed", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		id := f.createSeq(ctx, V11, "")
		f.call(ctx, seqMsg(V11, id, 1, testPing, "x"))
		require.False(t, f.call(ctx, controlMsg(V11, wire.CloseSequence, id, 1)).IsFault())
		requireFault(t, f.call(ctx, seqMsg(V11, id, 2, testPing, "y")), V11, "SequenceClosed", ErrLastMessageNumberExceeded)
		// A duplicate of a delivered message is still answered.
		assert.False(t, f.call(ctx, seqMsg(V11, id, 1, testPing, "x")).IsFault())
	})
	t.Run("LastMessageNumberExceeded", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		v := V200502
		id := f.createSeq(ctx, v, "")
		m := seqMsg(v, id, 1, testPing, "x")
		sq := m.FindHeader(v.Namespace(), "Sequence")
		sq.CreateElement("r:LastMessage")
		require.False(t, f.call(ctx, m).IsFault())
		requireFault(t, f.call(ctx, seqMsg(v, id, 2, testPing, "y")), v, "LastMessageNumberExceeded", ErrLastMessageNumberExceeded)
	})
	t.Run("SequenceTerminatedInconsistentLast", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		id := f.createSeq(ctx, V11, "")
		f.call(ctx, seqMsg(V11, id, 3, testPing, "x"))
		requireFault(t, f.call(ctx, controlMsg(V11, wire.CloseSequence, id, 2)), V11, "SequenceTerminated", ErrLastMessageNumberExceeded)
	})
	t.Run("WSRMRequired", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		requireFault(t, f.call(ctx, request(soap.V12, soap.WSA10, testEcho, textPayload("echo", "x"))), V11, "WSRMRequired", ErrSequenceRequired)
		assert.Empty(t, f.ran())
	})
	t.Run("WSRM10OnlyActionNotSupported", func(t *testing.T) {
		f := newFixture(t, ServerConfig{Versions: []Version{V200502}})
		r := f.call(ctx, request(soap.V12, soap.WSA10, testEcho, textPayload("echo", "x")))
		requireFault(t, r, V200502, "ActionNotSupported", ErrSequenceRequired)
		requireFault(t, f.call(ctx, createSequenceMsg(V11, "")), V11, "ActionNotSupported", nil)
	})
	t.Run("InvalidAcknowledgement", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		offer := offerID(7)
		id := f.createSeq(ctx, V11, offer)
		f.call(ctx, seqMsg(V11, id, 1, testEcho, "x"))
		// Acknowledges reply 5; one reply was sent.
		r := f.call(ctx, withReplyAck(seqMsg(V11, id, 2, testEcho, "y"), V11, offer, wire.Range{Lower: 1, Upper: 5}))
		requireFault(t, r, V11, "InvalidAcknowledgement", ErrAckUnsent)
		assert.Equal(t, []string{"x"}, f.ran(), "the message with the bad ack is not delivered")
	})
	t.Run("StoreFailure", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		id := f.createSeq(ctx, V11, "")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		r := f.call(cctx, seqMsg(V11, id, 1, testEcho, "x"))
		require.True(t, r.IsFault())
		fl, _ := r.Fault()
		assert.Equal(t, soap.CodeReceiver, fl.Code)
		assert.ErrorIs(t, faultCause(r), context.Canceled)
		assert.Nil(t, r.FindHeader(V11.Namespace(), "SequenceAcknowledgement"), "no ack with a store failure")
	})
	t.Run("SOAP11SequenceFaultHeader", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		m := seqMsg(V200502, "urn:uuid:nope", 1, testEcho, "x")
		m11 := soap.NewMessageWithBody(soap.V11, textPayload("echo", "x"))
		a, _ := soap.RequestAddressing(soap.WSA200408, testEcho, testTo, nil)
		m11.SetAddressing(a)
		for _, h := range m.FindHeaders(V200502.Namespace(), "Sequence") {
			m11.AddHeader(h.Copy())
		}
		r := f.call(ctx, m11)
		require.True(t, r.IsFault())
		hdr := r.FindHeader(V200502.Namespace(), "SequenceFault")
		require.NotNil(t, hdr, "SOAP 1.1 carries the RM fault in the SequenceFault header")
		wf, err := wire.ParseFault(V200502, mustFault(t, r), hdr)
		require.NoError(t, err)
		assert.Equal(t, wire.UnknownSequence, wf.Kind)
		assert.Equal(t, "urn:uuid:nope", wf.Identifier)
	})
}

func mustFault(t *testing.T, m *soap.Message) *soap.Fault {
	f, err := m.Fault()
	require.NoError(t, err)
	return f
}

// TestServerAttacks: each attack is refused by the defence named.
func TestServerAttacks(t *testing.T) {
	alice := principalCtx("alice", "urn:uuid:session-a")
	mallory := principalCtx("mallory", "urn:uuid:session-m")
	aliceOtherSession := principalCtx("alice", "urn:uuid:session-b")
	v := V11
	newSeq := func(t *testing.T) (*fixture, string, string) {
		f := newFixture(t, ServerConfig{})
		offer := offerID(8)
		m := createSequenceMsg(v, offer)
		addSTR(m, v, "urn:uuid:session-a")
		r := f.call(alice, m)
		require.False(t, r.IsFault(), "%v", faultCause(r))
		csr, err := wire.ParseCreateSequenceResponse(r.Payload())
		require.NoError(t, err)
		require.False(t, f.call(alice, seqMsg(v, csr.Identifier, 1, testEcho, "a")).IsFault())
		return f, csr.Identifier, offer
	}
	t.Run("HijackFromAnotherPrincipal", func(t *testing.T) {
		f, id, _ := newSeq(t)
		requireFault(t, f.call(mallory, seqMsg(v, id, 2, testEcho, "m")), v, "UnknownSequence", ErrOwnerMismatch)
		assert.Equal(t, []string{"a"}, f.ran())
	})
	t.Run("HijackFromAnotherSessionSamePrincipal", func(t *testing.T) {
		f, id, _ := newSeq(t)
		requireFault(t, f.call(aliceOtherSession, seqMsg(v, id, 2, testEcho, "m")), v, "UnknownSequence", ErrOwnerMismatch)
	})
	t.Run("DuplicateFromAnotherPrincipalGetsNoCachedReply", func(t *testing.T) {
		f, id, _ := newSeq(t)
		requireFault(t, f.call(mallory, seqMsg(v, id, 1, testEcho, "a")), v, "UnknownSequence", ErrOwnerMismatch)
	})
	t.Run("AckSpoofing", func(t *testing.T) {
		f, _, offer := newSeq(t)
		cm := createSequenceMsg(v, offerID(9)) // mallory's own sequence, in her session
		addSTR(cm, v, "urn:uuid:session-m")
		csr, err := wire.ParseCreateSequenceResponse(f.call(mallory, cm).Payload())
		require.NoError(t, err)
		mid := csr.Identifier
		m := withReplyAck(seqMsg(v, mid, 1, testEcho, "m"), v, offer, wire.Range{Lower: 1, Upper: 1})
		requireFault(t, f.call(mallory, m), v, "UnknownSequence", ErrOwnerMismatch)
	})
	t.Run("InjectedTerminate", func(t *testing.T) {
		f, id, _ := newSeq(t)
		requireFault(t, f.call(mallory, controlMsg(v, wire.TerminateSequence, id, 0)), v, "UnknownSequence", ErrOwnerMismatch)
		assert.False(t, f.call(alice, seqMsg(v, id, 2, testEcho, "b")).IsFault(), "the sequence lives on")
	})
	t.Run("InjectedClose", func(t *testing.T) {
		f, id, _ := newSeq(t)
		requireFault(t, f.call(mallory, controlMsg(v, wire.CloseSequence, id, 1)), v, "UnknownSequence", ErrOwnerMismatch)
	})
	t.Run("TerminateOfTheReplySequence", func(t *testing.T) {
		f, _, offer := newSeq(t)
		requireFault(t, f.call(alice, controlMsg(v, wire.TerminateSequence, offer, 0)), v, "UnknownSequence", ErrNotDestination)
	})
	t.Run("CreateSequenceFlooding", func(t *testing.T) {
		f := newFixture(t, ServerConfig{MaxPendingChannels: DefaultMaxPending})
		for i := 0; i < DefaultMaxPending; i++ {
			f.createSeq(context.Background(), v, "")
		}
		r := f.call(context.Background(), createSequenceMsg(v, ""))
		requireFault(t, r, v, "ConnectionLimitReached", ErrTooManyPending)
		fl := mustFault(t, r)
		assert.Equal(t, soap.CodeReceiver, fl.Code)
		assert.Contains(t, fl.Reason(), "is too busy to process this request")
	})
	t.Run("MessageNumberOverflow", func(t *testing.T) {
		f, id, _ := newSeq(t)
		requireFault(t, f.call(alice, seqMsg(v, id, 1<<63+5, testEcho, "x")), v, "MessageNumberRollover", wire.ErrMessageNumberRollover)
	})
	t.Run("AcksToRedirection", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		for _, v := range []Version{V200502, V11} {
			cs := &wire.CreateSequence{Version: v, AcksTo: wire.EndpointReference{Address: "http://evil.example/acks"}}
			requireFault(t, f.call(context.Background(), request(soap.V12, soap.WSA10, v.CreateSequenceAction(), cs.Build())), v, "CreateSequenceRefused", ErrAcksToRefused)
		}
		m := createSequenceMsg(V11, offerID(1))
		a := m.Addressing
		a.ReplyTo = &soap.EndpointReference{Address: "http://evil.example/replies"}
		m.SetAddressing(a)
		requireFault(t, f.call(context.Background(), m), V11, "CreateSequenceRefused", ErrAcksToRefused)
		anonOther := &wire.CreateSequence{Version: V11, AcksTo: wire.EndpointReference{Address: soap.AnonymousWSA10},
			Offer: &wire.Offer{Identifier: offerID(2), Endpoint: &wire.EndpointReference{Address: "http://evil.example/o"}}}
		requireFault(t, f.call(context.Background(), request(soap.V12, soap.WSA10, V11.CreateSequenceAction(), anonOther.Build())), V11, "CreateSequenceRefused", ErrAcksToRefused)
	})
	t.Run("ForeignSessionToken", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		m := createSequenceMsg(v, offerID(3))
		addSTR(m, v, "urn:uuid:session-m")
		requireFault(t, f.call(alice, m), v, "CreateSequenceRefused", ErrSessionTokenMismatch)
	})
	t.Run("MissingSessionToken", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		requireFault(t, f.call(alice, createSequenceMsg(v, offerID(3))), v, "CreateSequenceRefused", ErrSessionTokenMissing)
		m := createSequenceMsg(v, offerID(3))
		addSTR(m, v, "urn:uuid:session-a")
		m.Header.RemoveChild(m.FindHeader(NSRM11, "UsesSequenceSTR"))
		requireFault(t, f.call(alice, m), v, "CreateSequenceRefused", ErrSessionTokenMissing)
	})
	t.Run("SecureSessionRequired", func(t *testing.T) {
		f := newFixture(t, ServerConfig{RequireSecureSession: true})
		requireFault(t, f.call(principalCtx("bob", ""), createSequenceMsg(v, "")), v, "CreateSequenceRefused", ErrSecureSessionRequired)
	})
	t.Run("OfferedIdentifierReuse", func(t *testing.T) {
		f := newFixture(t, ServerConfig{})
		ctx := context.Background()
		id := f.createSeq(ctx, v, offerID(4))
		// Another principal naming the offer is refused.
		requireFault(t, f.call(principalCtx("mallory", ""), createSequenceMsg(v, offerID(4))), v, "CreateSequenceRefused", ErrOfferInUse)
		// The same client repeating its CreateSequence (the response was
		// lost) gets the sequence it created, as WCF answers.
		assert.Equal(t, id, f.createSeq(ctx, v, offerID(4)), "a repeated CreateSequence gets its sequence")
		assert.Equal(t, 1, f.store.Len(), "no second sequence")
		// Once the sequence is in use, the offer cannot be named again.
		f.call(ctx, seqMsg(v, id, 1, testEcho, "m1"))
		requireFault(t, f.call(ctx, createSequenceMsg(v, offerID(4))), v, "CreateSequenceRefused", ErrOfferInUse)
		assert.Equal(t, 1, f.store.Len(), "the refused sequence is not kept")
	})
}

// addSTR adds the secure session's token reference to a CreateSequence
// (and 1.1's UsesSequenceSTR header), as WCF sends it.
func addSTR(m *soap.Message, v Version, contextID string) {
	m.Payload().AddChild(wstrust.NewSCTReference(wstrust.V13, contextID, ""))
	if v == V11 {
		h := wire.UsesSequenceSTR.Build()
		m.AddHeader(h)
		m.SetMustUnderstand(h)
	}
}
