package wssecurity

import (
	"context"
	"testing"

	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTokenInclusion: the sender includes or references each token as its
// Inclusion says, and a receiver refuses a message that contradicts its
// own policy (ErrTokenInclusion).
func TestTokenInclusion(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	scfg.PeerCertificate = pki.client.Cert // for the tokens that are never sent
	asym := func(initiator, recipient Inclusion) Policy {
		p := MutualCertificate(WSS10, Basic256)
		it, rt := *p.InitiatorToken, *p.RecipientToken
		it.Inclusion, rt.Inclusion = initiator, recipient
		if initiator == IncludeNever {
			it.Reference = RefSKI // WSS 1.0 has no thumbprint reference
		}
		p.InitiatorToken, p.RecipientToken = &it, &rt
		return p
	}
	endorsing := func(inc Inclusion) Policy {
		p := MutualCertificate(WSS11, Basic256)
		p.Supporting = []SupportingToken{{Token: Token{Kind: X509Token, Inclusion: inc, Reference: RefThumbprint}, Role: EndorsingSupporting}}
		return p
	}
	tests := []struct {
		name           string
		client, server Policy
		// wantBST is how many BinarySecurityTokens the request carries.
		wantBST int
		// replyBST: the reply carries the service's certificate.
		replyBST bool
		// refusedBy is the side that refuses with ErrTokenInclusion.
		refusedBy side
	}{
		{"initiator included, both agree", asym(IncludeAlwaysToRecipient, IncludeNever), asym(IncludeAlwaysToRecipient, IncludeNever), 1, false, 0},
		{"initiator never sent, both agree", asym(IncludeNever, IncludeNever), asym(IncludeNever, IncludeNever), 0, false, 0},
		{"initiator included, server says never", asym(IncludeAlwaysToRecipient, IncludeNever), asym(IncludeNever, IncludeNever), 1, false, recipient},
		{"initiator referenced, server says always", asym(IncludeNever, IncludeNever), asym(IncludeAlwaysToRecipient, IncludeNever), 0, false, recipient},
		{"initiator once (sent in every request)", asym(IncludeOnce, IncludeNever), asym(IncludeOnce, IncludeNever), 1, false, 0},
		{"recipient sent to the initiator, both agree", asym(IncludeAlwaysToRecipient, IncludeAlwaysToInitiator), asym(IncludeAlwaysToRecipient, IncludeAlwaysToInitiator), 1, true, 0},
		{"recipient sent to the initiator, client says never", asym(IncludeAlwaysToRecipient, IncludeNever), asym(IncludeAlwaysToRecipient, IncludeAlwaysToInitiator), 1, true, initiator},
		{"recipient referenced, client says sent", asym(IncludeAlwaysToRecipient, IncludeAlwaysToInitiator), asym(IncludeAlwaysToRecipient, IncludeNever), 1, false, initiator},
		{"endorsing never sent, both agree", endorsing(IncludeNever), endorsing(IncludeNever), 0, false, 0},
		{"endorsing included, server says never", endorsing(IncludeAlwaysToRecipient), endorsing(IncludeNever), 1, false, recipient},
		{"endorsing referenced, server says always", endorsing(IncludeNever), endorsing(IncludeAlwaysToRecipient), 0, false, recipient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := newPair(t, tt.client, tt.server, ccfg, scfg)
			err := call(pr, t)
			req, perr := soap.ParseMessage(pr.lastReq, soap.Limits{})
			require.NoError(t, perr)
			assert.Len(t, tokFindAll(req.Envelope, wsse.NSWSSE, "BinarySecurityToken"), tt.wantBST, "tokens in the request")
			switch tt.refusedBy {
			case 0:
				require.NoError(t, err)
				assert.Equal(t, int32(1), pr.calls.Load())
			case recipient:
				f, ok := soap.AsFault(err)
				require.True(t, ok, "want a fault, got %v", err)
				assert.ErrorIs(t, f, ErrTokenInclusion)
				assert.Zero(t, pr.calls.Load(), "the app must not run")
			case initiator:
				require.ErrorIs(t, err, ErrTokenInclusion)
				assert.Contains(t, err.Error(), "reply rejected")
			}
		})
	}
	t.Run("reply carries the service certificate", func(t *testing.T) {
		p := asym(IncludeAlwaysToRecipient, IncludeAlwaysToInitiator)
		sl, err := ServerLayer(p, scfg)
		require.NoError(t, err)
		cl, err := ClientLayer(p, ccfg)
		require.NoError(t, err)
		var reply []byte
		srv := soap.ChainHandler(soap.HandlerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			return soap.Reply(req, "urn:r", req.Payload().Copy())
		}), sl)
		inv := soap.ChainInvoker(soap.InvokerFunc(func(ctx context.Context, req *soap.Message) (*soap.Message, error) {
			resp, err := srv.ServeSOAP(ctx, wire(t, req))
			if err != nil {
				return nil, err
			}
			reply, _ = resp.Bytes()
			return wire(t, resp), nil
		}), cl)
		_, err = inv.Call(context.Background(), echoRequest(t, "x"))
		require.NoError(t, err)
		m, err := soap.ParseMessage(reply, soap.Limits{})
		require.NoError(t, err)
		bsts := tokFindAll(m.Envelope, wsse.NSWSSE, "BinarySecurityToken")
		require.Len(t, bsts, 1)
		bst, err := wsse.ParseBinarySecurityToken(bsts[0])
		require.NoError(t, err)
		assert.True(t, bst.Certificate.Equal(pki.service.Cert))
	})
}
