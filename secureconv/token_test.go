package secureconv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tTestStart is the time the tests of this file start from.
var tTestStart = time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC)

// tSampleToken returns a typical token: username claims, a 32-byte key,
// WCF's 10-hour cookie lifetime and 15-hour key renewal interval, issued
// at now.
func tSampleToken(now time.Time) *SessionToken {
	return &SessionToken{
		ContextID:     "urn:uuid:6a2f1d8e-3c4b-4f5a-9e8d-7c6b5a4f3e2d",
		KeyGeneration: "urn:uuid:0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
		Key:           bytes.Repeat([]byte{0x5a, 0xa5, 0x3c, 0xc3}, 8),
		ValidFrom:     now,
		ValidTo:       now.Add(10 * time.Hour),
		KeyEffective:  now,
		KeyExpiration: now.Add(15 * time.Hour),
		Claims:        Claims{Method: AuthUsername, Username: "alice"},
		Endpoint:      "http://localhost:8080/services/SecureConversation",
		IssuedAt:      now,
	}
}

// tCertToken returns a token with certificate claims and every field set.
func tCertToken(now time.Time) *SessionToken {
	thumb := sha256.Sum256([]byte("client certificate DER"))
	t := tSampleToken(now)
	t.Claims = Claims{Method: AuthCertificate, CertSubject: "CN=Client, O=Example", CertThumbprintSHA256: thumb[:]}
	t.AppContext = []byte("application context \x00\x01\x02")
	t.Persistent = true
	return t
}

func TestSessionTokenValidity(t *testing.T) {
	tok := tSampleToken(tTestStart)
	tok.KeyExpiration = tTestStart.Add(time.Hour)
	tests := []struct {
		name          string
		at            time.Duration
		valid, keyOK  bool
		zeroKeyTimes  bool
		zeroValidTo   bool
		keyEffectiveD time.Duration
	}{
		{name: "before ValidFrom", at: -time.Nanosecond},
		{name: "at ValidFrom", at: 0, valid: true, keyOK: true},
		{name: "key about to expire", at: time.Hour - time.Nanosecond, valid: true, keyOK: true},
		{name: "key expired, token valid (RenewNeeded)", at: time.Hour, valid: true},
		{name: "last instant", at: 10*time.Hour - time.Nanosecond, valid: true},
		{name: "at ValidTo", at: 10 * time.Hour},
		{name: "zero key times follow the token", at: 5 * time.Hour, valid: true, keyOK: true, zeroKeyTimes: true},
		{name: "zero key times, expired", at: 10 * time.Hour, zeroKeyTimes: true},
		{name: "no ValidTo is never valid", at: time.Hour, zeroValidTo: true},
		{name: "key not yet effective", at: time.Minute, valid: true, keyEffectiveD: 2 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := *tok
			if tt.zeroKeyTimes {
				tk.KeyEffective, tk.KeyExpiration = time.Time{}, time.Time{}
			}
			if tt.zeroValidTo {
				tk.ValidTo = time.Time{}
			}
			if tt.keyEffectiveD != 0 {
				tk.KeyEffective = tTestStart.Add(tt.keyEffectiveD)
			}
			now := tTestStart.Add(tt.at)
			assert.Equal(t, tt.valid, tk.Valid(now), "Valid")
			assert.Equal(t, tt.keyOK, tk.KeyValid(now), "KeyValid")
		})
	}
}

func TestSessionTokenCheckEndpoint(t *testing.T) {
	tok := tSampleToken(tTestStart)
	require.NoError(t, tok.CheckEndpoint("http://localhost:8080/services/SecureConversation"))
	for _, ep := range []string{
		"http://localhost:8080/services/Other",
		"http://localhost:8080/services/SecureConversation/",
		"https://localhost:8080/services/SecureConversation",
		"http://LOCALHOST:8080/services/SecureConversation",
		"",
	} {
		assert.ErrorIs(t, tok.CheckEndpoint(ep), ErrEndpointMismatch, ep)
	}
	tok.Endpoint = ""
	assert.NoError(t, tok.CheckEndpoint(""))
	assert.ErrorIs(t, tok.CheckEndpoint("http://x/"), ErrEndpointMismatch)
}

func TestSessionTokenSameClient(t *testing.T) {
	thumb := sha256.Sum256([]byte("a"))
	other := sha256.Sum256([]byte("b"))
	user := Claims{Method: AuthUsername, Username: "alice"}
	cert := Claims{Method: AuthCertificate, CertSubject: "CN=A", CertThumbprintSHA256: thumb[:]}
	anon := Claims{Method: AuthAnonymous}
	tests := []struct {
		name   string
		token  Claims
		caller Claims
		want   bool
	}{
		{"same user", user, Claims{Method: AuthUsername, Username: "alice"}, true},
		{"other user", user, Claims{Method: AuthUsername, Username: "bob"}, false},
		{"user names are case-sensitive", user, Claims{Method: AuthUsername, Username: "Alice"}, false},
		{"user name prefix", user, Claims{Method: AuthUsername, Username: "alic"}, false},
		{"same name by certificate", user, Claims{Method: AuthCertificate, Username: "alice"}, false},
		{"anonymous caller of a user session", user, anon, false},
		{"empty user name matches nothing", Claims{Method: AuthUsername}, Claims{Method: AuthUsername}, false},
		{"same certificate", cert, Claims{Method: AuthCertificate, CertThumbprintSHA256: thumb[:]}, true},
		{"same certificate, subject not compared", cert, Claims{Method: AuthCertificate, CertSubject: "CN=B", CertThumbprintSHA256: thumb[:]}, true},
		{"other certificate, same subject", cert, Claims{Method: AuthCertificate, CertSubject: "CN=A", CertThumbprintSHA256: other[:]}, false},
		{"no thumbprint", cert, Claims{Method: AuthCertificate, CertSubject: "CN=A"}, false},
		{"token without thumbprint", Claims{Method: AuthCertificate, CertSubject: "CN=A"}, Claims{Method: AuthCertificate, CertSubject: "CN=A"}, false},
		{"truncated thumbprint", cert, Claims{Method: AuthCertificate, CertThumbprintSHA256: thumb[:16]}, false},
		{"anonymous", anon, anon, true},
		{"user caller of an anonymous session", anon, user, false},
		{"no claims", Claims{}, Claims{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tSampleToken(tTestStart)
			tok.Claims = tt.token
			assert.Equal(t, tt.want, tok.SameClient(tt.caller))
		})
	}
}

func TestSessionTokenClone(t *testing.T) {
	tok := tCertToken(tTestStart)
	c := tok.Clone()
	require.Equal(t, tok, c)
	c.Key[0] ^= 1
	c.Claims.CertThumbprintSHA256[0] ^= 1
	c.AppContext[0] ^= 1
	assert.NotEqual(t, tok.Key, c.Key)
	assert.NotEqual(t, tok.Claims.CertThumbprintSHA256, c.Claims.CertThumbprintSHA256)
	assert.NotEqual(t, tok.AppContext, c.AppContext)
	// The fields share one allocation, but appending to one never
	// overwrites the next.
	c = tok.Clone()
	_ = append(c.Key, 0xff, 0xff)
	_ = append(c.Claims.CertThumbprintSHA256, 0xff)
	assert.Equal(t, tok, c)

	bare := &SessionToken{ContextID: "x"}
	assert.Equal(t, bare, bare.Clone())
	tok.Wipe()
	assert.Equal(t, make([]byte, 32), tok.Key)
}

func TestSessionTokenBinaryRoundTrip(t *testing.T) {
	maxTok := &SessionToken{
		ContextID:     strings.Repeat("c", MaxContextIDLen),
		KeyGeneration: strings.Repeat("g", MaxContextIDLen),
		Key:           bytes.Repeat([]byte{1}, MaxSessionKeyLen),
		ValidFrom:     time.Unix(0, math.MinInt64+1).UTC(),
		ValidTo:       time.Unix(0, math.MaxInt64).UTC(),
		Claims: Claims{
			Method:               AuthCertificate,
			Username:             strings.Repeat("u", MaxUsernameLen),
			CertSubject:          strings.Repeat("s", MaxCertSubjectLen),
			CertThumbprintSHA256: bytes.Repeat([]byte{2}, 32),
		},
		Endpoint:   strings.Repeat("e", MaxEndpointLen),
		AppContext: bytes.Repeat([]byte{3}, MaxAppContextLen),
		Persistent: true,
	}
	tests := map[string]*SessionToken{
		"typical":     tSampleToken(tTestStart),
		"certificate": tCertToken(tTestStart),
		"minimal":     {ContextID: "c", Key: []byte{1}},
		"anonymous": {ContextID: "urn:uuid:1", Key: make([]byte, 16), Claims: Claims{Method: AuthAnonymous},
			ValidFrom: time.Unix(0, 0).UTC(), ValidTo: time.Unix(0, 1).UTC()},
		"unicode": {ContextID: "urn:uuid:é", Key: make([]byte, 24), Claims: Claims{Method: AuthUsername, Username: "Jürgen 日本"}},
		"maximal": maxTok,
		"v2":      tV2Token(tTestStart),
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := tok.MarshalBinary()
			require.NoError(t, err)
			assert.Len(t, b, tok.encodedLen())
			var got SessionToken
			require.NoError(t, got.UnmarshalBinary(b))
			assert.Equal(t, tok, &got)
			again, err := got.MarshalBinary()
			require.NoError(t, err)
			assert.Equal(t, b, again)
		})
	}

	// Times lose their location and monotonic reading, not their instant.
	tok := tSampleToken(time.Now().In(time.FixedZone("X", 3600)))
	b, err := tok.MarshalBinary()
	require.NoError(t, err)
	var got SessionToken
	require.NoError(t, got.UnmarshalBinary(b))
	assert.True(t, got.ValidFrom.Equal(tok.ValidFrom))
	assert.Equal(t, time.UTC, got.ValidTo.Location())
}

// tV2Token returns tCertToken with every version 2 field set: identities
// with well-known and other claim types, an anonymous identity, the WS-SC
// version, cookie mode and a bootstrap token.
func tV2Token(now time.Time) *SessionToken {
	t := tCertToken(now)
	t.Version = V13
	t.CookieMode = true
	t.BootstrapToken = []byte("<wsse:BinarySecurityToken>MIIB</wsse:BinarySecurityToken>")
	t.Identities = []soap.Identity{{AuthenticationMethod: soap.AuthMethodX509, Claims: []soap.Claim{
		{Type: soap.ClaimName, Value: "CN=Client, O=Example", Issuer: soap.LocalAuthority},
		{Type: soap.ClaimThumbprint, Value: "q83vASNFZ4mrze8BI0VniavN7wE=", Issuer: soap.LocalAuthority},
		{Type: soap.ClaimRole, Value: "operator", Issuer: "urn:example:transform"},
		{Type: "urn:example:department", Value: "Sales – Europe"},
		{Type: soap.ClaimAuthenticationMethod, Value: soap.AuthMethodX509, Issuer: soap.LocalAuthority},
	}}, {}}
	return t
}

// tGoldenTokenV2Hex is the encoding of tV2Token(tTestStart), written by the
// Python reference encoder of COOKIE.md (version 2).
const tGoldenTokenV2Hex = "02002d75726e3a757569643a36613266316438652d336334622d346635612d396538642d376336623561346633653264002d75726e3a757569643a30623163326433652d346635302d346136622d386337642d39653066316132623363346400205aa53cc35aa53cc35aa53cc35aa53cc35aa53cc35aa53cc35aa53cc35aa53cc318ea732404f8e00018ea93e1ec2f200018ea732404f8e00018eaa440dfca400018ea732404f8e0000300000014434e3d436c69656e742c204f3d4578616d706c65002008127d509a0cba15b75e45f53a160819237b71673021eaacb1faf330619316a70031687474703a2f2f6c6f63616c686f73743a383038302f73657276696365732f536563757265436f6e766572736174696f6e00176170706c69636174696f6e20636f6e7465787420000102030200393c777373653a42696e6172795365637572697479546f6b656e3e4d4949423c2f777373653a42696e6172795365637572697479546f6b656e3e02080501000014434e3d436c69656e742c204f3d4578616d706c650a0400001c7138337641534e465a346d727a6538424930566e6961764e3777453d0a020000086f70657261746f7200001575726e3a6578616d706c653a7472616e73666f726d00001675726e3a6578616d706c653a6465706172746d656e7400001053616c657320e28093204575726f706500000003080a00000000"

// tGoldenTokenHex is the encoding of tCertToken(tTestStart), version 1,
// written by the Python reference encoder of COOKIE.md (an implementation
// independent of this package). It pins the format: cookies and shared
// caches written by older servers must still decode.
const tGoldenTokenHex = "01" +
	"002d" + "75726e3a757569643a36613266316438652d336334622d346635612d396538642d376336623561346633653264" +
	"002d" + "75726e3a757569643a30623163326433652d346635302d346136622d386337642d396530663161326233633464" +
	"0020" + "5aa53cc35aa53cc35aa53cc35aa53cc35aa53cc35aa53cc35aa53cc35aa53cc3" +
	"18ea732404f8e000" + "18ea93e1ec2f2000" + "18ea732404f8e000" + "18eaa440dfca4000" + "18ea732404f8e000" +
	"03" +
	"0000" +
	"0014" + "434e3d436c69656e742c204f3d4578616d706c65" +
	"0020" + "08127d509a0cba15b75e45f53a160819237b71673021eaacb1faf330619316a7" +
	"0031" + "687474703a2f2f6c6f63616c686f73743a383038302f73657276696365732f536563757265436f6e766572736174696f6e" +
	"0017" + "6170706c69636174696f6e20636f6e74657874200001" + "02" +
	"01"

func TestSessionTokenBinaryGolden(t *testing.T) {
	t.Run("v1", func(t *testing.T) {
		// A version 1 encoding still decodes, and encodes again as version
		// 2 with the new fields empty.
		tok := tCertToken(tTestStart)
		golden, err := hex.DecodeString(tGoldenTokenHex)
		require.NoError(t, err)
		var got SessionToken
		require.NoError(t, got.UnmarshalBinary(golden))
		assert.Equal(t, tok, &got)
		b, err := tok.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, "02"+tGoldenTokenHex[2:]+"00"+"0000"+"00", hex.EncodeToString(b))
	})
	t.Run("v2", func(t *testing.T) {
		tok := tV2Token(tTestStart)
		golden, err := hex.DecodeString(tGoldenTokenV2Hex)
		require.NoError(t, err)
		var got SessionToken
		require.NoError(t, got.UnmarshalBinary(golden))
		assert.Equal(t, tok, &got)
		b, err := tok.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, tGoldenTokenV2Hex, hex.EncodeToString(b))
		assert.Len(t, b, tok.encodedLen())
	})
}

func TestSessionTokenMarshalRefuses(t *testing.T) {
	tests := map[string]func(*SessionToken){
		"no context id":        func(t *SessionToken) { t.ContextID = "" },
		"long context id":      func(t *SessionToken) { t.ContextID = strings.Repeat("x", MaxContextIDLen+1) },
		"long generation":      func(t *SessionToken) { t.KeyGeneration = strings.Repeat("x", MaxContextIDLen+1) },
		"context id not UTF-8": func(t *SessionToken) { t.ContextID = "urn:\xff" },
		"no key":               func(t *SessionToken) { t.Key = nil },
		"long key":             func(t *SessionToken) { t.Key = make([]byte, MaxSessionKeyLen+1) },
		"long user name":       func(t *SessionToken) { t.Claims.Username = strings.Repeat("x", MaxUsernameLen+1) },
		"long subject":         func(t *SessionToken) { t.Claims.CertSubject = strings.Repeat("x", MaxCertSubjectLen+1) },
		"SHA-1 thumbprint":     func(t *SessionToken) { t.Claims.CertThumbprintSHA256 = make([]byte, 20) },
		"long endpoint":        func(t *SessionToken) { t.Endpoint = strings.Repeat("x", MaxEndpointLen+1) },
		"long app context":     func(t *SessionToken) { t.AppContext = make([]byte, MaxAppContextLen+1) },
		"unknown method":       func(t *SessionToken) { t.Claims.Method = "kerberos" },
		"year 2300":            func(t *SessionToken) { t.ValidTo = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC) },
		"year 1600":            func(t *SessionToken) { t.IssuedAt = time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC) },
		"the zero time's code": func(t *SessionToken) { t.IssuedAt = time.Unix(0, math.MinInt64) },
		"past the last code":   func(t *SessionToken) { t.IssuedAt = time.Unix(0, math.MaxInt64).Add(1) },
		"unknown version":      func(t *SessionToken) { t.Version = 3 },
		"long bootstrap token": func(t *SessionToken) { t.BootstrapToken = make([]byte, MaxBootstrapTokenLen+1) },
		"too many identities":  func(t *SessionToken) { t.Identities = make([]soap.Identity, MaxIdentities+1) },
		"too many claims": func(t *SessionToken) {
			t.Identities = []soap.Identity{{Claims: make([]soap.Claim, MaxClaims+1)}}
		},
		"too many claims in all": func(t *SessionToken) {
			t.Identities = []soap.Identity{{Claims: make([]soap.Claim, MaxClaims)}, {Claims: make([]soap.Claim, 1)}}
		},
		"long claim type": func(t *SessionToken) {
			t.Identities = []soap.Identity{{Claims: []soap.Claim{{Type: strings.Repeat("t", MaxClaimTypeLen+1)}}}}
		},
		"long claim value": func(t *SessionToken) {
			t.Identities = []soap.Identity{{Claims: []soap.Claim{{Value: strings.Repeat("v", MaxClaimValueLen+1)}}}}
		},
		"long claim issuer": func(t *SessionToken) {
			t.Identities = []soap.Identity{{Claims: []soap.Claim{{Issuer: strings.Repeat("i", MaxClaimTypeLen+1)}}}}
		},
		"long method": func(t *SessionToken) {
			t.Identities = []soap.Identity{{AuthenticationMethod: strings.Repeat("m", MaxClaimTypeLen+1)}}
		},
		"claim value not UTF-8": func(t *SessionToken) { t.Identities = []soap.Identity{{Claims: []soap.Claim{{Value: "\xff"}}}} },
		"too large in all": func(t *SessionToken) {
			// Every field within its bound, the whole beyond a cookie.
			t.AppContext = make([]byte, MaxAppContextLen)
			t.BootstrapToken = make([]byte, MaxBootstrapTokenLen)
			t.Identities = []soap.Identity{{Claims: []soap.Claim{{Value: strings.Repeat("v", MaxClaimValueLen)},
				{Value: strings.Repeat("v", MaxClaimValueLen)}}}}
		},
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			tok := tSampleToken(tTestStart)
			mutate(tok)
			_, err := tok.MarshalBinary()
			require.Error(t, err)
			if len(tok.Key) > 0 {
				assert.NotContains(t, err.Error(), string(tok.Key))
			}
		})
	}
}

func TestSessionTokenUnmarshalStrict(t *testing.T) {
	good, err := tCertToken(tTestStart).MarshalBinary()
	require.NoError(t, err)
	var tok SessionToken
	require.NoError(t, tok.UnmarshalBinary(good))

	// Every truncation and any trailing byte fail.
	for n := range len(good) {
		assert.Error(t, new(SessionToken).UnmarshalBinary(good[:n]), "truncated to %d", n)
	}
	assert.Error(t, new(SessionToken).UnmarshalBinary(append(good[:len(good):len(good)], 0)), "trailing byte")

	// Offsets in the encoding of tCertToken.
	off := struct{ ctx, gen, key, times, method, user, subject, thumb, endpoint, app, flags, version, boot, ids int }{}
	off.ctx = 1
	off.gen = off.ctx + 2 + 45
	off.key = off.gen + 2 + 45
	off.times = off.key + 2 + 32
	off.method = off.times + 40
	off.user = off.method + 1
	off.subject = off.user + 2
	off.thumb = off.subject + 2 + 20
	off.endpoint = off.thumb + 2 + 32
	off.app = off.endpoint + 2 + 49
	off.flags = off.app + 2 + 23
	off.version = off.flags + 1
	off.boot = off.version + 1
	off.ids = off.boot + 2
	require.Equal(t, len(good)-1, off.ids)

	set16 := func(b []byte, at, v int) { b[at], b[at+1] = byte(v>>8), byte(v) }
	tests := map[string]func([]byte) []byte{
		"version 0":            func(b []byte) []byte { b[0] = 0; return b },
		"version 3":            func(b []byte) []byte { b[0] = 3; return b },
		"v1 with v2 fields":    func(b []byte) []byte { b[0] = 1; return b },
		"v1 with cookie flag":  func(b []byte) []byte { b[0] = 1; b[off.flags] |= tFlagCookieMode; return b[:off.flags+1] },
		"WS-SC version 3":      func(b []byte) []byte { b[off.version] = 3; return b },
		"long bootstrap token": func(b []byte) []byte { set16(b, off.boot, MaxBootstrapTokenLen+1); return b },
		"9 identities":         func(b []byte) []byte { b[off.ids] = MaxIdentities + 1; return b },
		"identity missing":     func(b []byte) []byte { b[off.ids] = 1; return b },
		"unknown atom": func(b []byte) []byte {
			return append(b[:off.ids], 1, byte(len(tAtoms)+1), 0)
		},
		"literal of an atom": func(b []byte) []byte {
			b = append(b[:off.ids], 1, 0)
			b = tAppendField(b, []byte(soap.AuthMethodX509))
			return append(b, 0)
		},
		"too many claims": func(b []byte) []byte {
			b = append(b[:off.ids], 2, 1, MaxClaims)
			for range MaxClaims {
				b = append(b, 1, 1, 1)
			}
			return append(b, 1, 1, 1, 1, 1)
		},
		"empty context id":      func(b []byte) []byte { set16(b, off.ctx, 0); return b },
		"long context id":       func(b []byte) []byte { set16(b, off.ctx, MaxContextIDLen+1); return b },
		"context id not UTF-8":  func(b []byte) []byte { b[off.ctx+2] = 0xff; return b },
		"generation not UTF-8":  func(b []byte) []byte { b[off.gen+2] = 0xc3; return b },
		"empty key":             func(b []byte) []byte { set16(b, off.key, 0); return b },
		"key length beyond end": func(b []byte) []byte { set16(b, off.key, 64); return b[:off.key+40] },
		"long key":              func(b []byte) []byte { set16(b, off.key, MaxSessionKeyLen+1); return b },
		"method 4":              func(b []byte) []byte { b[off.method] = 4; return b },
		"method 0xff":           func(b []byte) []byte { b[off.method] = 0xff; return b },
		"long user name":        func(b []byte) []byte { set16(b, off.user, MaxUsernameLen+1); return b },
		"subject not UTF-8":     func(b []byte) []byte { b[off.subject+2] = 0x80; return b },
		"thumbprint of 31":      func(b []byte) []byte { set16(b, off.thumb, 31); return b },
		"thumbprint of 33":      func(b []byte) []byte { set16(b, off.thumb, 33); return b },
		"long endpoint":         func(b []byte) []byte { set16(b, off.endpoint, MaxEndpointLen+1); return b },
		"long app context":      func(b []byte) []byte { set16(b, off.app, MaxAppContextLen+1); return b },
		"length 0xffff":         func(b []byte) []byte { set16(b, off.app, 0xffff); return b },
		"unknown flag":          func(b []byte) []byte { b[off.flags] |= 4; return b },
		"flags 0x80":            func(b []byte) []byte { b[off.flags] = 0x80; return b },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			b := mutate(bytes.Clone(good))
			var got SessionToken
			got.ContextID = "unchanged"
			err := got.UnmarshalBinary(b)
			require.ErrorIs(t, err, errTokenEncoding)
			assert.Equal(t, "unchanged", got.ContextID, "a failed decode leaves the token alone")
		})
	}

	// The decoded byte fields do not alias the input.
	b := bytes.Clone(good)
	require.NoError(t, tok.UnmarshalBinary(b))
	clear(b)
	assert.Equal(t, tSampleToken(tTestStart).Key, tok.Key)
}
