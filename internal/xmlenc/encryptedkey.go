package xmlenc

import (
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/xmlutil"
)

// Limits of ParseEncryptedKey and ParseReferenceList.
const (
	// MaxDataReferences bounds the xenc:DataReference children of one
	// xenc:ReferenceList.
	MaxDataReferences = 1000
	// MaxWrappedKeySize bounds the decoded CipherValue of an
	// xenc:EncryptedKey: an RSA-16384 ciphertext.
	MaxWrappedKeySize = 2048
	// maxOAEPParams bounds a decoded xenc:OAEPparams.
	maxOAEPParams = 1024
)

// EncryptedKey is the parsed form of an xenc:EncryptedKey element.
type EncryptedKey struct {
	// ID is the Id attribute, or "" (the target of a
	// wsse:SecurityTokenReference to the key).
	ID string
	// Algorithm is the key transport (RSAOAEPMGF1P, RSAOAEP, RSA15) or key
	// wrap (KWAES128, KWAES192, KWAES256) algorithm.
	Algorithm string
	// DigestMethod is the Algorithm of the ds:DigestMethod of an OAEP
	// EncryptionMethod, or "" (SHA-1).
	DigestMethod string
	// MGF is the Algorithm of the xenc11:MGF of an RSAOAEP EncryptionMethod,
	// or "" (MGF1-SHA1).
	MGF string
	// OAEPParams is the decoded xenc:OAEPparams, or nil.
	OAEPParams []byte
	// KeyInfo is the ds:KeyInfo child (in the tree, not a copy), or nil:
	// the wsse:SecurityTokenReference that names the recipient's key.
	KeyInfo *etree.Element
	// CipherValue is the decoded xenc:CipherValue: the wrapped key.
	CipherValue []byte
	// DataReferences are the Ids (without '#') listed by the
	// xenc:ReferenceList child, in order; nil if there is none.
	DataReferences []string
	// Recipient is the Recipient attribute, or "".
	Recipient string
}

// NewEncryptedKey wraps sessionKey to pub with the key transport algorithm
// alg (RSAOAEPMGF1P, RSAOAEP, or RSA15 with AllowRSA15) and returns the
// detached xenc:EncryptedKey element: Id (if id is not empty), an
// xenc:EncryptionMethod, ds:KeyInfo, xenc:CipherData/xenc:CipherValue and,
// when dataRefs is not empty, an xenc:ReferenceList with a
// xenc:DataReference URI="#id" for each of them.
//
// opts are those of WrapKey, and the EncryptionMethod declares them: an
// xenc:OAEPparams for WithOAEPParams, a ds:DigestMethod for a non-empty
// WithDigestMethod (none means SHA-1), an xenc11:MGF for a non-empty
// WithMGF with RSAOAEP (rsa-oaep-mgf1p has MGF1-SHA1 built in).
//
// keyInfo, when not nil, is moved into the element: a ds:KeyInfo as is,
// anything else (typically a wsse:SecurityTokenReference with a
// ThumbprintSHA1 or X509 KeyIdentifier) wrapped in a new ds:KeyInfo.
// random is passed to WrapKey.
func NewEncryptedKey(alg string, pub *rsa.PublicKey, sessionKey []byte, id string, keyInfo *etree.Element, dataRefs []string, random io.Reader, opts ...Option) (*etree.Element, error) {
	if err := checkKeyIDs(id, dataRefs); err != nil {
		return nil, err
	}
	wrapped, err := WrapKey(alg, pub, sessionKey, random, opts...)
	if err != nil {
		return nil, err
	}
	var o transportOptions
	for _, f := range opts {
		f(&o)
	}
	em := etree.NewElement(prefixXENC + ":EncryptionMethod")
	em.CreateAttr("Algorithm", alg)
	if alg != RSA15 {
		if len(o.oaepParams) > 0 {
			em.CreateElement(prefixXENC + ":OAEPparams").SetText(base64.StdEncoding.EncodeToString(o.oaepParams))
		}
		if o.digest != "" {
			dm := em.CreateElement(prefixDS + ":DigestMethod")
			dm.CreateAttr("xmlns:"+prefixDS, NSDSig)
			dm.CreateAttr("Algorithm", o.digest)
		}
		if o.mgf != "" && alg == RSAOAEP {
			m := em.CreateElement(prefixXENC11 + ":MGF")
			m.CreateAttr("xmlns:"+prefixXENC11, NS11)
			m.CreateAttr("Algorithm", o.mgf)
		}
	}
	return newEncryptedKey(id, em, keyInfo, wrapped, dataRefs), nil
}

// NewEncryptedKeyAES wraps key under the key-encryption key kek with the
// AES Key Wrap algorithm alg (KWAES128, KWAES192, KWAES256; see
// WrapKeyAES) and returns the detached xenc:EncryptedKey, laid out as by
// NewEncryptedKey. keyInfo names the key-encryption key (for example a
// wsse:SecurityTokenReference to a SecurityContextToken or a ds:KeyName).
func NewEncryptedKeyAES(alg string, kek, key []byte, id string, keyInfo *etree.Element, dataRefs []string) (*etree.Element, error) {
	if err := checkKeyIDs(id, dataRefs); err != nil {
		return nil, err
	}
	wrapped, err := WrapKeyAES(alg, kek, key)
	if err != nil {
		return nil, err
	}
	em := etree.NewElement(prefixXENC + ":EncryptionMethod")
	em.CreateAttr("Algorithm", alg)
	return newEncryptedKey(id, em, keyInfo, wrapped, dataRefs), nil
}

func checkKeyIDs(id string, dataRefs []string) error {
	if id != "" && !validID(id) {
		return malformed("EncryptedKey Id %q is not an XML ID", id)
	}
	return checkRefIDs(dataRefs)
}

func checkRefIDs(ids []string) error {
	if len(ids) > MaxDataReferences {
		return fmt.Errorf("%w: %d data references, at most %d", ErrTooLarge, len(ids), MaxDataReferences)
	}
	for _, id := range ids {
		if !validID(id) {
			return malformed("data reference %q is not an XML ID (give it without '#')", id)
		}
	}
	return nil
}

func newEncryptedKey(id string, em, keyInfo *etree.Element, wrapped []byte, dataRefs []string) *etree.Element {
	ek := etree.NewElement(prefixXENC + ":EncryptedKey")
	ek.CreateAttr("xmlns:"+prefixXENC, NS)
	if id != "" {
		ek.CreateAttr("Id", id)
	}
	ek.AddChild(em)
	addKeyInfo(ek, keyInfo)
	ek.CreateElement(prefixXENC + ":CipherData").CreateElement(prefixXENC + ":CipherValue").
		SetText(base64.StdEncoding.EncodeToString(wrapped))
	if len(dataRefs) > 0 {
		addDataReferences(ek.CreateElement(prefixXENC+":ReferenceList"), dataRefs)
	}
	return ek
}

func addDataReferences(rl *etree.Element, ids []string) {
	for _, id := range ids {
		rl.CreateElement(prefixXENC+":DataReference").CreateAttr("URI", "#"+id)
	}
}

// ParseEncryptedKey parses the xenc:EncryptedKey el: xenc:EncryptionMethod
// (required, with the parameters its algorithm allows: xenc:OAEPparams,
// ds:DigestMethod and xenc11:MGF for OAEP), optional ds:KeyInfo,
// xenc:CipherData with one xenc:CipherValue of at most MaxWrappedKeySize
// bytes, optional xenc:EncryptionProperties, optional xenc:ReferenceList
// (see ParseReferenceList) and optional xenc:CarriedKeyName, in that
// order. An unknown algorithm, DigestMethod or MGF gives
// ErrUnsupportedAlgorithm, a CipherReference ErrCipherReference, an
// oversized value or list ErrTooLarge, other defects ErrMalformed. Nothing
// is decrypted.
func ParseEncryptedKey(el *etree.Element) (*EncryptedKey, error) {
	if el == nil || !isNamed(el, NS, "EncryptedKey") {
		return nil, malformed("not an xenc:EncryptedKey")
	}
	ek := &EncryptedKey{ID: attr(el, "Id"), Recipient: attr(el, "Recipient")}
	if xmlutil.AttrNS(el, "", "Id") != nil && !validID(ek.ID) {
		return nil, malformed("EncryptedKey Id is not an XML ID")
	}
	kids, err := childElements(el)
	if err != nil {
		return nil, err
	}
	i := 0
	if i == len(kids) || !isNamed(kids[i], NS, "EncryptionMethod") {
		return nil, malformed("EncryptedKey without EncryptionMethod")
	}
	if err := ek.parseMethod(kids[i]); err != nil {
		return nil, err
	}
	i++
	if i < len(kids) && isNamed(kids[i], NSDSig, "KeyInfo") {
		ek.KeyInfo = kids[i]
		i++
	}
	if i == len(kids) || !isNamed(kids[i], NS, "CipherData") {
		return nil, malformed("EncryptedKey without CipherData")
	}
	cv, err := cipherValueOf(kids[i])
	if err != nil {
		return nil, err
	}
	if ek.CipherValue, err = decodeBase64(cv, MaxWrappedKeySize, malformed("EncryptedKey CipherValue is not base64")); err != nil {
		return nil, err
	}
	if len(ek.CipherValue) == 0 {
		return nil, malformed("EncryptedKey CipherValue is empty")
	}
	i++
	if i < len(kids) && isNamed(kids[i], NS, "EncryptionProperties") {
		i++
	}
	if i < len(kids) && isNamed(kids[i], NS, "ReferenceList") {
		if ek.DataReferences, err = ParseReferenceList(kids[i]); err != nil {
			return nil, err
		}
		i++
	}
	if i < len(kids) && isNamed(kids[i], NS, "CarriedKeyName") {
		i++
	}
	if i != len(kids) {
		return nil, malformed("unexpected element <%s> in EncryptedKey", kids[i].FullTag())
	}
	return ek, nil
}

// parseMethod reads the key transport or key wrap xenc:EncryptionMethod.
func (ek *EncryptedKey) parseMethod(em *etree.Element) error {
	ek.Algorithm = attr(em, "Algorithm")
	oaep := false
	switch ek.Algorithm {
	case RSAOAEPMGF1P, RSAOAEP:
		oaep = true
	case RSA15, KWAES128, KWAES192, KWAES256:
	case "":
		return malformed("EncryptionMethod without Algorithm")
	default:
		return fmt.Errorf("%w: EncryptedKey algorithm %q", ErrUnsupportedAlgorithm, ek.Algorithm)
	}
	kids, err := childElements(em)
	if err != nil {
		return err
	}
	var seenParams, seenDigest, seenMGF bool
	for _, k := range kids {
		switch {
		case oaep && !seenParams && isNamed(k, NS, "OAEPparams"):
			seenParams = true
			if ek.OAEPParams, err = decodeBase64(k, maxOAEPParams, malformed("OAEPparams is not base64")); err != nil {
				return err
			}
		case oaep && !seenDigest && isNamed(k, NSDSig, "DigestMethod"):
			seenDigest = true
			ek.DigestMethod = attr(k, "Algorithm")
			if _, ok := digestHash(ek.DigestMethod); !ok || ek.DigestMethod == "" {
				return fmt.Errorf("%w: OAEP DigestMethod %q", ErrUnsupportedAlgorithm, ek.DigestMethod)
			}
		case ek.Algorithm == RSAOAEP && !seenMGF && isNamed(k, NS11, "MGF"):
			seenMGF = true
			ek.MGF = attr(k, "Algorithm")
			if _, ok := mgfHash(ek.MGF); !ok || ek.MGF == "" {
				return fmt.Errorf("%w: MGF %q", ErrUnsupportedAlgorithm, ek.MGF)
			}
		default:
			return malformed("unexpected element <%s> in the EncryptionMethod of %s", k.FullTag(), ek.Algorithm)
		}
	}
	return nil
}

// Unwrap decrypts the key with priv using the EncryptedKey's algorithm and
// its DigestMethod, MGF and OAEPparams, through UnwrapKey, and returns a
// key of wantLen bytes. As with UnwrapKey, a failed RSA decryption is not
// reported: the result is then a random key, and the failure shows later
// as ErrDecrypt or a failed signature, like any other bad message. The
// error is non-nil only for conditions that do not depend on the
// ciphertext: a key wrap algorithm (use UnwrapAES), rsa-1_5 without
// AllowRSA15 among opts, a nil key, a bad wantLen, a failing random.
// opts carry the receiver's policy (AllowRSA15); they are applied after
// the element's own parameters.
func (ek *EncryptedKey) Unwrap(priv *rsa.PrivateKey, wantLen int, random io.Reader, opts ...Option) ([]byte, error) {
	if _, ok := kwKeySize(ek.Algorithm); ok {
		return nil, fmt.Errorf("%w: %s is a key wrap algorithm; use UnwrapAES", ErrUnsupportedAlgorithm, ek.Algorithm)
	}
	all := append([]Option{WithDigestMethod(ek.DigestMethod), WithMGF(ek.MGF), WithOAEPParams(ek.OAEPParams)}, opts...)
	return UnwrapKey(ek.Algorithm, priv, ek.CipherValue, wantLen, random, all...)
}

// UnwrapAES unwraps the key of a key wrap (kw-aes*) EncryptedKey under the
// key-encryption key kek; see UnwrapKeyAES. AES Key Wrap is authenticated:
// a wrong kek or tampered value gives ErrDecrypt.
func (ek *EncryptedKey) UnwrapAES(kek []byte) ([]byte, error) {
	if _, ok := kwKeySize(ek.Algorithm); !ok {
		return nil, fmt.Errorf("%w: %s is not a key wrap algorithm; use Unwrap", ErrUnsupportedAlgorithm, ek.Algorithm)
	}
	return UnwrapKeyAES(ek.Algorithm, kek, ek.CipherValue)
}

// EncryptedKeySHA1 returns the WS-Security 1.1 EncryptedKeySHA1 key
// identifier of an EncryptedKey: the base64 SHA-1 digest of its decoded
// CipherValue (EncryptedKey.CipherValue). A message that reuses the key
// of an EncryptedKey sent earlier refers to it by this value.
func EncryptedKeySHA1(cipherValue []byte) string {
	sum := sha1.Sum(cipherValue)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// NewReferenceList returns a detached xenc:ReferenceList with an
// xenc:DataReference URI="#id" for each of ids (Ids without '#'), as
// WS-Security places in the wsse:Security header to list what a
// DerivedKeyToken or other key encrypted. ids must be non-empty, at most
// MaxDataReferences, and valid XML IDs.
func NewReferenceList(ids []string) (*etree.Element, error) {
	if len(ids) == 0 {
		return nil, malformed("empty ReferenceList")
	}
	if err := checkRefIDs(ids); err != nil {
		return nil, err
	}
	rl := etree.NewElement(prefixXENC + ":ReferenceList")
	rl.CreateAttr("xmlns:"+prefixXENC, NS)
	addDataReferences(rl, ids)
	return rl, nil
}

// ParseReferenceList returns the Ids (without '#') of the
// xenc:DataReference children of the xenc:ReferenceList el, in order. Only
// same-document references "#id" to a valid XML ID are accepted: a URI
// naming another document ("http://...", "cid:..."), an XPointer or an
// empty URI gives ErrMalformed, as do an xenc:KeyReference, a
// DataReference with children (transforms), a repeated Id and an empty
// list. More than MaxDataReferences gives ErrTooLarge.
func ParseReferenceList(el *etree.Element) ([]string, error) {
	if el == nil || !isNamed(el, NS, "ReferenceList") {
		return nil, malformed("not an xenc:ReferenceList")
	}
	kids, err := childElements(el)
	if err != nil {
		return nil, err
	}
	if len(kids) == 0 {
		return nil, malformed("empty ReferenceList")
	}
	if len(kids) > MaxDataReferences {
		return nil, fmt.Errorf("%w: %d data references, at most %d", ErrTooLarge, len(kids), MaxDataReferences)
	}
	ids := make([]string, 0, len(kids))
	seen := make(map[string]bool, len(kids))
	for _, k := range kids {
		if !isNamed(k, NS, "DataReference") {
			return nil, malformed("unexpected element <%s> in ReferenceList (only DataReference is supported)", k.FullTag())
		}
		if sub, err := childElements(k); err != nil || len(sub) > 0 {
			return nil, malformed("DataReference with content")
		}
		id, ok := strings.CutPrefix(attr(k, "URI"), "#")
		if !ok || !validID(id) {
			return nil, malformed("DataReference URI is not a same-document reference \"#id\"")
		}
		if seen[id] {
			return nil, malformed("DataReference to the same Id twice")
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids, nil
}

// AddDataReferences lists ids (Ids without '#') in the xenc:ReferenceList
// of the xenc:EncryptedKey ek, creating it in its schema place (after
// CipherData and EncryptionProperties, before CarriedKeyName) when ek has
// none. This is the WS-Security 1.0 layout: the EncryptedKey names what
// its key encrypted, and those EncryptedData need no KeyInfo. ek must not
// be signed yet. The ids must be valid XML IDs; the whole list at most
// MaxDataReferences.
func AddDataReferences(ek *etree.Element, ids []string) error {
	if ek == nil || !isNamed(ek, NS, "EncryptedKey") {
		return malformed("not an xenc:EncryptedKey")
	}
	if len(ids) == 0 {
		return nil
	}
	if err := checkRefIDs(ids); err != nil {
		return err
	}
	var rl, carried *etree.Element
	for _, c := range ek.ChildElements() {
		switch {
		case isNamed(c, NS, "ReferenceList"):
			rl = c
		case isNamed(c, NS, "CarriedKeyName"):
			carried = c
		}
	}
	if rl != nil {
		if n := len(rl.ChildElements()) + len(ids); n > MaxDataReferences {
			return fmt.Errorf("%w: %d data references, at most %d", ErrTooLarge, n, MaxDataReferences)
		}
	} else {
		// The EncryptedKey's own prefix is bound to NS (isNamed checked it).
		rl = etree.NewElement("ReferenceList")
		rl.Space = ek.Space
		if carried != nil {
			ek.InsertChildAt(carried.Index(), rl)
		} else {
			ek.AddChild(rl)
		}
	}
	for _, id := range ids {
		dr := rl.CreateElement("DataReference")
		dr.Space = ek.Space
		dr.CreateAttr("URI", "#"+id)
	}
	return nil
}
