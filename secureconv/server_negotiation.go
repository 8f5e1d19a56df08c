package secureconv

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"

	"github.com/soapstack/soapstack/soap"
)

// issueNegotiated issues the token of a completed negotiation
// (NegotiationIssuer): the session itself when there is no bootstrap
// policy (WCF's establishSecurityContext=false), otherwise a token kept
// apart that only protects Issue requests.
func (s *server) issueNegotiated(ctx context.Context, peer *soap.Principal, key []byte) (*NegotiatedToken, error) {
	start := s.cfg.now()
	v := s.cfg.Version.wire()
	tmpl := &SessionToken{Claims: Claims{Method: AuthAnonymous}}
	if peer != nil {
		tmpl.Identities = peer.Identities
		if id := peer.Primary(); id != nil && id.Certificate != nil {
			sum := sha256.Sum256(id.Certificate.Raw)
			tmpl.Claims = Claims{Method: AuthCertificate, CertSubject: id.Certificate.Subject.String(), CertThumbprintSHA256: sum[:]}
		}
	}
	cache, session := s.negCache, s.negCache == nil
	if session {
		cache = s.cache
		tmpl.CookieMode = s.rings != nil
		if s.cfg.TransformClaims != nil {
			p := &soap.Principal{Identities: tmpl.Identities}
			if len(p.Identities) == 0 {
				p.Identities = []soap.Identity{soap.AnonymousIdentity()}
			}
			np, err := s.cfg.TransformClaims(ctx, p)
			if err == nil && np == nil {
				err = errors.New("TransformClaims returned no principal")
			}
			if err != nil {
				return nil, soap.AccessDeniedFault(fmt.Errorf("secureconv: TransformClaims: %w", err))
			}
			tmpl.Identities = np.Identities
		}
	}
	if len(tmpl.Identities) == 0 {
		tmpl.Identities = []soap.Identity{soap.AnonymousIdentity()}
	}
	if err := validateIdentities(tmpl.Identities); err != nil {
		return nil, soap.ReceiverFault(reasonInternal).WithCause(err)
	}
	tok, sct, err := s.storeToken(ctx, tmpl, key, cache, session)
	if err != nil {
		s.log.WarnContext(ctx, "secureconv: negotiated token not issued", slog.Any("error", err))
		if errors.Is(err, ErrCacheFull) {
			return nil, soap.ReceiverFault("The service has too many pending security sessions; try again later.").WithCause(err)
		}
		return nil, err
	}
	if session {
		emit(s.cfg.OnEvent, Event{Kind: EventIssued, ContextID: tok.ContextID, Duration: s.cfg.now().Sub(start)})
	}
	return &NegotiatedToken{Element: sct.Build(v), Attached: sct.AttachedReference(v), Unattached: sct.UnattachedReference(v),
		Key: key, Created: tok.ValidFrom, Expires: tok.ValidTo}, nil
}

// joinIdentities returns the authenticated identities of a and b, in
// order, or a when neither has one.
func joinIdentities(a, b []soap.Identity) []soap.Identity {
	var ids []soap.Identity
	for _, set := range [][]soap.Identity{a, b} {
		for _, id := range set {
			if id.AuthenticationMethod != "" {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return a
	}
	return ids
}
