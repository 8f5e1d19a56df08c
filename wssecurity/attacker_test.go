package wssecurity

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/dsig"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// attacker changes captured messages and makes them valid again where it
// can: it holds the service's private key, standing in for an attacker who
// is a legitimate sender (an anonymous client knows the session key of its
// own message) and the client's key (a client that signs what it wants).
// A message it re-signs or re-encrypts verifies cryptographically, so the
// receiver can only refuse it with the structural defence under test.
type attacker struct {
	t   testing.TB
	pki *testPKI
}

// sessionKey unwraps the message's EncryptedKey (keyLen bytes).
func (a *attacker) sessionKey(m *soap.Message, keyLen int) []byte {
	ekEl := childByTag(secHeader(m), "EncryptedKey")
	require.NotNil(a.t, ekEl, "no EncryptedKey")
	ek, err := xmlenc.ParseEncryptedKey(ekEl)
	require.NoError(a.t, err)
	key, err := ek.Unwrap(a.pki.service.Key.(*rsa.PrivateKey), keyLen, rand.Reader)
	require.NoError(a.t, err)
	return key
}

// resign replaces the clear ds:Signature of the Security header by a new
// one over the same references, with the given signature and digest
// methods ("" keeps the original) and key, and the original KeyInfo and Id.
func (a *attacker) resign(m *soap.Message, key any, method, digest string) {
	sec := secHeader(m)
	sig := childByTag(sec, "Signature")
	require.NotNil(a.t, sig, "no clear Signature")
	idx, err := dsig.NewIDIndex(m.Envelope)
	require.NoError(a.t, err)
	si := sig.SelectElement("SignedInfo")
	if method == "" {
		method = si.SelectElement("SignatureMethod").SelectAttrValue("Algorithm", "")
	}
	var refs []dsig.Reference
	for _, r := range si.SelectElements("Reference") {
		id := strings.TrimPrefix(r.SelectAttrValue("URI", ""), "#")
		el := idx.Lookup(id)
		require.NotNil(a.t, el, "reference %s", id)
		d := digest
		if d == "" {
			d = r.SelectElement("DigestMethod").SelectAttrValue("Algorithm", "")
		}
		refs = append(refs, dsig.Reference{Element: el, ID: id, DigestMethod: d})
	}
	var kids []*etree.Element
	for _, c := range sig.SelectElement("KeyInfo").ChildElements() {
		kids = append(kids, c.Copy())
	}
	ns, err := dsig.Sign(dsig.SignOptions{References: refs, SignatureMethod: method, Key: key,
		ID: sig.SelectAttrValue("Id", ""), KeyInfo: dsig.NewKeyInfo(kids...), Context: sec})
	require.NoError(a.t, err)
	i := sig.Index()
	sec.RemoveChildAt(i)
	sec.InsertChildAt(i, ns.Element)
}

// seal encrypts el (not in any tree) with key under alg, as the Security
// header's sender would: an EncryptedData of Type Element whose KeyInfo
// names the EncryptedKey, with id edID, and a ReferenceList listing it.
// The caller places both.
func (a *attacker) seal(m *soap.Message, el *etree.Element, alg string, key []byte, edID string) (ed, rl *etree.Element) {
	sec := secHeader(m)
	ek := childByTag(sec, "EncryptedKey")
	require.NotNil(a.t, ek)
	c, err := newBlockCipher(alg, key)
	require.NoError(a.t, err)
	sec.AddChild(el)
	ed, err = xmlenc.EncryptElement(el, c, xmlenc.TypeElement, edID,
		strToLocal(ek.SelectAttrValue("Id", ""), wsse.URIEncryptedKeyToken, wsse.URIEncryptedKeyToken), rand.Reader)
	require.NoError(a.t, err)
	sec.RemoveChild(ed)
	rl, err = xmlenc.NewReferenceList([]string{edID})
	require.NoError(a.t, err)
	return ed, rl
}

// insertAt inserts el as the i-th element child of parent (appends when i
// is past the end; negative i counts from the end, -1 = last).
func insertAt(parent, el *etree.Element, i int) {
	kids := parent.ChildElements()
	if i < 0 {
		i += len(kids) + 1
	}
	if i >= len(kids) {
		parent.AddChild(el)
		return
	}
	parent.InsertChildAt(kids[i].Index(), el)
}

// attackCase is one attack and the defence that must refuse it.
type attackCase struct {
	name string
	// policy is the receiver's; client, when set, the sender's (a sender
	// that protects less, or other parts, than the receiver requires).
	policy Policy
	client *Policy
	// request builds the request (default echoRequest(t, "x")).
	request func(t testing.TB) *soap.Message
	tamper  func(m *soap.Message)
	// want is the cause: errors.Is on the fault's cause; nil means the
	// message is accepted (a control showing the tampering itself works).
	want error
	// detail, when set, must occur in the cause's text: it pins which of
	// the checks raising the same sentinel fired.
	detail string
}

// run sends the case's request through the loop and checks which defence
// fired, and that the application never ran.
func (tt attackCase) run(t *testing.T, ccfg, scfg Config) {
	cp := tt.policy
	if tt.client != nil {
		cp = *tt.client
	}
	l := newSplitLoop(t, cp, tt.policy, ccfg, scfg)
	l.tamper = tt.tamper
	req := echoRequest(t, "x")
	if tt.request != nil {
		req = tt.request(t)
	}
	_, err := l.client.Call(context.Background(), req)
	if tt.want == nil {
		if f, ok := soap.AsFault(err); ok {
			require.NoError(t, err, "control case: the tampered message must be accepted; cause: %v", f.Cause)
		}
		require.NoError(t, err, "control case: the tampered message must be accepted")
		assert.Equal(t, int32(1), l.calls.Load())
		return
	}
	f, ok := soap.AsFault(err)
	require.True(t, ok, "want a fault, got %v", err)
	assert.Equal(t, soap.CodeSender, f.Code)
	assert.Equal(t, FaultInvalidSecurity, f.Subcode().Local)
	assert.Equal(t, verifyFailureReason, f.Reason(), "one uniform fault")
	require.ErrorIs(t, f.Cause, tt.want, "the wrong defence fired")
	if tt.detail != "" {
		assert.Contains(t, f.Cause.Error(), tt.detail, "the wrong check fired")
	}
	assert.Zero(t, l.calls.Load(), "the app must not run")
}

// newSplitLoop is newLoop with a sender policy that may differ from the
// receiver's.
func newSplitLoop(t testing.TB, client, server Policy, ccfg, scfg Config) *loop {
	l := newLoop(t, server, ccfg, scfg)
	cl, err := ClientLayer(client, ccfg)
	require.NoError(t, err)
	l.client = soap.ChainInvoker(l.transport, cl)
	return l
}
