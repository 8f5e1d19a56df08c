package dsig

import (
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// isEnvelopeBody is the check a caller makes: the element it dispatches is
// the soap:Body child of the Envelope, and that very node was signed.
func isEnvelopeBody(env, e *etree.Element) bool {
	return e != nil && e.Parent() == env && is(e, nsSOAP12, "Body")
}

// wrapBody performs the classic XML Signature Wrapping attack on a signed
// message: the signed Body moves into a header wrapper, and a new Body
// with the attacker's payload takes its place. idAttr is the attribute
// (with value) the new Body carries, "" for none.
func wrapBody(t *testing.T, m *msg, idAttr string) {
	t.Helper()
	wrapper := m.header.CreateElement("Wrapper")
	wrapper.CreateAttr("xmlns", "urn:attacker")
	wrapped := m.body
	m.env.RemoveChild(wrapped)
	wrapper.AddChild(wrapped)
	addElem(t, m.env, `<s:Body xmlns:s="`+nsSOAP12+`" `+idAttr+`><Transfer xmlns="urn:bank"><To>attacker</To></Transfer></s:Body>`)
}

func TestSignatureWrapping(t *testing.T) {
	for _, c := range []struct {
		name, idAttr string
		dup          bool
	}{
		{"same wsu:Id", `u:Id="_1"`, true},
		{"same wsu:Id other prefix", `xmlns:w="` + NSWSU + `" w:Id="_1"`, true},
		{"Id confusion", `Id="_1"`, true},
		{"ID confusion", `ID="_1"`, true},
		{"xml:id confusion", `xml:id="_1"`, true},
		{"new id", `u:Id="_evil"`, false},
		{"no id", ``, false},
		{"foreign Id attribute", `xmlns:x="urn:x" x:Id="_1"`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := signedHMACMsg(t)
			wrapBody(t, m, c.idAttr)
			m = m.reparse(t) // as received
			opts := VerifyOptions{KeyResolver: fixedKey(testHMACKey)}
			if c.dup {
				_, err := m.verify(opts)
				require.ErrorIs(t, err, ErrDuplicateID)
				return
			}
			v, err := m.verify(opts)
			require.NoError(t, err, "the signature itself is intact")

			// The signed element is the wrapped copy, not the Envelope's Body:
			// a caller that checks node identity refuses the message.
			signed := v.References[0].Element
			require.NotNil(t, signed)
			assert.Equal(t, "Body", signed.Tag)
			assert.Equal(t, "Wrapper", signed.Parent().Tag)
			assert.NotSame(t, m.body, signed)
			assert.False(t, isEnvelopeBody(m.env, signed))
			assert.True(t, strings.Contains(m.String(), "attacker"))
			assert.Equal(t, "Transfer", m.body.ChildElements()[0].Tag)
		})
	}
}

// TestTimestampWrapping: the signed Timestamp is moved out of the Security
// header into a wrapper and replaced by a fresh one with a new id.
func TestTimestampWrapping(t *testing.T) {
	m := signedHMACMsg(t)
	old := m.ts
	m.security.RemoveChild(old)
	w := m.header.CreateElement("Wrapper")
	w.AddChild(old)
	addElem(t, m.security, `<u:Timestamp u:Id="_fresh"><u:Created>2030-01-01T00:00:00Z</u:Created></u:Timestamp>`)
	m = m.reparse(t)
	v, err := m.verify(VerifyOptions{KeyResolver: fixedKey(testHMACKey)})
	require.NoError(t, err)
	assert.NotSame(t, m.ts, v.References[1].Element)
	assert.Equal(t, "Wrapper", v.References[1].Element.Parent().Tag)
}
