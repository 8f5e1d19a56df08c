package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soapstack/soapstack/internal/negotiate"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/soap"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// negoPKI is a throwaway CA and a service certificate for service.example.
type negoPKI struct {
	ca      *x509.Certificate
	service *wssecurity.Certificate
}

func newNegoPKI(t *testing.T) *negoPKI {
	t.Helper()
	now := time.Now()
	mk := func(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		require.NoError(t, err)
		c, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return c, key
	}
	ca, caKey := mk(&x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "inspect test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, nil, nil)
	svc, svcKey := mk(&x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "service.example", Organization: []string{"soapstack"}},
		DNSNames: []string{"service.example"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, caKey)
	return &negoPKI{ca: ca, service: &wssecurity.Certificate{Cert: svc, Key: svcKey}}
}

// negoRecorder is the transport of a Go-to-Go negotiation: it serializes
// each leg, hands it to the acceptor and keeps the bytes of every message
// in order (request, answer, request, ...).
type negoRecorder struct {
	acc  *negotiate.Acceptor
	msgs [][]byte
}

func (w *negoRecorder) Call(ctx context.Context, req *soap.Message) (*soap.Message, error) {
	b, err := req.Bytes()
	if err != nil {
		return nil, err
	}
	in, err := soap.ParseMessage(b, soap.Limits{})
	if err != nil {
		return nil, err
	}
	w.msgs = append(w.msgs, b)
	resp, err := w.acc.Negotiate(ctx, in, func(ctx context.Context, _ *soap.Principal, key []byte) (*secureconv.NegotiatedToken, error) {
		v := w.accVersion(in)
		sct := &wstrust.SecurityContextToken{Version: v, ID: "uuid-sct-1", Identifier: "urn:uuid:inspect-negotiated"}
		now := time.Now()
		return &secureconv.NegotiatedToken{Element: sct.Build(v), Attached: sct.AttachedReference(v),
			Unattached: sct.UnattachedReference(v), Key: key, Created: now, Expires: now.Add(time.Hour)}, nil
	})
	if err != nil {
		return nil, err
	}
	rb, err := resp.Bytes()
	if err != nil {
		return nil, err
	}
	w.msgs = append(w.msgs, rb)
	return soap.ParseMessage(rb, soap.Limits{})
}

func (w *negoRecorder) accVersion(m *soap.Message) wstrust.Version {
	if soap.ElementName(m.Payload()).Space == wstrust.NSTrust13 {
		return wstrust.V13
	}
	return wstrust.V200502
}

// negotiateLegs runs a TLSNEGO negotiation of version v between the
// engine's initiator and acceptor and returns every message on the wire.
func negotiateLegs(t *testing.T, p *negoPKI, v wstrust.Version) [][]byte {
	t.Helper()
	srv, err := negotiate.NewTLSServer(negotiate.TLSServerConfig{Certificate: p.service})
	require.NoError(t, err)
	acc, err := negotiate.NewAcceptor(negotiate.AcceptorConfig{Version: v, NewMechanism: srv})
	require.NoError(t, err)
	cli, err := negotiate.NewTLSClient(negotiate.TLSClientConfig{Trust: wssecurity.NewTrustStore(wssecurity.WithRoots(p.ca)), DNSIdentity: "service.example"})
	require.NoError(t, err)
	ini, err := negotiate.NewInitiator(negotiate.InitiatorConfig{Version: v, NewMechanism: cli, To: "http://service.example/svc"})
	require.NoError(t, err)
	rec := &negoRecorder{acc: acc}
	nt, err := ini.Negotiate(context.Background(), rec)
	require.NoError(t, err)
	require.Len(t, nt.Key, negotiate.DefaultKeySize/8)
	return rec.msgs
}

// negoJSON is the part of inspect --json the negotiation tests read.
type negoJSON struct {
	Verified    bool        `json:"verified"`
	Negotiation *negoReport `json:"negotiation"`
}

func inspectLeg(t *testing.T, file string) (negoJSON, string) {
	t.Helper()
	_, out, errOut := runCmd("inspect", "--json", file)
	var rep negoJSON
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "%s\n%s", out, errOut)
	_, text, _ := runCmd("inspect", file)
	return rep, text
}

func handshakeTypes(f *tlsFlight) []string {
	var out []string
	for _, h := range f.Handshakes {
		out = append(out, h.Type)
	}
	return out
}

func recordTypes(f *tlsFlight) []string {
	var out []string
	for _, r := range f.Records {
		out = append(out, r.Type)
	}
	return out
}

// TestInspectNegotiationLegs inspects every leg of a TLSNEGO negotiation
// run by the engine (Go initiator and acceptor, TLS 1.3) in both WS-Trust
// versions: the RST with the ClientHello, the server's flight, the
// client's Finished and the final collection with TLS_Wrap and the
// Authenticator.
func TestInspectNegotiationLegs(t *testing.T) {
	p := newNegoPKI(t)
	for _, tc := range []struct {
		v            wstrust.Version
		name         string
		leadingSpace bool
	}{{wstrust.V200502, "2005/02", true}, {wstrust.V13, "1.3", false}} {
		t.Run(strings.ReplaceAll(tc.name, "/", ""), func(t *testing.T) {
			msgs := negotiateLegs(t, p, tc.v)
			require.Len(t, msgs, 4, "ClientHello; server flight; client Finished; final collection")
			dir := t.TempDir()
			reps := make([]*negoReport, len(msgs))
			texts := make([]string, len(msgs))
			for i, m := range msgs {
				file := filepath.Join(dir, "leg"+string(rune('1'+i))+".xml")
				require.NoError(t, os.WriteFile(file, m, 0o600))
				rep, text := inspectLeg(t, file)
				require.NotNil(t, rep.Negotiation, "leg %d:\n%s", i+1, text)
				assert.False(t, rep.Verified, "a negotiation leg carries no Security header")
				assert.Equal(t, tc.name, rep.Negotiation.TrustVersion)
				reps[i], texts[i] = rep.Negotiation, text
			}
			ctx := reps[0].Messages[0].Context
			require.True(t, strings.HasPrefix(ctx, "uuid-"), ctx)
			for i, r := range reps {
				for _, m := range r.Messages {
					assert.Equal(t, ctx, m.Context, "leg %d", i+1)
				}
			}

			// Leg 1: the RST with the ClientHello.
			rst := reps[0]
			assert.Equal(t, "RequestSecurityToken", rst.Element)
			m := rst.Messages[0]
			assert.Equal(t, "256", m.KeySize)
			assert.Equal(t, wstrust.Version(tc.v).TokenType(), m.TokenType)
			x := m.Exchange
			require.NotNil(t, x)
			assert.Equal(t, "TLSNEGO", x.Mechanism)
			assert.Equal(t, tc.leadingSpace, x.LeadingSpace)
			assert.Equal(t, negotiate.TLSNegoValueType(tc.v.TrustNamespace()), x.ValueType)
			assert.Empty(t, rst.Notes)
			require.NotNil(t, x.TLS)
			assert.Equal(t, []string{"handshake"}, recordTypes(x.TLS))
			require.Equal(t, []string{"ClientHello"}, handshakeTypes(x.TLS))
			ch := x.TLS.Handshakes[0]
			assert.Equal(t, []string{"TLS 1.3", "TLS 1.2"}, ch.Offered)
			assert.Positive(t, ch.CipherSuites)
			assert.Equal(t, "service.example", ch.SNI)
			assert.Equal(t, x.TLS.Records[0].Length+5, x.Size)
			assert.Empty(t, ch.Error)
			space := ""
			if tc.leadingSpace {
				space = ", leading space (WCF's WS-Trust 2005/02 form)"
			}
			assert.Contains(t, texts[0], "negotiation (WS-Trust "+tc.name+"): RequestSecurityToken\n")
			assert.Contains(t, texts[0], "    BinaryExchange TLSNEGO ValueType \""+x.ValueType+"\""+space+": ")
			assert.Contains(t, texts[0], "offers TLS 1.3, TLS 1.2; ")
			assert.Contains(t, texts[0], "; SNI service.example\n")

			// Leg 2: ServerHello, then TLS 1.3's encrypted flight.
			x = reps[1].Messages[0].Exchange
			require.NotNil(t, x)
			assert.Equal(t, "RequestSecurityTokenResponse", reps[1].Element)
			hs := handshakeTypes(x.TLS)
			require.NotEmpty(t, hs)
			assert.Equal(t, "ServerHello", hs[0])
			sh := x.TLS.Handshakes[0]
			assert.Equal(t, "TLS 1.3", sh.Version)
			assert.True(t, strings.HasPrefix(sh.CipherSuite, "TLS_AES_") || sh.CipherSuite == "TLS_CHACHA20_POLY1305_SHA256", sh.CipherSuite)
			assert.Contains(t, hs, "encrypted TLS 1.3 handshake messages (EncryptedExtensions to Finished)")
			assert.Contains(t, recordTypes(x.TLS), "application_data")
			assert.Empty(t, x.TLS.Notes)

			// Leg 3: the client's encrypted Finished.
			x = reps[2].Messages[0].Exchange
			require.NotNil(t, x)
			assert.Contains(t, recordTypes(x.TLS), "application_data")
			assert.Empty(t, x.TLS.Notes)

			// Leg 4: the final collection.
			fin := reps[3]
			assert.Equal(t, "RequestSecurityTokenResponseCollection", fin.Element)
			assert.Empty(t, fin.Notes)
			require.Len(t, fin.Messages, 2)
			first, auth := fin.Messages[0], fin.Messages[1]
			assert.Equal(t, "SecurityContextToken urn:uuid:inspect-negotiated", first.RequestedToken)
			assert.Nil(t, first.Exchange, "TLS 1.3: the final leg has no BinaryExchange")
			require.NotNil(t, first.Proof)
			assert.Equal(t, "TLS_Wrap", first.Proof.Wrap)
			assert.Equal(t, negotiate.AlgTLSWrap, first.Proof.Algorithm)
			require.NotNil(t, first.Proof.TLS)
			assert.Equal(t, []string{"application_data"}, recordTypes(first.Proof.TLS))
			assert.Equal(t, []string{"application data: the wrapped key"}, handshakeTypes(first.Proof.TLS))
			assert.Equal(t, 0, first.Authenticator)
			assert.Equal(t, 32, auth.Authenticator)
			assert.NotEmpty(t, first.Created)
			assert.Contains(t, texts[3], "    RequestedProofToken: EncryptedKey TLS_Wrap ("+negotiate.AlgTLSWrap+"), ")
			assert.Contains(t, texts[3], "      application data: the wrapped key (")
			assert.Contains(t, texts[3], "    Authenticator: CombinedHash, 32 bytes\n")
			// The security report comes first, as before.
			assert.Less(t, strings.Index(texts[3], "result: FAILED"), strings.Index(texts[3], "negotiation (WS-Trust"))
		})
	}
}

// recordingConn keeps what is written through it.
type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	out []byte
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.out = append(c.out, p...)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// TestInspectTLS12Flights decodes the two directions of a TLS 1.2
// handshake made by crypto/tls (which the engine also speaks, and a
// Schannel peer chooses): in clear, the Certificate shows its subject; the
// Finished after ChangeCipherSpec is encrypted.
func TestInspectTLS12Flights(t *testing.T) {
	p := newNegoPKI(t)
	a, b := net.Pipe()
	ca, cb := &recordingConn{Conn: a}, &recordingConn{Conn: b}
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	cert := tls.Certificate{Certificate: [][]byte{p.service.Cert.Raw}, PrivateKey: p.service.Key}
	srv := tls.Server(cb, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12})
	cli := tls.Client(ca, &tls.Config{RootCAs: pool, ServerName: "service.example", MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}})
	errc := make(chan error, 1)
	go func() {
		err := srv.Handshake()
		if err == nil {
			buf := make([]byte, 32)
			_, err = srv.Read(buf)
		}
		errc <- err
	}()
	require.NoError(t, cli.Handshake())
	_, err := cli.Write(make([]byte, 32))
	require.NoError(t, err)
	require.NoError(t, <-errc)
	a.Close() // not cli.Close: no close_notify alert in the recording
	b.Close()

	c := decodeTLS(ca.out, false)
	assert.Empty(t, c.Notes)
	assert.Equal(t, []string{"handshake", "handshake", "change_cipher_spec", "handshake", "application_data"}, recordTypes(c))
	assert.Equal(t, []string{"ClientHello", "ClientKeyExchange", "encrypted handshake message (Finished)", "application data (encrypted: TLS 1.3 handshake messages or data)"}, handshakeTypes(c))
	assert.Equal(t, []string{"TLS 1.2"}, c.Handshakes[0].Offered, "no supported_versions: the legacy version")
	assert.Equal(t, 1, c.Handshakes[0].CipherSuites)

	s := decodeTLS(cb.out, false)
	assert.Empty(t, s.Notes)
	assert.Equal(t, []string{"ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone", "encrypted handshake message (Finished)"}, handshakeTypes(s))
	assert.Equal(t, "TLS 1.2", s.Handshakes[0].Version)
	assert.Equal(t, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", s.Handshakes[0].CipherSuite)
	assert.Equal(t, []string{"CN=service.example,O=soapstack"}, s.Handshakes[1].Subjects)

	var text strings.Builder
	printTLS(&text, s, "")
	assert.Contains(t, text.String(), "ServerHello (")
	assert.Contains(t, text.String(), "chose TLS 1.2; TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n")
	assert.Contains(t, text.String(), "subject CN=service.example,O=soapstack\n")
}

// TestInspectWCFNegotiationCapture inspects the final collection of a
// published WCF 2005/02 TLSNEGO capture (testdata/wcf/README.md): its
// blobs were abbreviated by the publisher, which inspect reports.
func TestInspectWCFNegotiationCapture(t *testing.T) {
	file := filepath.Join("testdata", "wcf", "wcf_tlsnego_200502.xml")
	rep, text := inspectLeg(t, file)
	r := rep.Negotiation
	require.NotNil(t, r, text)
	assert.Equal(t, "2005/02", r.TrustVersion)
	require.Len(t, r.Messages, 2)
	first := r.Messages[0]
	assert.Equal(t, "uuid-a84f91c7-7501-471b-83d7-cdbb3b1ffb10-1", first.Context)
	assert.Equal(t, "SecurityContextToken urn:uuid:d65ced26-babb-49e9-a0f6-e46de6ab0fc6", first.RequestedToken)
	assert.Equal(t, "256", first.KeySize)
	require.NotNil(t, first.Exchange)
	assert.True(t, first.Exchange.LeadingSpace)
	// The last blob is TLS 1.0's ChangeCipherSpec record, whole.
	assert.Equal(t, []tlsRecord{{Type: "change_cipher_spec", Version: "TLS 1.0", Length: 1}}, first.Exchange.TLS.Records)
	require.NotNil(t, first.Proof)
	assert.Equal(t, "TLS_Wrap", first.Proof.Wrap)
	assert.Equal(t, []tlsRecord{{Type: "application_data", Version: "TLS 1.0", Length: 64, Truncated: true}}, first.Proof.TLS.Records)
	assert.Equal(t, []string{"the application_data record is truncated: 1 of 64 bytes present"}, first.Proof.TLS.Notes)
	assert.Equal(t, 32, r.Messages[1].Authenticator)
	assert.Contains(t, text, "      TLS record application_data TLS 1.0, 64 bytes (truncated)\n")
}

// spnegoInit builds a NegTokenInit in its GSS-API framing, as a Windows
// client sends it.
func spnegoInit(t testing.TB, mechs []asn1.ObjectIdentifier, mechToken []byte) []byte {
	t.Helper()
	type negTokenInit struct {
		MechTypes []asn1.ObjectIdentifier `asn1:"explicit,tag:0"`
		MechToken []byte                  `asn1:"explicit,optional,tag:2"`
	}
	seq, err := asn1.Marshal(negTokenInit{MechTypes: mechs, MechToken: mechToken})
	require.NoError(t, err)
	choice, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: seq})
	require.NoError(t, err)
	oid, err := asn1.Marshal(oidSPNEGO)
	require.NoError(t, err)
	out, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 0, IsCompound: true, Bytes: append(oid, choice...)})
	require.NoError(t, err)
	return out
}

// krbToken frames a Kerberos message of the given APPLICATION tag (14
// AP-REQ, 15 AP-REP) as a GSS-API token with its TOK_ID (RFC 4121 4.1).
func krbToken(t testing.TB, tag int, tokID []byte) []byte {
	t.Helper()
	msg, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: tag, IsCompound: true, Bytes: []byte{0x30, 0x00}})
	require.NoError(t, err)
	oid, err := asn1.Marshal(oidKerberos)
	require.NoError(t, err)
	inner := append(append(oid, tokID...), msg...)
	out, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 0, IsCompound: true, Bytes: inner})
	require.NoError(t, err)
	return out
}

func spnegoResp(t testing.TB, state int, mech asn1.ObjectIdentifier, token []byte) []byte {
	t.Helper()
	type negTokenResp struct {
		NegState      asn1.Enumerated       `asn1:"explicit,tag:0"`
		SupportedMech asn1.ObjectIdentifier `asn1:"explicit,optional,tag:1"`
		ResponseToken []byte                `asn1:"explicit,optional,tag:2"`
	}
	seq, err := asn1.Marshal(negTokenResp{NegState: asn1.Enumerated(state), SupportedMech: mech, ResponseToken: token})
	require.NoError(t, err)
	out, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: seq})
	require.NoError(t, err)
	return out
}

// TestInspectSPNEGO decodes the SPNEGO legs of a Kerberos negotiation
// (built here in the shape RFC 4178 and RFC 4121 give them) in an RST and
// an RSTR, and malformed tokens.
func TestInspectSPNEGO(t *testing.T) {
	apReq := krbToken(t, 14, []byte{1, 0})
	apRep := krbToken(t, 15, []byte{2, 0})
	init := spnegoInit(t, []asn1.ObjectIdentifier{oidMSKerberos, oidKerberos, oidNTLM}, apReq)
	resp := spnegoResp(t, 0, oidMSKerberos, apRep)
	ntlm := spnegoInit(t, []asn1.ObjectIdentifier{oidNTLM}, append([]byte("NTLMSSP\x00"), 1, 0, 0, 0))

	tests := []struct {
		name string
		blob []byte
		want spnegoToken
	}{
		{"init", init, spnegoToken{Kind: "NegTokenInit", MechTypes: []string{"Kerberos 5 (Microsoft OID) (1.2.840.48018.1.2.2)",
			"Kerberos 5 (1.2.840.113554.1.2.2)", "NTLM (1.3.6.1.4.1.311.2.2.10)"}, MechToken: "Kerberos AP-REQ", MechTokenSize: len(apReq)}},
		{"resp", resp, spnegoToken{Kind: "NegTokenResp", NegState: "accept-completed", SupportedMech: "Kerberos 5 (Microsoft OID) (1.2.840.48018.1.2.2)",
			MechToken: "Kerberos AP-REP", MechTokenSize: len(apRep)}},
		{"ntlm", ntlm, spnegoToken{Kind: "NegTokenInit", MechTypes: []string{"NTLM (1.3.6.1.4.1.311.2.2.10)"}, MechToken: "NTLM NEGOTIATE_MESSAGE", MechTokenSize: 12}},
		{"bare kerberos", apReq, spnegoToken{Kind: "GSS-API token of Kerberos 5 (1.2.840.113554.1.2.2)", MechToken: "Kerberos AP-REQ", MechTokenSize: len(apReq)}},
		{"truncated", init[:len(init)/2], spnegoToken{Kind: "unknown", Error: "not DER: asn1: syntax error: data truncated"}},
		{"not asn1", []byte("hello"), spnegoToken{Kind: "unknown", Error: "not DER: asn1: structure error: tags don't match (16 vs {class:1 tag:8 length:101 isCompound:true}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}  @2"}},
		{"reject", spnegoResp(t, 2, nil, nil), spnegoToken{Kind: "NegTokenResp", NegState: "reject"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeSPNEGO(tt.blob)
			if tt.name == "not asn1" {
				assert.True(t, strings.HasPrefix(got.Error, "not DER: "), got.Error)
				got.Error = tt.want.Error
			}
			assert.Equal(t, tt.want, *got)
		})
	}

	// Through inspect: an RST and an RSTR of WS-Trust 1.3.
	dir := t.TempDir()
	leg := func(name, body string) string {
		file := filepath.Join(dir, name)
		env := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>` +
			wstrust.NSTrust13 + `/RST/Issue</a:Action></s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
		require.NoError(t, os.WriteFile(file, []byte(env), 0o600))
		return file
	}
	x := func(blob []byte) string {
		return `<trust:BinaryExchange ValueType="` + negotiate.ValueTypeSPNego13 + `" EncodingType="` + negotiate.EncodingBase64 + `">` +
			base64.StdEncoding.EncodeToString(blob) + `</trust:BinaryExchange>`
	}
	rep, text := inspectLeg(t, leg("rst.xml", `<trust:RequestSecurityToken Context="uuid-k1" xmlns:trust="`+wstrust.NSTrust13+`"><trust:KeySize>256</trust:KeySize>`+x(init)+`</trust:RequestSecurityToken>`))
	require.NotNil(t, rep.Negotiation)
	ex := rep.Negotiation.Messages[0].Exchange
	assert.Equal(t, "SPNEGO", ex.Mechanism)
	assert.False(t, ex.LeadingSpace)
	assert.Equal(t, len(init), ex.Size)
	assert.Equal(t, "Kerberos AP-REQ", ex.SPNEGO.MechToken)
	assert.Contains(t, text, "      SPNEGO NegTokenInit\n        mechTypes: Kerberos 5 (Microsoft OID) (1.2.840.48018.1.2.2), ")
	assert.Contains(t, text, "        mechToken: Kerberos AP-REQ, ")

	rep, text = inspectLeg(t, leg("rstr.xml", `<trust:RequestSecurityTokenResponse Context="uuid-k1" xmlns:trust="`+wstrust.NSTrust13+`">`+x(resp)+`</trust:RequestSecurityTokenResponse>`))
	require.NotNil(t, rep.Negotiation)
	assert.Equal(t, "accept-completed", rep.Negotiation.Messages[0].Exchange.SPNEGO.NegState)
	assert.Contains(t, text, "        negState: accept-completed\n")
	assert.Contains(t, text, "        mechToken: Kerberos AP-REP, ")
}

// TestInspectNegotiationMalformed: what does not decode is reported, and
// an ordinary RST is no negotiation leg.
func TestInspectNegotiationMalformed(t *testing.T) {
	dir := t.TempDir()
	t200502 := wstrust.NSTrust200502
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, r *negoReport)
	}{
		{"an SCT request", `<t:RequestSecurityToken xmlns:t="` + t200502 + `"><t:TokenType>` + wstrust.V200502.TokenType() + `</t:TokenType></t:RequestSecurityToken>`,
			func(t *testing.T, r *negoReport) { assert.Nil(t, r) }},
		{"not base64", `<t:RequestSecurityTokenResponse Context="c" xmlns:t="` + t200502 + `"><t:BinaryExchange ValueType=" ` + t200502 + `/tlsnego">!!!</t:BinaryExchange></t:RequestSecurityTokenResponse>`,
			func(t *testing.T, r *negoReport) {
				require.NotNil(t, r)
				assert.True(t, strings.HasPrefix(r.Messages[0].Exchange.Error, "not base64: "), r.Messages[0].Exchange.Error)
			}},
		{"no leading space in 2005/02", `<t:RequestSecurityTokenResponse Context="c" xmlns:t="` + t200502 + `"><t:BinaryExchange ValueType="` + t200502 + `/tlsnego">FgMBAAA=</t:BinaryExchange></t:RequestSecurityTokenResponse>`,
			func(t *testing.T, r *negoReport) {
				require.NotNil(t, r)
				assert.False(t, r.Messages[0].Exchange.LeadingSpace)
				require.Len(t, r.Notes, 1)
				assert.Contains(t, r.Notes[0], "has no leading space")
				assert.Equal(t, []tlsRecord{{Type: "handshake", Version: "TLS 1.0", Length: 0}}, r.Messages[0].Exchange.TLS.Records)
			}},
		{"garbage TLS", `<t:RequestSecurityTokenResponse Context="c" xmlns:t="` + t200502 + `"><t:BinaryExchange ValueType=" ` + t200502 + `/tlsnego">` + base64.StdEncoding.EncodeToString([]byte{22, 3, 1, 0, 9, 1, 0, 0, 200, 3, 3, 0, 0, 0, 99}) + `</t:BinaryExchange></t:RequestSecurityTokenResponse>`,
			func(t *testing.T, r *negoReport) {
				require.NotNil(t, r)
				f := r.Messages[0].Exchange.TLS
				assert.Equal(t, []string{"1 bytes after the last record: not a record header",
					"a handshake message continues beyond the blob (9 bytes of it present)"}, f.Notes)
				require.Len(t, f.Handshakes, 0, "the ClientHello continues beyond the blob: not listed as complete")
			}},
		{"collection without authenticator, two contexts", `<t:RequestSecurityTokenResponseCollection xmlns:t="` + t200502 + `"><t:RequestSecurityTokenResponse Context="a"><t:BinaryExchange ValueType="x">AAAA</t:BinaryExchange></t:RequestSecurityTokenResponse><t:RequestSecurityTokenResponse Context="b"/></t:RequestSecurityTokenResponseCollection>`,
			func(t *testing.T, r *negoReport) {
				require.NotNil(t, r)
				assert.Equal(t, "unknown", r.Messages[0].Exchange.Mechanism)
				assert.Equal(t, []string{"the final collection has no Authenticator/CombinedHash", "the responses of the collection carry different Context values"}, r.Notes)
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, "m"+string(rune('a'+i))+".xml")
			env := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>` + tt.body + `</s:Body></s:Envelope>`
			require.NoError(t, os.WriteFile(file, []byte(env), 0o600))
			rep, _ := inspectLeg(t, file)
			tt.check(t, rep.Negotiation)
		})
	}
}
