package spnego

import (
	"fmt"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/iana/asnAppTag"
	"github.com/jcmturner/gokrb5/v8/iana/msgtype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// encAPRepPart is EncAPRepPart (RFC 4120 5.5.2) for writing; gokrb5's
// messages.EncAPRepPart reads it.
type encAPRepPart struct {
	CTime          time.Time           `asn1:"generalized,explicit,tag:0"`
	Cusec          int                 `asn1:"explicit,tag:1"`
	Subkey         types.EncryptionKey `asn1:"optional,explicit,tag:2"`
	SequenceNumber int64               `asn1:"optional,explicit,tag:3"`
}

// marshalAPRep builds a KRB_AP_REP answering an authenticator with ctime
// and cusec, carrying subkey and seq, encrypted under the ticket's session
// key.
func marshalAPRep(sessionKey types.EncryptionKey, ctime time.Time, cusec int, subkey types.EncryptionKey, seq int64) ([]byte, error) {
	part, err := asn1.Marshal(encAPRepPart{CTime: ctime.UTC(), Cusec: cusec, Subkey: subkey, SequenceNumber: seq})
	if err != nil {
		return nil, fmt.Errorf("spnego: EncAPRepPart: %w", err)
	}
	part = asn1tools.AddASNAppTag(part, asnAppTag.EncAPRepPart)
	ct, err := encrypt(sessionKey, part, usageAPRepEncPart)
	if err != nil {
		return nil, err
	}
	rep := messages.APRep{PVNO: 5, MsgType: msgtype.KRB_AP_REP,
		EncPart: types.EncryptedData{EType: sessionKey.KeyType, Cipher: ct}}
	b, err := asn1.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("spnego: AP-REP: %w", err)
	}
	return asn1tools.AddASNAppTag(b, asnAppTag.APREP), nil
}

// parseAPRep decodes a KRB_AP_REP and decrypts its EncAPRepPart with the
// session key.
func parseAPRep(b []byte, sessionKey types.EncryptionKey) (*messages.EncAPRepPart, error) {
	var rep messages.APRep
	if err := rep.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%w: AP-REP: %v", ErrMalformed, err)
	}
	if rep.PVNO != 5 {
		return nil, fmt.Errorf("%w: AP-REP pvno %d", ErrMalformed, rep.PVNO)
	}
	if rep.EncPart.EType != sessionKey.KeyType {
		return nil, fmt.Errorf("%w: AP-REP under enctype %d, session key %d", ErrMutualAuth, rep.EncPart.EType, sessionKey.KeyType)
	}
	pt, err := decrypt(sessionKey, rep.EncPart.Cipher, usageAPRepEncPart)
	if err != nil {
		return nil, fmt.Errorf("%w: AP-REP: %w", ErrMutualAuth, err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(pt); err != nil {
		return nil, fmt.Errorf("%w: EncAPRepPart: %v", ErrMalformed, err)
	}
	return &part, nil
}
