package wssecurity

import (
	"bytes"
	"fmt"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/c14n"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlutil"
	"github.com/soapstack/soapstack/soap"
)

// Principal returns who a verified request (server side) came from: a
// soap.UsernameIdentity for its UsernameToken, a soap.CertificateIdentity
// for the client certificate that signed or endorsed it, both when it
// carries both (the user name first), and one soap.AnonymousIdentity when it
// carries no credential. A request protected by a secure session carries
// its session's identifier (Session.ContextID and Version; package
// secureconv adds what the session token knows). BootstrapToken is set when
// the layer's Config.KeepBootstrapToken is. Each call returns a new value.
func (e *Exchange) Principal() *soap.Principal {
	p := &soap.Principal{}
	if e.ex.username != "" {
		p.Identities = append(p.Identities, soap.UsernameIdentity(e.ex.username))
	}
	if e.ex.peerCert != nil {
		p.Identities = append(p.Identities, soap.CertificateIdentity(e.ex.peerCert))
	}
	if len(p.Identities) == 0 {
		p.Identities = append(p.Identities, soap.AnonymousIdentity())
	}
	if s := e.ex.session; s != nil && s.Identifier != "" {
		p.Session = &soap.SessionInfo{ContextID: s.Identifier, Version: sessionVersion(s.Namespace)}
	}
	if e.ex.bootstrap != nil {
		p.BootstrapToken = append([]byte(nil), e.ex.bootstrap...)
	}
	return p
}

// sessionVersion names the WS-SecureConversation version of a namespace as
// soap.SessionInfo does.
func sessionVersion(ns string) string {
	switch ns {
	case wsse.NSWSC200502:
		return "2005/02"
	case wsse.NSWSC13:
		return "1.3"
	}
	return ""
}

// keepBootstrap stores in ex the canonical XML (exclusive C14N) of the
// token that authenticated the request: the UsernameToken without its
// wsse:Password (a password is never kept), or the client's
// binarySecurityToken (written from the certificate when the message only
// referenced it). A request without either keeps nothing.
func keepBootstrap(ex *exchange) error {
	var el *etree.Element
	switch {
	case ex.utEl != nil:
		el = xmlutil.CopyWithScope(ex.utEl)
		for _, c := range el.ChildElements() {
			if xmlutil.Is(c, wsse.NSWSSE, "Password") {
				el.RemoveChild(c)
			}
		}
	case ex.certEl != nil:
		el = xmlutil.CopyWithScope(ex.certEl)
	case ex.peerCert != nil:
		el = wsse.NewBinarySecurityToken(ex.peerCert, "")
	default:
		return nil
	}
	var b bytes.Buffer
	if err := c14n.Canonicalize(&b, el); err != nil {
		return fmt.Errorf("wssecurity: bootstrap token: %w", err)
	}
	ex.bootstrap = b.Bytes()
	return nil
}
