package spnego

import (
	"context"
	"encoding/asn1"
	"testing"
	"time"

	gasn1 "github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/iana/asnAppTag"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// firstToken is a fresh initiator's NegTokenInit.
func firstToken(t *testing.T, r *realm) (*Initiator, []byte) {
	t.Helper()
	in := r.initiator(t, nil)
	tok, _, err := in.Step(context.Background(), nil)
	require.NoError(t, err)
	return in, tok
}

// editAPReq re-encodes a NegTokenInit after edit changed its AP-REQ, as an
// attacker on the wire would.
func editAPReq(t *testing.T, tok []byte, edit func(*messages.APReq)) []byte {
	t.Helper()
	n, err := parseNegTokenInit(tok)
	require.NoError(t, err)
	_, msg, err := krb5Unframe(n.MechToken)
	require.NoError(t, err)
	var req messages.APReq
	require.NoError(t, req.Unmarshal(msg))
	edit(&req)
	b, err := req.Marshal()
	require.NoError(t, err)
	n.MechToken, err = krb5Frame(tokAPReq, b)
	require.NoError(t, err)
	out, err := n.marshal()
	require.NoError(t, err)
	return out
}

// editAPRep re-encodes a NegTokenResp after edit changed its AP-REP.
func editAPRep(t *testing.T, tok []byte, edit func(*messages.APRep)) []byte {
	t.Helper()
	r, err := parseNegTokenResp(tok)
	require.NoError(t, err)
	_, msg, err := krb5Unframe(r.ResponseToken)
	require.NoError(t, err)
	var rep messages.APRep
	require.NoError(t, rep.Unmarshal(msg))
	edit(&rep)
	b, err := gasn1.Marshal(rep)
	require.NoError(t, err)
	r.ResponseToken, err = krb5Frame(tokAPRep, asn1tools.AddASNAppTag(b, asnAppTag.APREP))
	require.NoError(t, err)
	out, err := r.marshal()
	require.NoError(t, err)
	return out
}

// TestAcceptorAttacks: each tampered, replayed, misdirected or stale
// AP-REQ is refused, by the check named in want.
func TestAcceptorAttacks(t *testing.T) {
	r := startRealm(t)
	ctx := context.Background()
	// A keytab with the service's name and key version but another key.
	wrongKT := keytab.New()
	require.NoError(t, wrongKT.AddEntry(r.kdc.ServiceSPN, r.kdc.Realm, "not-the-key", time.Now(), uint8(r.kt.Entries[0].KVNO), 18))
	require.NoError(t, wrongKT.AddEntry(r.kdc.ServiceSPN, r.kdc.Realm, "not-the-key", time.Now(), uint8(r.kt.Entries[0].KVNO), 17))
	staleKT := keytab.New()
	require.NoError(t, staleKT.AddEntry(r.kdc.ServiceSPN, r.kdc.Realm, "old", time.Now(), uint8(r.kt.Entries[0].KVNO)+1, 18))

	cases := []struct {
		name string
		svc  func(*ServiceConfig)
		tok  func(t *testing.T, tok []byte) []byte
		want error
	}{
		{"wrong service key", func(c *ServiceConfig) { c.Keytab = wrongKT }, nil, ErrIntegrity},
		{"no key for the ticket's kvno", func(c *ServiceConfig) { c.Keytab = staleKT }, nil, ErrNoKey},
		{"ticket for another service", func(c *ServiceConfig) { c.Principal = "HTTP/other.soapstack.test" }, nil, ErrWrongPrincipal},
		{"ticket of another realm", func(c *ServiceConfig) { c.Principal = r.kdc.ServiceSPN + "@OTHER.TEST" }, nil, ErrWrongPrincipal},
		{"ticket expired", func(c *ServiceConfig) { c.Now = func() time.Time { return time.Now().Add(2 * time.Hour) } }, nil, ErrTicketTime},
		{"ticket not yet valid", func(c *ServiceConfig) { c.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) } }, nil, ErrTicketTime},
		{"tampered authenticator", nil, func(t *testing.T, tok []byte) []byte {
			return editAPReq(t, tok, func(q *messages.APReq) { q.EncryptedAuthenticator.Cipher[20] ^= 1 })
		}, ErrIntegrity},
		{"tampered ticket", nil, func(t *testing.T, tok []byte) []byte {
			return editAPReq(t, tok, func(q *messages.APReq) { q.Ticket.EncPart.Cipher[20] ^= 1 })
		}, ErrIntegrity},
		{"ticket renamed to another service", nil, func(t *testing.T, tok []byte) []byte {
			return editAPReq(t, tok, func(q *messages.APReq) { q.Ticket.SName.NameString[1] = "other.soapstack.test" })
		}, ErrWrongPrincipal},
		{"truncated authenticator", nil, func(t *testing.T, tok []byte) []byte {
			return editAPReq(t, tok, func(q *messages.APReq) { q.EncryptedAuthenticator.Cipher = q.EncryptedAuthenticator.Cipher[:20] })
		}, ErrMalformed},
		{"truncated token", nil, func(t *testing.T, tok []byte) []byte { return tok[:len(tok)-10] }, ErrMalformed},
		{"token with trailing bytes", nil, func(t *testing.T, tok []byte) []byte { return append(tok, 0) }, ErrMalformed},
		{"NTLM offered first", nil, func(t *testing.T, tok []byte) []byte {
			n, err := parseNegTokenInit(tok)
			require.NoError(t, err)
			n.MechTypes = []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 311, 2, 2, 10}, oidKRB5}
			n.MechTypesDER = nil
			b, err := n.marshal()
			require.NoError(t, err)
			return b
		}, ErrUnsupportedMech},
		{"no mechanism token", nil, func(t *testing.T, tok []byte) []byte {
			n, err := parseNegTokenInit(tok)
			require.NoError(t, err)
			n.MechToken = nil
			b, err := n.marshal()
			require.NoError(t, err)
			return b
		}, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, tok := firstToken(t, r)
			if c.tok != nil {
				tok = c.tok(t, tok)
			}
			acc := r.service(t, c.svc).Acceptor()
			out, done, err := acc.Step(ctx, tok)
			require.ErrorIs(t, err, c.want)
			assert.Nil(t, out)
			assert.False(t, done)
			_, ok := acc.Principal()
			assert.False(t, ok)
			_, err = acc.Wrap([]byte("key"))
			assert.ErrorIs(t, err, ErrState, "no key wrapped after a failed handshake")
		})
	}

	t.Run("clock skew", func(t *testing.T) {
		// The initiator's clock is ten minutes slow: its ticket is valid,
		// its authenticator too old.
		in := r.initiator(t, func(c *InitiatorConfig) { c.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) } })
		tok, _, err := in.Step(ctx, nil)
		require.NoError(t, err)
		_, _, err = r.service(t, nil).Acceptor().Step(ctx, tok)
		require.ErrorIs(t, err, ErrClockSkew)
		// Within the configured skew it passes.
		in = r.initiator(t, func(c *InitiatorConfig) { c.Now = func() time.Time { return time.Now().Add(-4 * time.Minute) } })
		tok, _, err = in.Step(ctx, nil)
		require.NoError(t, err)
		_, _, err = r.service(t, nil).Acceptor().Step(ctx, tok)
		require.NoError(t, err)
	})
	t.Run("replayed AP-REQ", func(t *testing.T) {
		svc := r.service(t, nil)
		_, tok := firstToken(t, r)
		_, _, err := svc.Acceptor().Step(ctx, tok)
		require.NoError(t, err)
		_, _, err = svc.Acceptor().Step(ctx, tok)
		require.ErrorIs(t, err, ErrReplay)
	})
	t.Run("replay cache full fails closed", func(t *testing.T) {
		svc := r.service(t, func(c *ServiceConfig) { c.Replay = wssecurity.NewMemoryReplayCache(wssecurity.WithMaxEntries(1)) })
		_, tok := firstToken(t, r)
		_, _, err := svc.Acceptor().Step(ctx, tok)
		require.NoError(t, err)
		_, tok2 := firstToken(t, r)
		_, _, err = svc.Acceptor().Step(ctx, tok2)
		require.ErrorIs(t, err, wssecurity.ErrReplayCacheFull)
	})
}

// TestInitiatorAttacks: a forged, replayed, tampered or missing AP-REP
// fails mutual authentication, and a tampered wrap token does not open.
func TestInitiatorAttacks(t *testing.T) {
	r := startRealm(t)
	ctx := context.Background()
	svc := r.service(t, nil)
	// A genuine exchange whose AP-REP a later attacker replays.
	oldIn, oldTok := firstToken(t, r)
	oldResp, _, err := svc.Acceptor().Step(ctx, oldTok)
	require.NoError(t, err)
	_, _, err = oldIn.Step(ctx, oldResp)
	require.NoError(t, err)

	cases := []struct {
		name string
		resp func(t *testing.T, resp []byte) []byte
		want error
	}{
		{"replayed AP-REP of another exchange", func(*testing.T, []byte) []byte { return oldResp }, ErrMutualAuth},
		{"tampered AP-REP", func(t *testing.T, resp []byte) []byte {
			return editAPRep(t, resp, func(p *messages.APRep) { p.EncPart.Cipher[10] ^= 1 })
		}, ErrIntegrity},
		{"AP-REP under another enctype", func(t *testing.T, resp []byte) []byte {
			return editAPRep(t, resp, func(p *messages.APRep) { p.EncPart.EType = 17 })
		}, ErrMutualAuth},
		{"no AP-REP", func(t *testing.T, _ []byte) []byte {
			b, err := (&negTokenResp{NegState: negAcceptCompleted, SupportedMech: oidKRB5}).marshal()
			require.NoError(t, err)
			return b
		}, ErrMutualAuth},
		{"rejected", func(t *testing.T, _ []byte) []byte {
			b, err := (&negTokenResp{NegState: negReject}).marshal()
			require.NoError(t, err)
			return b
		}, ErrRejected},
		{"another mechanism chosen", func(t *testing.T, resp []byte) []byte {
			p, err := parseNegTokenResp(resp)
			require.NoError(t, err)
			p.SupportedMech = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 2, 10}
			b, err := p.marshal()
			require.NoError(t, err)
			return b
		}, ErrUnsupportedMech},
		{"truncated", func(t *testing.T, resp []byte) []byte { return resp[:len(resp)/2] }, ErrMalformed},
		{"bad mechListMIC", func(t *testing.T, resp []byte) []byte {
			p, err := parseNegTokenResp(resp)
			require.NoError(t, err)
			p.MechListMIC = make([]byte, 28)
			b, err := p.marshal()
			require.NoError(t, err)
			return b
		}, ErrMIC},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, tok := firstToken(t, r)
			resp, _, err := svc.Acceptor().Step(ctx, tok)
			require.NoError(t, err)
			out, done, err := in.Step(ctx, c.resp(t, resp))
			require.ErrorIs(t, err, c.want)
			assert.Nil(t, out)
			assert.False(t, done)
			_, err = in.Unwrap(make([]byte, 80))
			assert.ErrorIs(t, err, ErrState, "nothing unwrapped after a failed handshake")
		})
	}

	// Wrap tokens of a completed exchange.
	in, tok := firstToken(t, r)
	acc := svc.Acceptor()
	resp, _, err := acc.Step(ctx, tok)
	require.NoError(t, err)
	_, _, err = in.Step(ctx, resp)
	require.NoError(t, err)
	good, err := acc.Wrap(randomKey(t))
	require.NoError(t, err)
	other, err := oldIn.Unwrap(good)
	assert.ErrorIs(t, err, ErrWrap, "another context's key does not open it: %x", other)
	wrapCases := []struct {
		name string
		edit func([]byte) []byte
		want error
	}{
		{"bad checksum", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, ErrWrap},
		{"flipped ciphertext", func(b []byte) []byte { b[30] ^= 1; return b }, ErrWrap},
		{"header changed (sequence number)", func(b []byte) []byte { b[15] ^= 1; return b }, ErrWrap},
		{"not sealed", func(b []byte) []byte { b[2] &^= flagSealed; return b }, ErrWrap},
		{"from the initiator", func(b []byte) []byte { b[2] &^= flagSentByAcceptor; return b }, ErrWrap},
		{"not under the acceptor subkey", func(b []byte) []byte { b[2] &^= flagAcceptorSubkey; return b }, ErrWrap},
		{"EC larger than the token", func(b []byte) []byte { b[4] = 0x10; return b }, ErrMalformed},
		{"truncated", func(b []byte) []byte { return b[:40] }, ErrMalformed},
		{"not a wrap token", func(b []byte) []byte { b[0] = 4; return b }, ErrMalformed},
	}
	for _, c := range wrapCases {
		t.Run("wrap "+c.name, func(t *testing.T) {
			_, err := in.Unwrap(c.edit(append([]byte(nil), good...)))
			require.ErrorIs(t, err, c.want)
		})
	}
}
