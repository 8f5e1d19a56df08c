package wssecurity

import (
	"context"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/stretchr/testify/require"
)

// Fuzz targets of the token parsers. Each input is an XML document; the
// parser runs on every element of it, so whole messages are useful seeds,
// and must not panic. Accepted values are checked against the documented
// invariants. Crashers found are kept in testdata/fuzz/.

// fuzzSeeds adds every element with the given name in the vectors, made
// standalone, plus extra strings.
func fuzzSeeds(f *testing.F, ns, local string, files []string, extra ...string) {
	for _, file := range files {
		for _, el := range tokFindAll(tokDoc(f, file), ns, local) {
			f.Add(tokStandalone(f, el))
		}
	}
	for _, s := range extra {
		el, err := tokParse([]byte(s))
		require.NoError(f, err)
		f.Add(tokStandalone(f, el))
	}
}

var tokenVectorFiles = []string{"msg_01.xml", "msg_02.xml", "msg_03.xml", "msg_04.xml", "msg_05.xml", "msg_06.xml",
	"02_corewcf_rstr-sct-response.xml", "03_corewcf_app-request-sct-hmac.xml", "68_ms-lwssp_4-9_context-establishment-rstr.xml"}

// fuzzElements parses data and calls fn on every element.
func fuzzElements(data []byte, fn func(*etree.Element)) {
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	if err := doc.ReadFromBytes(data); err != nil || doc.Root() == nil {
		return
	}
	var walk func(*etree.Element, int)
	walk = func(e *etree.Element, depth int) {
		fn(e)
		if depth < 64 {
			for _, c := range e.ChildElements() {
				walk(c, depth+1)
			}
		}
	}
	walk(doc.Root(), 0)
}

func FuzzParseTimestamp(f *testing.F) {
	fuzzSeeds(f, wsse.NSWSU, "Timestamp", tokenVectorFiles,
		tsXML("2026-11-22T19:11:14.851Z", "2026-11-22T19:11:14.851Z"),
		tsXML("2026-11-22T19:11:14.851+01:00", "2026-11-22T19:16:14Z"),
		tsXML("2026-02-29T19:11:14.1234567890123Z", ""),
		`<wsu:Timestamp><wsu:Created>2026-11-22T19:11:14Z</wsu:Created><wsu:Created>2026-11-22T19:11:14Z</wsu:Created></wsu:Timestamp>`)
	now := time.Date(2026, 11, 22, 19, 11, 20, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzElements(data, func(el *etree.Element) {
			ts, err := wsse.ParseTimestamp(el)
			if err != nil {
				if FaultSubcode(err) == "" {
					t.Fatalf("error without a fault subcode: %v", err)
				}
				return
			}
			if ts.Created.IsZero() || ts.Created.Location() != time.UTC {
				t.Fatalf("bad Created %v", ts.Created)
			}
			if !ts.Expires.IsZero() && !ts.Created.Before(ts.Expires) {
				t.Fatalf("Created %v not before Expires %v", ts.Created, ts.Expires)
			}
			_ = ts.Check(now, DefaultMaxClockSkew, time.Hour)
			// What we parse we can write back with the same times (to the
			// millisecond).
			if !ts.Expires.IsZero() && ts.Expires.Sub(ts.Created) > time.Millisecond {
				back, err := wsse.ParseTimestamp(wsse.NewTimestamp(ts.Created, ts.Expires.Sub(ts.Created), ts.ID))
				if err != nil {
					t.Fatalf("round trip: %v", err)
				}
				if !back.Created.Equal(ts.Created.Truncate(time.Millisecond)) {
					t.Fatalf("round trip Created %v != %v", back.Created, ts.Created)
				}
			}
		})
	})
}

func FuzzParseUsernameToken(f *testing.F) {
	fuzzSeeds(f, wsse.NSWSSE, "UsernameToken", tokenVectorFiles,
		utXML(utUser+utPass+utNonce+utCreated),
		utXML(utUser+`<wsse:Password>p@ssword</wsse:Password>`),
		utXML(utUser+utPass+`<wsse:Nonce>`+"\n ojrNKfQD\n Vqg6jNqc\n 2y/XCg==\n"+`</wsse:Nonce>`+utCreated),
		utXML(utUser+utUser+utPass))
	now := time.Date(2026, 11, 22, 19, 11, 20, 0, time.UTC)
	v := &UsernameTokenVerifier{LookupPassword: lookupFor("alice", "s3cr3t-P@ssw0rd")}
	cache := NewMemoryReplayCache(WithMaxEntries(1000))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzElements(data, func(el *etree.Element) {
			ut, err := wsse.ParseUsernameToken(el)
			if err != nil {
				if FaultSubcode(err) == "" {
					t.Fatalf("error without a fault subcode: %v", err)
				}
				return
			}
			if ut.Username == "" || len(ut.Nonce) > wsse.MaxNonceSize || (ut.Nonce != nil && len(ut.Nonce) == 0) {
				t.Fatalf("invariant broken: %+v", ut)
			}
			switch ut.PasswordType {
			case "", URIPasswordText, URIPasswordDigest:
			default:
				t.Fatalf("password type %q", ut.PasswordType)
			}
			if err := validateUT(context.Background(), v, ut, now, 0, cache); err != nil && FaultSubcode(err) == "" && err.Error() == "" {
				t.Fatalf("empty error")
			}
		})
	})
}

func FuzzParseSTR(f *testing.F) {
	fuzzSeeds(f, wsse.NSWSSE, "SecurityTokenReference", tokenVectorFiles,
		strXML(kiXML(wsse.URIX509SKI, "rf7dViMWj1sqK5KaTonxje9pPW4=")),
		strXML(kiXML(wsse.URIEncryptedKeySHA1, "OOQ976ASi6+kfB9DjunyxVDBQ4A=")),
		strXML(`<ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>O=soapstack test vectors,CN=wss4j-test</ds:X509IssuerName><ds:X509SerialNumber>703739346398461087585770449018380869744937446427</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data>`),
		strXML(`<ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>E=a@b, CN="x, y"+OU=#0c0161, 2.5.4.3=z</ds:X509IssuerName><ds:X509SerialNumber>-1</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data>`),
		strXML(`<wsse:Reference URI="#a"/><wsse:Reference URI="#b"/>`),
		strXML(strXML(`<wsse:Reference URI="#a"/>`)))
	cred, err := LoadPEM(tokData(f, "x509_cert.pem"), nil)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzElements(data, func(el *etree.Element) {
			s, err := wsse.ParseSTR(el)
			if err != nil {
				if FaultSubcode(err) == "" {
					t.Fatalf("error without a fault subcode: %v", err)
				}
				return
			}
			switch s.Kind {
			case wsse.STRReference:
				if s.URI == "" || s.Local != (s.URI[0] == '#') {
					t.Fatalf("bad reference %+v", s)
				}
			case wsse.STRKeyIdentifier:
				if len(s.KeyIdentifier) == 0 || len(s.KeyIdentifier) > wsse.MaxKeyIdentifierSize {
					t.Fatalf("bad key identifier size %d", len(s.KeyIdentifier))
				}
			case wsse.STRIssuerSerial:
				if s.SerialNumber == nil || s.IssuerName == "" {
					t.Fatalf("bad issuer serial %+v", s)
				}
			default:
				t.Fatalf("kind %v", s.Kind)
			}
			s.MatchCertificate(cred.Cert)
		})
	})
}
