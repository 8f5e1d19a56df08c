package wssecurity

import (
	"crypto/rand"
	"encoding/xml"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/dsig"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/internal/xmlenc"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/require"
)

// TestEncryptedPlacementAttacks checks that the layout of the Security
// header and the rules of what may appear where hold for content that
// arrives encrypted and is decrypted in place, as they hold in clear. The
// attacker seals an element with the message's own session key and lists
// it in a ReferenceList, so that it decrypts correctly; the signature is
// left intact. Each element is tried in clear, encrypted after its
// ReferenceList, and encrypted before it (the main loop has passed its
// place when it is decrypted).
func TestEncryptedPlacementAttacks(t *testing.T) {
	pki := newTestPKI(t)
	ccfg, scfg := pki.configs()
	atk := &attacker{t: t, pki: pki}
	key := func(m *soap.Message) []byte { return atk.sessionKey(m, 32) }
	with := func(p Policy, f func(p *Policy)) Policy { f(&p); return p }

	// Elements the Security header refuses in clear.
	refused := []struct {
		name string
		el   func(m *soap.Message) *etree.Element
		want error
		// before is the cause when the element is decrypted after the
		// main loop passed its place (default ErrLayout).
		before error
	}{
		{"unsupported element", func(m *soap.Message) *etree.Element {
			w := newEl("x:Wrapper", "urn:x")
			w.AddChild(evilPayload())
			return w
		}, ErrMisplaced, nil},
		{"second Timestamp", func(m *soap.Message) *etree.Element {
			return wsse.NewTimestamp(time.Now(), time.Minute, "ts-2")
		}, ErrDuplicate, nil},
		{"second primary Signature", func(m *soap.Message) *etree.Element {
			sig := childByTag(secHeader(m), "Signature").Copy()
			sig.RemoveAttr("Id")
			return sig
		}, ErrDuplicate, nil},
		{"element with the Body's Id", func(m *soap.Message) *etree.Element {
			sc := newEl("wsse11:SignatureConfirmation", wsse.NSWSSE11)
			sc.CreateAttr("xmlns:wsu", wsse.NSWSU)
			sc.CreateAttr("wsu:Id", wsse.WSUID(m.Body))
			return sc
		}, dsig.ErrDuplicateID, dsig.ErrDuplicateID},
	}
	var tests []attackCase
	for _, r := range refused {
		before, detail := r.before, ""
		if before == nil {
			before, detail = ErrLayout, "decrypted after its place"
		}
		tests = append(tests,
			attackCase{name: r.name + " in clear", policy: signOnlyPolicy(), want: r.want, tamper: func(m *soap.Message) {
				secHeader(m).AddChild(r.el(m))
			}},
			attackCase{name: r.name + " encrypted after its ReferenceList", policy: signOnlyPolicy(), want: r.want, tamper: func(m *soap.Message) {
				ed, rl := atk.seal(m, r.el(m), wsse.AlgAES256CBC, key(m), "evil-ed")
				secHeader(m).AddChild(rl)
				secHeader(m).AddChild(ed)
			}},
			attackCase{name: r.name + " encrypted before its ReferenceList", policy: signOnlyPolicy(), want: before, detail: detail, tamper: func(m *soap.Message) {
				ed, rl := atk.seal(m, r.el(m), wsse.AlgAES256CBC, key(m), "evil-ed")
				insertAt(secHeader(m), ed, 1)
				secHeader(m).AddChild(rl)
			}},
		)
	}

	// The signed Timestamp itself, encrypted at a place the layout refuses.
	tsAtEnd := func(m *soap.Message) {
		sec := secHeader(m)
		ts := childByTag(sec, "Timestamp")
		sec.RemoveChild(ts)
		ed, rl := atk.seal(m, ts, wsse.AlgAES256CBC, key(m), "ts-ed")
		insertAt(sec, rl, 1) // before the Signature, which needs the Timestamp
		sec.AddChild(ed)
	}
	tsAtStart := func(m *soap.Message) {
		sec := secHeader(m)
		ts := childByTag(sec, "Timestamp")
		sec.RemoveChild(ts)
		ed, rl := atk.seal(m, ts, wsse.AlgAES256CBC, key(m), "ts-ed")
		insertAt(sec, ed, 0)
		insertAt(sec, rl, 0)
	}
	// A derived key encrypted after the Signature that uses it, decrypted
	// before the Signature is verified.
	dkAfterUse := func(m *soap.Message) {
		sec := secHeader(m)
		dk := childByTag(sec, "DerivedKeyToken")
		sec.RemoveChild(dk)
		ed, rl := atk.seal(m, dk, wsse.AlgAES256CBC, key(m), "dk-ed")
		insertAt(sec, rl, elemIndex(sec, "Signature"))
		sec.AddChild(ed)
	}
	derived := with(signOnlyPolicy(), func(p *Policy) { p.ProtectionToken = serviceCert(true) })
	tests = append(tests,
		attackCase{name: "Timestamp encrypted last (Lax, control)", policy: signOnlyPolicy(), tamper: tsAtEnd},
		attackCase{name: "Timestamp encrypted last under LaxTsFirst", policy: with(signOnlyPolicy(), func(p *Policy) { p.Layout = LaxTsFirst }),
			want: ErrLayout, detail: "LaxTsFirst", tamper: tsAtEnd},
		attackCase{name: "Timestamp encrypted first under LaxTsLast", policy: with(signOnlyPolicy(), func(p *Policy) { p.Layout = LaxTsLast }),
			want: ErrLayout, detail: "LaxTsLast", tamper: tsAtStart},
		attackCase{name: "derived key encrypted after its use (Lax, control)", policy: derived, tamper: dkAfterUse},
		attackCase{name: "derived key encrypted after its use under Strict", policy: with(derived, func(p *Policy) { p.Layout = Strict }),
			want: ErrLayout, detail: "Strict", tamper: dkAfterUse},
		attackCase{name: "EncryptedData of Type Content in the Security header", policy: signOnlyPolicy(), want: ErrMisplaced, detail: "Type", tamper: func(m *soap.Message) {
			sec := secHeader(m)
			w := newEl("x:W", "urn:x")
			w.AddChild(wsse.NewTimestamp(time.Now(), time.Minute, "ts-2"))
			sec.AddChild(w)
			c, err := newBlockCipher(wsse.AlgAES256CBC, key(m))
			require.NoError(atk.t, err)
			ek := childByTag(sec, "EncryptedKey")
			ed, err := xmlenc.EncryptElement(w, c, xmlenc.TypeContent, "content-ed",
				strToLocal(ek.SelectAttrValue("Id", ""), wsse.URIEncryptedKeyToken, wsse.URIEncryptedKeyToken), rand.Reader)
			require.NoError(atk.t, err)
			w.RemoveChild(ed)
			sec.RemoveChild(w)
			rl, err := xmlenc.NewReferenceList([]string{"content-ed"})
			require.NoError(atk.t, err)
			sec.AddChild(rl)
			sec.AddChild(ed)
		}},
		attackCase{name: "EncryptedData in the Security header that nothing lists", policy: signOnlyPolicy(), want: ErrMisplaced, detail: "was not decrypted", tamper: func(m *soap.Message) {
			w := newEl("x:Wrapper", "urn:x")
			w.AddChild(evilPayload())
			ed, _ := atk.seal(m, w, wsse.AlgAES256CBC, key(m), "unlisted-ed")
			secHeader(m).AddChild(ed)
		}},
		attackCase{name: "EncryptedData inside another header", policy: signOnlyPolicy(), want: ErrMisplaced, detail: "where encryption is not allowed", tamper: func(m *soap.Message) {
			ed, rl := atk.seal(m, evilPayload(), wsse.AlgAES256CBC, key(m), "evil-ed")
			h := newEl("x:H", "urn:x")
			h.AddChild(ed)
			m.AddHeader(h)
			secHeader(m).AddChild(rl)
		}},
	)

	// What the Body and the headers may hold after decryption.
	bodyOf := func(el func() *etree.Element) func(t testing.TB) *soap.Message {
		return func(t testing.TB) *soap.Message {
			m := echoRequest(t, "x")
			m.Body.RemoveChild(m.Payload())
			m.Body.AddChild(el())
			return m
		}
	}
	timestampBody := bodyOf(func() *etree.Element { return wsse.NewTimestamp(time.Now(), time.Hour, "body-ts") })
	securityBody := bodyOf(func() *etree.Element {
		s := newEl("wsse:Security", wsse.NSWSSE)
		s.AddChild(wsse.NewTimestamp(time.Now(), time.Hour, "body-ts"))
		return s
	})
	dupBody := func(t testing.TB) *soap.Message {
		m := echoRequest(t, "x")
		m.Payload().CreateAttr("xmlns:wsu", wsse.NSWSU)
		m.Payload().CreateAttr("wsu:Id", "dup-1")
		return m
	}
	addDup := func(m *soap.Message) {
		h := newEl("x:H", "urn:x")
		h.CreateAttr("xmlns:wsu", wsse.NSWSU)
		h.CreateAttr("wsu:Id", "dup-1")
		m.AddHeader(h)
	}
	custom := xml.Name{Space: "urn:custom", Local: "Secret"}
	encHeaders := func(names ...xml.Name) Policy {
		p := AnonymousForCertificate(Basic256)
		p.EncryptedParts.Headers = append([]xml.Name{custom}, names...)
		p.SignedParts.Headers = append(p.SignedParts.Headers, custom)
		return p
	}
	secName := xml.Name{Space: wsse.NSWSSE, Local: "Security"}
	tsName := xml.Name{Space: wsse.NSWSU, Local: "Timestamp"}
	withHeader := func(h func() *etree.Element) func(t testing.TB) *soap.Message {
		return func(t testing.TB) *soap.Message {
			m := echoRequest(t, "x")
			m.AddHeader(h())
			return m
		}
	}
	clientEncHeader := encHeaders()
	tests = append(tests,
		attackCase{name: "Timestamp as the Body in clear", policy: signOnlyPolicy(), request: timestampBody, want: ErrMisplaced, detail: "in the Body"},
		attackCase{name: "Body decrypts to a Timestamp", policy: AnonymousForCertificate(Basic256), request: timestampBody, want: ErrMisplaced, detail: "in the Body"},
		attackCase{name: "Body decrypts to a Security header", policy: AnonymousForCertificate(Basic256), request: securityBody, want: ErrMisplaced, detail: "in the Body"},
		attackCase{name: "duplicate Id next to the Body in clear", policy: signOnlyPolicy(), request: dupBody, tamper: addDup, want: dsig.ErrDuplicateID},
		attackCase{name: "decrypted Body carries a duplicate Id", policy: AnonymousForCertificate(Basic256), request: dupBody, tamper: addDup, want: dsig.ErrDuplicateID},
		attackCase{name: "EncryptedHeader (control)", policy: encHeaders(), client: &clientEncHeader},
		attackCase{name: "EncryptedHeader decrypts to a header the policy does not encrypt",
			policy: with(encHeaders(), func(p *Policy) { p.EncryptedParts.Headers = []xml.Name{{Space: "urn:custom", Local: "Other"}} }),
			client: &clientEncHeader, want: ErrMisplaced, detail: "does not encrypt"},
		attackCase{name: "EncryptedHeader decrypts to a Security header", policy: encHeaders(secName),
			request: withHeader(func() *etree.Element {
				s := newEl("wsse:Security", wsse.NSWSSE)
				s.CreateAttr("s:role", "urn:other")
				s.AddChild(wsse.NewTimestamp(time.Now(), time.Hour, "other-ts"))
				return s
			}), want: ErrMisplaced, detail: "header decrypts to"},
		attackCase{name: "EncryptedHeader decrypts to a Timestamp", policy: encHeaders(tsName),
			request: withHeader(func() *etree.Element { return wsse.NewTimestamp(time.Now(), time.Hour, "hdr-ts") }),
			want:    ErrMisplaced, detail: "header decrypts to"},
	)
	// A sender that encrypts part of the Body and leaves the rest in clear:
	// the Body is decrypted, a clear element added, the message re-signed
	// and the original payload encrypted again under the same Id.
	clearSibling := func(m *soap.Message) {
		ed := childByTag(m.Body, "EncryptedData")
		edID := ed.SelectAttrValue("Id", "")
		str := ed.FindElement("KeyInfo/SecurityTokenReference").Copy()
		c, err := newBlockCipher(wsse.AlgAES256CBC, key(m))
		require.NoError(atk.t, err)
		_, err = xmlenc.DecryptData(ed, c, soap.Limits{})
		require.NoError(atk.t, err)
		m.Body.AddChild(evilPayload())
		atk.resign(m, key(m), "", "")
		clear := m.Body.ChildElements()[1]
		m.Body.RemoveChild(clear)
		_, err = xmlenc.EncryptElement(m.Body, c, xmlenc.TypeContent, edID, str, rand.Reader)
		require.NoError(atk.t, err)
		m.Body.AddChild(clear)
	}
	clearSignature := with(AnonymousForCertificate(Basic256), func(p *Policy) { p.EncryptSignature = false })
	tests = append(tests,
		attackCase{name: "Body re-encrypted, re-signed (control)", policy: clearSignature, tamper: func(m *soap.Message) {
			ed := childByTag(m.Body, "EncryptedData")
			edID := ed.SelectAttrValue("Id", "")
			str := ed.FindElement("KeyInfo/SecurityTokenReference").Copy()
			c, err := newBlockCipher(wsse.AlgAES256CBC, key(m))
			require.NoError(atk.t, err)
			_, err = xmlenc.DecryptData(ed, c, soap.Limits{})
			require.NoError(atk.t, err)
			atk.resign(m, key(m), "", "")
			_, err = xmlenc.EncryptElement(m.Body, c, xmlenc.TypeContent, edID, str, rand.Reader)
			require.NoError(atk.t, err)
		}},
		attackCase{name: "Body partly in clear next to encrypted content", policy: clearSignature, tamper: clearSibling,
			want: ErrNotEncrypted, detail: "next to encrypted content"},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { atk.t = t; tt.run(t, ccfg, scfg) })
	}
}

// elemIndex returns the position of the first child element with tag
// among parent's element children.
func elemIndex(parent *etree.Element, tag string) int {
	for i, c := range parent.ChildElements() {
		if c.Tag == tag {
			return i
		}
	}
	return -1
}
