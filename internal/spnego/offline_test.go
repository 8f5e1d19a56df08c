package spnego

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"log/slog"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An offline realm: tickets gokrb5 makes from a keytab, no KDC. It serves
// the fuzz targets' seeds and the tests that need no KDC.
const (
	offRealm = "SOAPSTACK.TEST"
	offSPN   = "HTTP/server.soapstack.test"
)

func offlineKeytab(t testing.TB) *keytab.Keytab {
	t.Helper()
	kt := keytab.New()
	require.NoError(t, kt.AddEntry(offSPN, offRealm, "service-password", time.Now(), 1, 18))
	return kt
}

// offlineInitiator is an Initiator whose tickets gokrb5 makes from kt.
func offlineInitiator(t testing.TB, kt *keytab.Keytab) *Initiator {
	t.Helper()
	in := &Initiator{
		cfg:    InitiatorConfig{SPN: offSPN, Now: time.Now, Rand: rand.Reader},
		log:    slog.New(slog.DiscardHandler),
		cname:  types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, "alice"),
		crealm: offRealm,
	}
	in.tickets = func(context.Context) (messages.Ticket, types.EncryptionKey, error) {
		now := time.Now().UTC()
		return messages.NewTicket(in.cname, offRealm, types.NewPrincipalName(nametype.KRB_NT_SRV_INST, offSPN), offRealm,
			types.NewKrbFlags(), kt, 18, 1, now, now, now.Add(time.Hour), now.Add(time.Hour))
	}
	return in
}

func offlineService(t testing.TB, kt *keytab.Keytab) *Service {
	t.Helper()
	s, err := NewService(ServiceConfig{Keytab: kt, Principal: offSPN})
	require.NoError(t, err)
	return s
}

// TestOffline runs the whole exchange on gokrb5-made tickets (no KDC), so
// -short still covers the code paths.
func TestOffline(t *testing.T) {
	kt := offlineKeytab(t)
	in, acc := offlineInitiator(t, kt), offlineService(t, kt).Acceptor()
	handshake(t, in, acc)
	p, ok := acc.Principal()
	require.True(t, ok)
	assert.Equal(t, "alice@SOAPSTACK.TEST", p.String())
	key := randomKey(t)
	w, err := acc.Wrap(key)
	require.NoError(t, err)
	got, err := in.Unwrap(w)
	require.NoError(t, err)
	assert.Equal(t, key, got)
	peer := acc.Peer()
	require.NotNil(t, peer)
	assert.Equal(t, "alice@SOAPSTACK.TEST", peer.Name())
	assert.Nil(t, offlineService(t, kt).Acceptor().Peer(), "no peer before the handshake")
	_, err = acc.Unwrap(w)
	assert.ErrorIs(t, err, ErrState)
	_, err = in.Wrap(key)
	assert.ErrorIs(t, err, ErrState)
}

// TestRequestMIC: an acceptor that asks for the initiator's mechListMIC
// (negState request-mic) gets it, verifiable under the acceptor subkey,
// and the initiator completes on the acceptor's accept-completed.
func TestRequestMIC(t *testing.T) {
	kt := offlineKeytab(t)
	in, acc := offlineInitiator(t, kt), offlineService(t, kt).Acceptor()
	ctx := context.Background()
	tok, _, err := in.Step(ctx, nil)
	require.NoError(t, err)
	resp, _, err := acc.Step(ctx, tok)
	require.NoError(t, err)
	r, err := parseNegTokenResp(resp)
	require.NoError(t, err)
	r.NegState = negRequestMIC
	r.MechListMIC, err = makeMIC(acc.subkey, usageAcceptorSign, flagSentByAcceptor|flagAcceptorSubkey, uint64(acc.seq), in.mechTypes)
	require.NoError(t, err)
	resp, err = r.marshal()
	require.NoError(t, err)
	out, done, err := in.Step(ctx, resp)
	require.NoError(t, err)
	require.False(t, done)
	mr, err := parseNegTokenResp(out)
	require.NoError(t, err)
	require.NoError(t, verifyMIC(mr.MechListMIC, acc.subkey, usageInitiatorSign, false, in.mechTypes))
	final, err := (&negTokenResp{NegState: negAcceptCompleted}).marshal()
	require.NoError(t, err)
	out, done, err = in.Step(ctx, final)
	require.NoError(t, err)
	assert.True(t, done)
	assert.Nil(t, out)
	// The engine may hand the last token over again; another one is refused.
	out, done, err = in.Step(ctx, final)
	require.NoError(t, err)
	assert.True(t, done)
	assert.Nil(t, out)
	_, _, err = in.Step(ctx, resp)
	assert.ErrorIs(t, err, ErrState)
}

// TestConfigErrors: unusable configurations are refused when built.
func TestConfigErrors(t *testing.T) {
	_, err := NewInitiator(InitiatorConfig{SPN: offSPN})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewService(ServiceConfig{})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewService(ServiceConfig{Keytab: offlineKeytab(t), MaxClockSkew: -time.Second})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewService(ServiceConfig{Keytab: offlineKeytab(t), Style: 9})
	assert.ErrorIs(t, err, ErrConfig)
}

// TestFactories: the engine's factories make a fresh, working mechanism
// per negotiation.
func TestFactories(t *testing.T) {
	kt := offlineKeytab(t)
	svc := offlineService(t, kt)
	_, err := NewInitiatorFactory(InitiatorConfig{SPN: offSPN})
	assert.ErrorIs(t, err, ErrConfig)
	ctx := context.Background()
	a1, err := svc.NewMechanism(ctx)
	require.NoError(t, err)
	a2, err := svc.NewMechanism(ctx)
	require.NoError(t, err)
	assert.NotSame(t, a1, a2)
	in := offlineInitiator(t, kt)
	handshake(t, in, a1.(*Acceptor))
}

// TestWindowsInitToken: a NegTokenInit shaped as Windows sends it (MS
// Kerberos OID first, then the standard one and NTLM) is accepted and the
// acceptor echoes the OID the initiator preferred.
func TestWindowsInitToken(t *testing.T) {
	kt := offlineKeytab(t)
	in := offlineInitiator(t, kt)
	tok, _, err := in.Step(context.Background(), nil)
	require.NoError(t, err)
	n, err := parseNegTokenInit(tok)
	require.NoError(t, err)
	n.MechTypes = []asn1.ObjectIdentifier{oidMSKRB5, oidKRB5, {1, 3, 6, 1, 4, 1, 311, 2, 2, 10}}
	n.MechTypesDER = nil
	tok, err = n.marshal()
	require.NoError(t, err)
	resp, done, err := offlineService(t, kt).Acceptor().Step(context.Background(), tok)
	require.NoError(t, err)
	require.True(t, done)
	r, err := parseNegTokenResp(resp)
	require.NoError(t, err)
	assert.True(t, r.SupportedMech.Equal(oidMSKRB5))
	assert.Equal(t, negAcceptCompleted, r.NegState)
}

// TestKRBErrorReply: a reject carrying the acceptor's KRB-ERROR reports
// its code.
func TestKRBErrorReply(t *testing.T) {
	in := offlineInitiator(t, offlineKeytab(t))
	_, _, err := in.Step(context.Background(), nil)
	require.NoError(t, err)
	ke := messages.NewKRBError(types.NewPrincipalName(nametype.KRB_NT_SRV_INST, offSPN), offRealm, 37, "skew")
	b, err := ke.Marshal()
	require.NoError(t, err)
	tok, err := krb5Frame(tokKRBError, b)
	require.NoError(t, err)
	resp, err := (&negTokenResp{NegState: negReject, ResponseToken: tok}).marshal()
	require.NoError(t, err)
	_, _, err = in.Step(context.Background(), resp)
	require.ErrorIs(t, err, ErrRejected)
	require.ErrorIs(t, err, ErrKerberos)
	assert.Contains(t, err.Error(), "code 37")
}
