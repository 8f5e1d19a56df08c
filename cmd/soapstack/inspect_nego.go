package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/negotiate"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
)

// negoReport describes a negotiation leg (TLSNEGO, SPNEGO): an RST, RSTR
// or RSTR collection of WS-Trust 2005/02 or 1.3 carrying a
// wst:BinaryExchange, or the final collection with the proof token and the
// Authenticator. Only structure is reported: nothing here is verified.
type negoReport struct {
	TrustVersion string     `json:"trustVersion"`
	Element      string     `json:"element"`
	Messages     []negoRSTR `json:"messages"`
	Notes        []string   `json:"notes,omitempty"`
	exchanges    int        // BinaryExchange elements seen
}

// negoRSTR is one RST or RSTR of a leg.
type negoRSTR struct {
	Element        string        `json:"element"`
	Context        string        `json:"context"`
	TokenType      string        `json:"tokenType,omitempty"`
	RequestType    string        `json:"requestType,omitempty"`
	KeySize        string        `json:"keySize,omitempty"`
	Exchange       *negoExchange `json:"binaryExchange,omitempty"`
	RequestedToken string        `json:"requestedToken,omitempty"`
	Proof          *negoProof    `json:"requestedProofToken,omitempty"`
	Created        string        `json:"created,omitempty"`
	Expires        string        `json:"expires,omitempty"`
	// Authenticator is the size of CombinedHash (0: none).
	Authenticator int `json:"authenticatorCombinedHash,omitempty"`
}

// negoExchange is a wst:BinaryExchange.
type negoExchange struct {
	ValueType string `json:"valueType"`
	// LeadingSpace flags the TLSNEGO ValueType written with a leading
	// space (WCF's WS-Trust 2005/02 form).
	LeadingSpace bool         `json:"leadingSpace,omitempty"`
	Mechanism    string       `json:"mechanism"`
	EncodingType string       `json:"encodingType,omitempty"`
	Size         int          `json:"size"`
	Error        string       `json:"error,omitempty"`
	TLS          *tlsFlight   `json:"tls,omitempty"`
	SPNEGO       *spnegoToken `json:"spnego,omitempty"`
}

// negoProof is the RequestedProofToken of the final leg.
type negoProof struct {
	Algorithm string     `json:"algorithm"`
	Wrap      string     `json:"wrap"`
	Size      int        `json:"size"`
	Error     string     `json:"error,omitempty"`
	TLS       *tlsFlight `json:"tls,omitempty"`
}

// maxNegoBlob bounds the base64 text decoded for inspect (the engine's
// bound, negotiate.MaxBlobSize, with room to report a larger blob).
const maxNegoBlob = 4 * negotiate.MaxBlobSize

// inspectNegotiation returns the report of a negotiation leg, or nil when
// the body is no RST/RSTR/RSTRC with a BinaryExchange or an Authenticator.
func inspectNegotiation(body *etree.Element) *negoReport {
	if body == nil {
		return nil
	}
	n := soap.ElementName(body)
	var v string
	switch n.Space {
	case wstrust.NSTrust200502:
		v = "2005/02"
	case wstrust.NSTrust13:
		v = "1.3"
	default:
		return nil
	}
	r := &negoReport{TrustVersion: v, Element: n.Local, Messages: []negoRSTR{}}
	switch n.Local {
	case "RequestSecurityToken", "RequestSecurityTokenResponse":
		r.Messages = append(r.Messages, r.rstr(body, n.Space))
	case "RequestSecurityTokenResponseCollection":
		for i, c := range body.ChildElements() {
			if i == maxChildrenListed {
				r.Notes = append(r.Notes, fmt.Sprintf("more than %d responses: the rest is not listed", maxChildrenListed))
				break
			}
			if cn := soap.ElementName(c); cn.Space == n.Space && cn.Local == "RequestSecurityTokenResponse" {
				r.Messages = append(r.Messages, r.rstr(c, n.Space))
			}
		}
	default:
		return nil
	}
	auth := false
	for _, m := range r.Messages {
		auth = auth || m.Authenticator > 0
	}
	if r.exchanges == 0 && !auth {
		return nil // an ordinary RST/RSTR (an SCT Issue, Renew, Cancel)
	}
	if n.Local == "RequestSecurityTokenResponseCollection" {
		if !auth {
			r.Notes = append(r.Notes, "the final collection has no Authenticator/CombinedHash")
		}
		ctx := map[string]bool{}
		for _, m := range r.Messages {
			ctx[m.Context] = true
		}
		if len(ctx) > 1 {
			r.Notes = append(r.Notes, "the responses of the collection carry different Context values")
		}
	}
	return r
}

// maxChildrenListed caps the RSTRs of a collection and the children of
// one RSTR that are read.
const maxChildrenListed = 32

func (r *negoReport) rstr(el *etree.Element, ns string) negoRSTR {
	m := negoRSTR{Element: soap.ElementName(el).Local, Context: el.SelectAttrValue("Context", "")}
	for i, c := range el.ChildElements() {
		if i == maxChildrenListed {
			r.Notes = append(r.Notes, fmt.Sprintf("%s has more than %d children: the rest is not read", m.Element, maxChildrenListed))
			break
		}
		cn := soap.ElementName(c)
		if cn.Space != ns {
			continue
		}
		switch cn.Local {
		case "TokenType":
			m.TokenType = shortText(c)
		case "RequestType":
			m.RequestType = shortText(c)
		case "KeySize":
			m.KeySize = shortText(c)
		case "BinaryExchange":
			r.exchanges++
			m.Exchange = r.exchange(c, ns)
		case "RequestedSecurityToken":
			m.RequestedToken = requestedToken(c)
		case "RequestedProofToken":
			m.Proof = proofToken(c)
		case "Lifetime":
			for _, t := range c.ChildElements() {
				switch soap.ElementName(t).Local {
				case "Created":
					m.Created = shortText(t)
				case "Expires":
					m.Expires = shortText(t)
				}
			}
		case "Authenticator":
			if ch := c.SelectElement("CombinedHash"); ch != nil {
				b, err := decodeBlob(ch.Text())
				m.Authenticator = len(b)
				if err != nil || len(b) == 0 {
					r.Notes = append(r.Notes, "Authenticator/CombinedHash is not base64 or empty")
					m.Authenticator = -1
				} else if len(b) != 32 {
					r.Notes = append(r.Notes, fmt.Sprintf("CombinedHash of %d bytes (WCF: 32)", len(b)))
				}
			} else {
				r.Notes = append(r.Notes, "Authenticator without CombinedHash")
			}
		}
	}
	return m
}

func shortText(el *etree.Element) string {
	s := strings.TrimSpace(el.Text())
	if len(s) > 256 {
		s = s[:256] + "…"
	}
	return s
}

// decodeBlob decodes base64 text, whitespace allowed, bounded.
func decodeBlob(s string) ([]byte, error) {
	if len(s) > base64.StdEncoding.EncodedLen(maxNegoBlob)*2 {
		return nil, fmt.Errorf("larger than %d bytes: not decoded", maxNegoBlob)
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	return b, nil
}

func (r *negoReport) exchange(el *etree.Element, ns string) *negoExchange {
	vt := el.SelectAttrValue("ValueType", "")
	x := &negoExchange{ValueType: vt, EncodingType: el.SelectAttrValue("EncodingType", "")}
	trimmed := strings.TrimSpace(vt)
	switch trimmed {
	case strings.TrimSpace(negotiate.ValueTypeTLSNego13):
		x.Mechanism = "TLSNEGO"
		x.LeadingSpace = strings.HasPrefix(vt, " ")
		switch {
		case ns == wstrust.NSTrust200502 && !x.LeadingSpace:
			r.Notes = append(r.Notes, "the TLSNEGO ValueType has no leading space: WCF writes \" "+trimmed+"\" under WS-Trust 2005/02 (its 2005/02 acceptor takes both forms)")
		case ns == wstrust.NSTrust13 && x.LeadingSpace:
			r.Notes = append(r.Notes, "the TLSNEGO ValueType has the leading space of WS-Trust 2005/02 under WS-Trust 1.3")
		}
	case negotiate.ValueTypeSPNego13:
		x.Mechanism = "SPNEGO"
	default:
		x.Mechanism = "unknown"
	}
	if x.EncodingType != "" && x.EncodingType != negotiate.EncodingBase64 {
		x.Error = "EncodingType is not Base64Binary: not decoded"
		return x
	}
	b, err := decodeBlob(el.Text())
	if err != nil {
		x.Error = err.Error()
		return x
	}
	x.Size = len(b)
	if len(b) > negotiate.MaxBlobSize {
		r.Notes = append(r.Notes, fmt.Sprintf("a blob of %d bytes exceeds soapstack's bound (%d)", len(b), negotiate.MaxBlobSize))
	}
	switch {
	case x.Mechanism == "TLSNEGO" || x.Mechanism == "unknown" && looksLikeTLS(b):
		x.TLS = decodeTLS(b, false)
	case x.Mechanism == "SPNEGO" || x.Mechanism == "unknown" && looksLikeSPNEGO(b):
		x.SPNEGO = decodeSPNEGO(b)
	}
	return x
}

// requestedToken names the issued token (an SCT with its Identifier).
func requestedToken(el *etree.Element) string {
	kids := el.ChildElements()
	if len(kids) != 1 {
		return fmt.Sprintf("%d elements", len(kids))
	}
	tok := kids[0]
	name := soap.ElementName(tok)
	if name.Local == "SecurityContextToken" {
		if sct, err := wstrust.ParseSCT(tok); err == nil {
			return "SecurityContextToken " + sct.Identifier
		}
	}
	return "{" + name.Space + "}" + name.Local
}

func proofToken(el *etree.Element) *negoProof {
	p := &negoProof{}
	ek := el.SelectElement("EncryptedKey")
	if ek == nil {
		p.Error = "no xenc:EncryptedKey"
		return p
	}
	if em := ek.SelectElement("EncryptionMethod"); em != nil {
		p.Algorithm = em.SelectAttrValue("Algorithm", "")
	}
	switch p.Algorithm {
	case negotiate.AlgTLSWrap:
		p.Wrap = "TLS_Wrap"
	case negotiate.AlgGSSWrap:
		p.Wrap = "GSS_Wrap"
	default:
		p.Wrap = "unknown"
	}
	cv := ek.FindElement("CipherData/CipherValue")
	if cv == nil {
		p.Error = "no CipherData/CipherValue"
		return p
	}
	b, err := decodeBlob(cv.Text())
	if err != nil {
		p.Error = err.Error()
		return p
	}
	p.Size = len(b)
	if p.Wrap == "TLS_Wrap" || p.Wrap == "unknown" && looksLikeTLS(b) {
		p.TLS = decodeTLS(b, true)
	}
	return p
}

// inspectOutput is the JSON of soapstack inspect: the wssecurity report,
// plus the negotiation leg when the body is one.
type inspectOutput struct {
	*wssecurity.InspectReport
	Negotiation *negoReport `json:"negotiation,omitempty"`
}

func printNegotiation(w io.Writer, r *negoReport) {
	fmt.Fprintf(w, "negotiation (WS-Trust %s): %s\n", r.TrustVersion, r.Element)
	for _, m := range r.Messages {
		fmt.Fprintf(w, "  %s Context %q\n", m.Element, m.Context)
		for _, kv := range [][2]string{{"TokenType", m.TokenType}, {"RequestType", m.RequestType}, {"KeySize", m.KeySize},
			{"RequestedSecurityToken", m.RequestedToken}, {"Created", m.Created}, {"Expires", m.Expires}} {
			if kv[1] != "" {
				fmt.Fprintf(w, "    %s: %s\n", kv[0], kv[1])
			}
		}
		if x := m.Exchange; x != nil {
			space := ""
			if x.LeadingSpace {
				space = ", leading space (WCF's WS-Trust 2005/02 form)"
			}
			fmt.Fprintf(w, "    BinaryExchange %s ValueType %q%s: %d bytes\n", x.Mechanism, x.ValueType, space, x.Size)
			if x.Error != "" {
				fmt.Fprintf(w, "      error: %s\n", x.Error)
			}
			printTLS(w, x.TLS, "      ")
			if s := x.SPNEGO; s != nil {
				fmt.Fprintf(w, "      SPNEGO %s\n", s.Kind)
				if len(s.MechTypes) > 0 {
					fmt.Fprintf(w, "        mechTypes: %s\n", strings.Join(s.MechTypes, ", "))
				}
				for _, kv := range [][2]string{{"negState", s.NegState}, {"supportedMech", s.SupportedMech}, {"error", s.Error}} {
					if kv[1] != "" {
						fmt.Fprintf(w, "        %s: %s\n", kv[0], kv[1])
					}
				}
				if s.MechToken != "" {
					fmt.Fprintf(w, "        mechToken: %s, %d bytes\n", s.MechToken, s.MechTokenSize)
				}
				if s.MechListMIC {
					fmt.Fprintln(w, "        mechListMIC present")
				}
			}
		}
		if p := m.Proof; p != nil {
			fmt.Fprintf(w, "    RequestedProofToken: EncryptedKey %s (%s), %d bytes\n", p.Wrap, p.Algorithm, p.Size)
			if p.Error != "" {
				fmt.Fprintf(w, "      error: %s\n", p.Error)
			}
			printTLS(w, p.TLS, "      ")
		}
		switch {
		case m.Authenticator > 0:
			fmt.Fprintf(w, "    Authenticator: CombinedHash, %d bytes\n", m.Authenticator)
		case m.Authenticator < 0:
			fmt.Fprintln(w, "    Authenticator: CombinedHash unreadable")
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

func printTLS(w io.Writer, f *tlsFlight, indent string) {
	if f == nil {
		return
	}
	for _, rec := range f.Records {
		tr := ""
		if rec.Truncated {
			tr = " (truncated)"
		}
		fmt.Fprintf(w, "%sTLS record %s %s, %d bytes%s\n", indent, rec.Type, rec.Version, rec.Length, tr)
	}
	for _, h := range f.Handshakes {
		var parts []string
		if len(h.Offered) > 0 {
			parts = append(parts, "offers "+strings.Join(h.Offered, ", "))
		}
		if h.CipherSuites > 0 {
			parts = append(parts, fmt.Sprintf("%d cipher suites", h.CipherSuites))
		}
		if h.SNI != "" {
			parts = append(parts, "SNI "+h.SNI)
		}
		if h.Version != "" {
			parts = append(parts, "chose "+h.Version)
		}
		if h.CipherSuite != "" {
			parts = append(parts, h.CipherSuite)
		}
		for _, s := range h.Subjects {
			parts = append(parts, "subject "+s)
		}
		if h.Error != "" {
			parts = append(parts, "error: "+h.Error)
		}
		line := fmt.Sprintf("%s%s (%d bytes)", indent, h.Type, h.Length)
		if len(parts) > 0 {
			line += ": " + strings.Join(parts, "; ")
		}
		fmt.Fprintln(w, line)
	}
	for _, n := range f.Notes {
		fmt.Fprintf(w, "%snote: %s\n", indent, n)
	}
}
