package xmlenc

import (
	"errors"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAddDataReferences: the WS-Security 1.0 layout, an EncryptedKey that
// lists what it encrypted, built after the encryption; the list lands in
// its schema place and parses back.
func TestAddDataReferences(t *testing.T) {
	priv := testKey(t)
	key := make([]byte, 16)
	newEK := func(t *testing.T) *etree.Element {
		el, err := NewEncryptedKey(RSAOAEPMGF1P, &priv.PublicKey, key, "EK-1", thumbprintSTR("OOQ976ASi6+kfB9DjunyxVDBQ4A="), nil, nil)
		require.NoError(t, err)
		return el
	}
	t.Run("new list after CipherData, then appended", func(t *testing.T) {
		el := newEK(t)
		require.NoError(t, AddDataReferences(el, []string{"ED-1"}))
		require.NoError(t, AddDataReferences(el, []string{"ED-2", "ED-3"}))
		el = reparse(t, el)
		kids := el.ChildElements()
		assert.Equal(t, "ReferenceList", kids[len(kids)-1].Tag)
		ek, err := ParseEncryptedKey(el)
		require.NoError(t, err)
		assert.Equal(t, []string{"ED-1", "ED-2", "ED-3"}, ek.DataReferences)
	})
	t.Run("before CarriedKeyName, in the EncryptedKey's prefix", func(t *testing.T) {
		doc := etree.NewDocument()
		require.NoError(t, doc.ReadFromString(`<e:EncryptedKey xmlns:e="`+NS+`" Id="k"><e:EncryptionMethod Algorithm="`+RSAOAEPMGF1P+`"/>`+
			`<e:CipherData><e:CipherValue>AAAA</e:CipherValue></e:CipherData><e:CarriedKeyName>n</e:CarriedKeyName></e:EncryptedKey>`))
		el := doc.Root()
		require.NoError(t, AddDataReferences(el, []string{"ED-1"}))
		kids := el.ChildElements()
		require.Len(t, kids, 4)
		assert.Equal(t, "e:ReferenceList", kids[2].FullTag())
		assert.Equal(t, "e:DataReference", kids[2].ChildElements()[0].FullTag())
		ek, err := ParseEncryptedKey(reparse(t, el))
		require.NoError(t, err)
		assert.Equal(t, []string{"ED-1"}, ek.DataReferences)
	})
	t.Run("errors", func(t *testing.T) {
		assert.True(t, errors.Is(AddDataReferences(etree.NewElement("x"), []string{"a"}), ErrMalformed))
		assert.True(t, errors.Is(AddDataReferences(newEK(t), []string{"#a"}), ErrMalformed), "ids go without '#'")
		many := make([]string, MaxDataReferences+1)
		for i := range many {
			many[i] = "a"
		}
		assert.True(t, errors.Is(AddDataReferences(newEK(t), many), ErrTooLarge))
		el := newEK(t)
		require.NoError(t, AddDataReferences(el, []string{"a"}))
		assert.True(t, errors.Is(AddDataReferences(el, many[:MaxDataReferences]), ErrTooLarge), "the whole list is bounded")
		assert.NoError(t, AddDataReferences(newEK(t), nil))
	})
}
