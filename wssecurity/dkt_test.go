package wssecurity

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type dktVector struct {
	SCT struct {
		Secret string `json:"secret_b64"`
	} `json:"security_context_token"`
	DKTs []struct {
		ID     string `json:"wsu_id"`
		Nonce  string `json:"nonce_b64"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
		Key    string `json:"derived_key_b64"`
	} `json:"derived_key_tokens"`
}

// TestDerivedKeyTokenWSS4J parses every DerivedKeyToken WSS4J wrote and
// derives the key WSS4J used.
func TestDerivedKeyTokenWSS4J(t *testing.T) {
	for _, n := range []string{"01", "02", "03", "04"} {
		t.Run("msg_"+n, func(t *testing.T) {
			var v dktVector
			b, err := os.ReadFile(filepath.Join("testdata", "dkt", "msg_"+n+".json"))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &v))
			secret, err := base64.StdEncoding.DecodeString(v.SCT.Secret)
			require.NoError(t, err)
			raw, err := os.ReadFile(filepath.Join("testdata", "dkt", "msg_"+n+".xml"))
			require.NoError(t, err)
			m, err := soap.ParseMessage(raw, soap.Limits{})
			require.NoError(t, err)
			require.NotEmpty(t, v.DKTs)
			for _, want := range v.DKTs {
				var el *etree.Element
				for _, e := range m.Doc.FindElements("//DerivedKeyToken") {
					if wsse.WSUID(e) == want.ID {
						el = e
					}
				}
				require.NotNil(t, el, want.ID)
				d, err := wsse.ParseDerivedKeyToken(el)
				require.NoError(t, err)
				assert.Equal(t, want.Length, d.Length)
				assert.Equal(t, want.Offset, d.Offset)
				assert.Equal(t, want.Nonce, base64.StdEncoding.EncodeToString(d.Nonce))
				key, err := d.DeriveKey(secret)
				require.NoError(t, err)
				assert.Equal(t, want.Key, base64.StdEncoding.EncodeToString(key))
			}
		})
	}
}

func dktXML(body string) *etree.Element {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(`<c:DerivedKeyToken xmlns:c="http://schemas.xmlsoap.org/ws/2005/02/sc" xmlns:wsse="` + wsse.NSWSSE + `" xmlns:u="` + wsse.NSWSU + `" u:Id="dk1">` + body + `</c:DerivedKeyToken>`); err != nil {
		panic(err)
	}
	return doc.Root()
}

const testSTR = `<wsse:SecurityTokenReference><wsse:Reference URI="#sct"/></wsse:SecurityTokenReference>`

func TestParseDerivedKeyTokenRejects(t *testing.T) {
	nonce := `<c:Nonce>AAAAAAAAAAAAAAAAAAAAAA==</c:Nonce>`
	tests := []struct{ name, body string }{
		{"no nonce", testSTR + `<c:Length>16</c:Length>`},
		{"no reference", `<c:Length>16</c:Length>` + nonce},
		{"two references", testSTR + testSTR + nonce},
		{"length too small", testSTR + `<c:Length>8</c:Length>` + nonce},
		{"length too large", testSTR + `<c:Length>4096</c:Length>` + nonce},
		{"offset too large", testSTR + `<c:Offset>5000</c:Offset><c:Length>16</c:Length>` + nonce},
		{"generation too large", testSTR + `<c:Generation>1000</c:Generation><c:Length>16</c:Length>` + nonce},
		{"generation and offset", testSTR + `<c:Generation>1</c:Generation><c:Offset>0</c:Offset>` + nonce},
		{"negative length", testSTR + `<c:Length>-16</c:Length>` + nonce},
		{"repeated nonce", testSTR + nonce + nonce},
		{"bad base64", testSTR + `<c:Nonce>!!!</c:Nonce>`},
		{"foreign child", testSTR + nonce + `<x:y xmlns:x="urn:x"/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wsse.ParseDerivedKeyToken(dktXML(tt.body))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidToken)
		})
	}
	el := dktXML(testSTR + nonce)
	el.CreateAttr("Algorithm", "urn:other-kdf")
	_, err := wsse.ParseDerivedKeyToken(el)
	assert.ErrorIs(t, err, ErrUnsupportedAlgorithm)
}

func TestNewDerivedKeyTokenRoundTrip(t *testing.T) {
	secret := bytes.Repeat([]byte{1}, 32)
	str := etree.NewElement("wsse:SecurityTokenReference")
	str.CreateAttr("xmlns:wsse", wsse.NSWSSE)
	for _, ns := range []string{wsse.NSWSC200502, wsse.NSWSC13} {
		d, key, err := wsse.NewDerivedKeyToken(ns, "dk-1", str.Copy(), secret, 24, bytes.NewReader(bytes.Repeat([]byte{9}, 16)))
		require.NoError(t, err)
		assert.Len(t, key, 24)
		back, err := wsse.ParseDerivedKeyToken(d.Element)
		require.NoError(t, err)
		assert.Equal(t, ns, back.NS)
		assert.Equal(t, "dk-1", back.ID)
		k2, err := back.DeriveKey(secret)
		require.NoError(t, err)
		assert.Equal(t, key, k2)
	}
}

func FuzzParseDerivedKeyToken(f *testing.F) {
	f.Add(testSTR + `<c:Length>16</c:Length><c:Nonce>AAAAAAAAAAAAAAAAAAAAAA==</c:Nonce>`)
	f.Add(testSTR + `<c:Generation>3</c:Generation><c:Nonce>AAAA</c:Nonce>`)
	f.Fuzz(func(t *testing.T, body string) {
		doc := etree.NewDocument()
		if doc.ReadFromString(`<c:DerivedKeyToken xmlns:c="http://schemas.xmlsoap.org/ws/2005/02/sc" xmlns:wsse="`+wsse.NSWSSE+`">`+body+`</c:DerivedKeyToken>`) != nil || doc.Root() == nil {
			return
		}
		d, err := wsse.ParseDerivedKeyToken(doc.Root())
		if err != nil {
			return
		}
		k, err := d.DeriveKey([]byte("secret"))
		if err == nil && len(k) != d.Length {
			t.Fatalf("derived %d bytes, want %d", len(k), d.Length)
		}
	})
}
