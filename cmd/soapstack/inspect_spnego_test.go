package main

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/soapstack/soapstack/internal/negotiate"
	"github.com/soapstack/soapstack/internal/spnego"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInspectSPNEGOLegs inspects the two legs of an SPNEGO negotiation
// answered by the engine's acceptor with the Kerberos service of
// internal/spnego: the RST carries a NegTokenInit whose AP-REQ gokrb5 made
// from a ticket it issued offline with the service's keytab (no KDC), the
// final collection the NegTokenResp with the AP-REP, the GSS_Wrap proof
// token and the Authenticator.
func TestInspectSPNEGOLegs(t *testing.T) {
	const realm, spn = "SOAPSTACK.TEST", "HTTP/server.soapstack.test"
	kt := keytab.New()
	require.NoError(t, kt.AddEntry(spn, realm, "service-password", time.Now(), 1, 18))

	var err error
	cname := types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, "alice")
	now := time.Now().UTC()
	tkt, key, err := messages.NewTicket(cname, realm, types.NewPrincipalName(nametype.KRB_NT_SRV_INST, spn), realm,
		types.NewKrbFlags(), kt, 18, 1, now, now, now.Add(time.Hour), now.Add(time.Hour))
	require.NoError(t, err)
	// The AP-REQ as RFC 4121 4.1.1 has it (what a Windows client sends):
	// the GSS checksum with mutual, replay, sequence, conf and integ, a
	// subkey and a sequence number.
	cksum := make([]byte, 24)
	binary.LittleEndian.PutUint32(cksum, 16)
	binary.LittleEndian.PutUint32(cksum[20:], 0x3e)
	sub := make([]byte, 32)
	_, err = rand.Read(sub)
	require.NoError(t, err)
	auth := types.Authenticator{AVNO: 5, CRealm: realm, CName: cname, Cksum: types.Checksum{CksumType: 0x8003, Checksum: cksum},
		CTime: now.Truncate(time.Second), Cusec: now.Nanosecond() / 1000, SubKey: types.EncryptionKey{KeyType: 18, KeyValue: sub}, SeqNumber: 4711}
	req, err := messages.NewAPReq(tkt, key, auth)
	require.NoError(t, err)
	types.SetFlag(&req.APOptions, flags.APOptionMutualRequired)
	der, err := req.Marshal()
	require.NoError(t, err)
	oid, err := asn1.Marshal(oidKerberos)
	require.NoError(t, err)
	mt, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 0, IsCompound: true, Bytes: append(append(oid, 1, 0), der...)})
	require.NoError(t, err)
	blob := spnegoInit(t, []asn1.ObjectIdentifier{oidKerberos}, mt)
	require.NoError(t, err)

	for _, v := range []wstrust.Version{wstrust.V200502, wstrust.V13} {
		t.Run(v.String(), func(t *testing.T) {
			// A service each: the same AP-REQ twice to one service is a
			// replay, which it refuses.
			svc, err := spnego.NewService(spnego.ServiceConfig{Keytab: kt, Principal: spn})
			require.NoError(t, err)
			acc, err := negotiate.NewAcceptor(negotiate.AcceptorConfig{Version: v, NewMechanism: svc.NewMechanism})
			require.NoError(t, err)
			ns := v.TrustNamespace()
			body := `<t:RequestSecurityToken Context="uuid-spnego-1" xmlns:t="` + ns + `"><t:TokenType>` + v.TokenType() +
				`</t:TokenType><t:RequestType>` + v.RequestType(wstrust.OpIssue) + `</t:RequestType><t:KeySize>256</t:KeySize>` +
				`<t:BinaryExchange ValueType="` + negotiate.ValueTypeSPNego13 + `" EncodingType="` + negotiate.EncodingBase64 + `">` +
				base64.StdEncoding.EncodeToString(blob) + `</t:BinaryExchange></t:RequestSecurityToken>`
			wsa := "http://www.w3.org/2005/08/addressing"
			if v == wstrust.V200502 {
				wsa = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
			}
			rst := []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="` + wsa + `"><s:Header><a:Action>` + ns +
				`/RST/Issue</a:Action><a:MessageID>urn:uuid:6a1c3e4e-0f43-4b8a-9d2c-2f6b7b1f0a11</a:MessageID><a:To>http://server.soapstack.test/svc</a:To></s:Header><s:Body>` +
				body + `</s:Body></s:Envelope>`)
			req, err := soap.ParseMessage(rst, soap.Limits{})
			require.NoError(t, err)
			rec := &negoRecorder{acc: acc}
			resp, err := rec.Call(context.Background(), req)
			require.NoError(t, err)
			require.NotNil(t, resp)
			require.Len(t, rec.msgs, 2)

			dir := t.TempDir()
			files := []string{filepath.Join(dir, "rst.xml"), filepath.Join(dir, "final.xml")}
			for i, f := range files {
				require.NoError(t, os.WriteFile(f, rec.msgs[i], 0o600))
			}
			rep, text := inspectLeg(t, files[0])
			require.NotNil(t, rep.Negotiation, text)
			x := rep.Negotiation.Messages[0].Exchange
			assert.Equal(t, "SPNEGO", x.Mechanism)
			require.NotNil(t, x.SPNEGO)
			assert.Equal(t, "NegTokenInit", x.SPNEGO.Kind)
			assert.Equal(t, []string{"Kerberos 5 (1.2.840.113554.1.2.2)"}, x.SPNEGO.MechTypes)
			assert.Equal(t, "Kerberos AP-REQ", x.SPNEGO.MechToken)
			assert.Empty(t, x.SPNEGO.Error)

			rep, text = inspectLeg(t, files[1])
			require.NotNil(t, rep.Negotiation, text)
			fin := rep.Negotiation
			assert.Equal(t, "RequestSecurityTokenResponseCollection", fin.Element)
			assert.Empty(t, fin.Notes)
			require.Len(t, fin.Messages, 2)
			first := fin.Messages[0]
			assert.Equal(t, "uuid-spnego-1", first.Context)
			require.NotNil(t, first.Exchange, text)
			require.NotNil(t, first.Exchange.SPNEGO)
			assert.Equal(t, "NegTokenResp", first.Exchange.SPNEGO.Kind)
			assert.Equal(t, "accept-completed", first.Exchange.SPNEGO.NegState)
			assert.Equal(t, "Kerberos AP-REP", first.Exchange.SPNEGO.MechToken)
			require.NotNil(t, first.Proof)
			assert.Equal(t, "GSS_Wrap", first.Proof.Wrap)
			assert.Equal(t, negotiate.AlgGSSWrap, first.Proof.Algorithm)
			assert.Positive(t, first.Proof.Size)
			assert.Nil(t, first.Proof.TLS)
			assert.Equal(t, 32, fin.Messages[1].Authenticator)
			assert.Contains(t, text, "    RequestedProofToken: EncryptedKey GSS_Wrap ("+negotiate.AlgGSSWrap+"), ")
			assert.Contains(t, text, "        negState: accept-completed\n")
			assert.Contains(t, text, "        mechToken: Kerberos AP-REP, ")
		})
	}
}
