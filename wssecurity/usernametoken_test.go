package wssecurity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/soapstack/soapstack/internal/wsse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type utVector struct {
	UT struct {
		ID       string `json:"wsu_id"`
		Username string `json:"username"`
		Password string `json:"password"`
		Type     string `json:"password_type"`
		Nonce    string `json:"nonce_b64"`
		Created  string `json:"created"`
		Digest   string `json:"password_digest_b64"`
	} `json:"username_token"`
	Wrong struct {
		Password string `json:"wrong_password"`
	} `json:"wss4j_negative_control_wrong_password"`
}

func loadUTVector(t testing.TB) (utVector, *etree.Element) {
	t.Helper()
	var v utVector
	require.NoError(t, json.Unmarshal(tokData(t, "msg_06.json"), &v))
	return v, tokFind(t, tokDoc(t, "msg_06.xml"), wsse.NSWSSE, "UsernameToken")
}

// lookupFor returns a PasswordLookup knowing one user.
func lookupFor(user, password string) PasswordLookup {
	return func(_ context.Context, u string) (string, error) {
		if u != user {
			return "", errors.New("unknown user")
		}
		return password, nil
	}
}

// TestUsernameTokenWSS4JDigest verifies WSS4J's PasswordDigest token and
// the replay protection around it.
func TestUsernameTokenWSS4JDigest(t *testing.T) {
	v, el := loadUTVector(t)
	ut, err := wsse.ParseUsernameToken(el)
	require.NoError(t, err)
	assert.Equal(t, v.UT.ID, ut.ID)
	assert.Equal(t, v.UT.Username, ut.Username)
	assert.Equal(t, URIPasswordDigest, ut.PasswordType)
	assert.Equal(t, v.UT.Type, ut.PasswordType)
	assert.Equal(t, v.UT.Digest, string(ut.Password))
	assert.Equal(t, v.UT.Nonce, base64.StdEncoding.EncodeToString(ut.Nonce))
	assert.Equal(t, v.UT.Created, ut.CreatedText)
	assert.Equal(t, mustTime(t, v.UT.Created), ut.Created)
	assert.Equal(t, v.UT.Digest, base64.StdEncoding.EncodeToString(wsse.PasswordDigest(ut.Nonce, ut.CreatedText, v.UT.Password)))

	now := ut.Created.Add(3 * time.Second) // pinned clock
	clock := func() time.Time { return now }
	verifier := func(password string, cache ReplayCache) UsernameValidator {
		return utAt{&UsernameTokenVerifier{LookupPassword: lookupFor(v.UT.Username, password)}, clock(), 0, cache}
	}
	ctx := context.Background()

	t.Run("wrong password", func(t *testing.T) {
		err := verifier(v.Wrong.Password, NewMemoryReplayCache()).ValidateUsernameToken(ctx, ut)
		assert.ErrorIs(t, err, ErrFailedAuthentication)
		assert.Equal(t, FaultFailedAuthentication, FaultSubcode(err))
		assert.NotContains(t, err.Error(), v.Wrong.Password)
		assert.NotContains(t, err.Error(), v.UT.Password)
	})
	t.Run("unknown user", func(t *testing.T) {
		vv := utAt{&UsernameTokenVerifier{LookupPassword: lookupFor("bob", v.UT.Password)}, clock(), 0, nil}
		assert.ErrorIs(t, vv.ValidateUsernameToken(ctx, ut), ErrFailedAuthentication)
	})
	t.Run("accepted, then replay refused", func(t *testing.T) {
		cache := NewMemoryReplayCache()
		vv := verifier(v.UT.Password, cache)
		require.NoError(t, vv.ValidateUsernameToken(ctx, ut))
		assert.Equal(t, 1, cache.Len())
		err := vv.ValidateUsernameToken(ctx, ut)
		assert.ErrorIs(t, err, ErrReplay)
		assert.ErrorIs(t, err, ErrFailedAuthentication)
		assert.Equal(t, FaultFailedAuthentication, FaultSubcode(err))

		// The same nonce, base64-encoded differently (line breaks and
		// spaces, as MIME encoders write), is still the same nonce.
		doc := etree.NewDocument()
		require.NoError(t, doc.ReadFromBytes(tokData(t, "msg_06.xml")))
		reenc := tokFind(t, doc.Root(), wsse.NSWSSE, "Nonce")
		require.Equal(t, v.UT.Nonce, reenc.Text())
		reenc.SetText("\n  ojrNKfQD\r\n  Vqg6jNqc\n  2y/XCg==\n")
		ut2, err := wsse.ParseUsernameToken(tokFind(t, doc.Root(), wsse.NSWSSE, "UsernameToken"))
		require.NoError(t, err)
		require.Equal(t, ut.Nonce, ut2.Nonce)
		require.NoError(t, verifier(v.UT.Password, nil).ValidateUsernameToken(ctx, ut2), "the digest still verifies")
		assert.ErrorIs(t, vv.ValidateUsernameToken(ctx, ut2), ErrReplay)
	})
	t.Run("accepted again once the cache forgot it, but then stale", func(t *testing.T) {
		later := ut.Created.Add(DefaultTimestampTTL + DefaultMaxClockSkew + time.Second)
		vv := utAt{&UsernameTokenVerifier{LookupPassword: lookupFor(v.UT.Username, v.UT.Password)}, later, 0, nil}
		assert.ErrorIs(t, vv.ValidateUsernameToken(ctx, ut), ErrFailedAuthentication)
	})
	t.Run("real clock", func(t *testing.T) {
		// Without a pinned clock the token is years old or in the future.
		vv := utAt{&UsernameTokenVerifier{LookupPassword: lookupFor(v.UT.Username, v.UT.Password)}, ut.Created.AddDate(1, 0, 0), 0, nil}
		assert.ErrorIs(t, vv.ValidateUsernameToken(ctx, ut), ErrFailedAuthentication)
	})
}

type fixedReader byte

func (r fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestUsernameTokenRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 22, 19, 11, 14, 851e6, time.UTC)
	clock := func() time.Time { return now.Add(time.Second) }
	ctx := context.Background()
	tests := []struct {
		name   string
		params wsse.UsernameTokenParams
		check  func(t *testing.T, ut *UsernameTokenData)
	}{
		{"digest", wsse.UsernameTokenParams{ID: "UT-1", Username: "alice", Password: "pw", Digest: true, Created: now, Rand: fixedReader(7)},
			func(t *testing.T, ut *UsernameTokenData) {
				assert.Equal(t, URIPasswordDigest, ut.PasswordType)
				assert.Equal(t, bytes.Repeat([]byte{7}, wsse.NonceSize), ut.Nonce)
				assert.Equal(t, "2026-11-22T19:11:14.851Z", ut.CreatedText)
				assert.Equal(t, "UT-1", ut.ID)
			}},
		{"text as WCF", wsse.UsernameTokenParams{Username: "alice", Password: "pw"},
			func(t *testing.T, ut *UsernameTokenData) {
				assert.Equal(t, URIPasswordText, ut.PasswordType)
				assert.Equal(t, "pw", string(ut.Password))
				assert.Nil(t, ut.Nonce)
				assert.True(t, ut.Created.IsZero())
			}},
		{"text with nonce and created", wsse.UsernameTokenParams{Username: "alice", Password: "pw", Nonce: true, Created: now},
			func(t *testing.T, ut *UsernameTokenData) {
				assert.Len(t, ut.Nonce, wsse.NonceSize)
				assert.Equal(t, now, ut.Created)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			el, err := wsse.NewUsernameToken(tt.params)
			require.NoError(t, err)
			// Serialize and re-read, as a receiver would.
			b, err := etree.NewDocumentWithRoot(el).WriteToBytes()
			require.NoError(t, err)
			doc := etree.NewDocument()
			require.NoError(t, doc.ReadFromBytes(b))
			ut, err := wsse.ParseUsernameToken(doc.Root())
			require.NoError(t, err)
			assert.Equal(t, "alice", ut.Username)
			tt.check(t, ut)
			v := &UsernameTokenVerifier{LookupPassword: lookupFor("alice", "pw")}
			require.NoError(t, validateUT(ctx, v, ut, clock(), 0, NewMemoryReplayCache()))
			v.LookupPassword = lookupFor("alice", "pw2")
			assert.ErrorIs(t, validateUT(ctx, v, ut, clock(), 0, nil), ErrFailedAuthentication)
		})
	}
	_, err := wsse.NewUsernameToken(wsse.UsernameTokenParams{Username: "a", Digest: true})
	assert.Error(t, err, "digest needs Created")
}

func utXML(children string) string {
	return `<wsse:UsernameToken wsu:Id="UT-1">` + children + `</wsse:UsernameToken>`
}

const (
	utUser    = `<wsse:Username>alice</wsse:Username>`
	utPass    = `<wsse:Password Type="` + URIPasswordDigest + `">doLxlQmc/XF4w4aT5MHSYGflDSo=</wsse:Password>`
	utNonce   = `<wsse:Nonce EncodingType="` + wsse.URIBase64Binary + `">ojrNKfQDVqg6jNqc2y/XCg==</wsse:Nonce>`
	utCreated = `<wsu:Created>2026-11-22T19:11:14.851Z</wsu:Created>`
)

// TestParseUsernameTokenRejects holds malformed tokens.
func TestParseUsernameTokenRejects(t *testing.T) {
	big := base64.StdEncoding.EncodeToString(make([]byte, wsse.MaxNonceSize+1))
	tests := []struct{ name, xml string }{
		{"no Username", utXML(utPass + utNonce + utCreated)},
		{"two Usernames", utXML(utUser + utUser + utPass)},
		{"empty Username", utXML(`<wsse:Username> </wsse:Username>` + utPass)},
		{"element in Username", utXML(`<wsse:Username><x/></wsse:Username>` + utPass)},
		{"two Passwords", utXML(utUser + utPass + utPass)},
		{"unknown password type", utXML(utUser + `<wsse:Password Type="urn:x#PasswordSHA256">x</wsse:Password>`)},
		{"two Nonces", utXML(utUser + utPass + utNonce + utNonce + utCreated)},
		{"oversized nonce", utXML(utUser + utPass + `<wsse:Nonce>` + big + `</wsse:Nonce>` + utCreated)},
		{"huge nonce text", utXML(utUser + utPass + `<wsse:Nonce>` + strings.Repeat("A", 100000) + `</wsse:Nonce>` + utCreated)},
		{"empty nonce", utXML(utUser + utPass + `<wsse:Nonce></wsse:Nonce>` + utCreated)},
		{"nonce not base64", utXML(utUser + utPass + `<wsse:Nonce>!!notbase64!!</wsse:Nonce>` + utCreated)},
		{"nonce hex encoding", utXML(utUser + utPass + `<wsse:Nonce EncodingType="urn:hex">00ff</wsse:Nonce>` + utCreated)},
		{"two Created", utXML(utUser + utPass + utNonce + utCreated + utCreated)},
		{"Created not UTC", utXML(utUser + utPass + utNonce + `<wsu:Created>2026-11-22T20:11:14.851+01:00</wsu:Created>`)},
		{"Created invalid", utXML(utUser + utPass + utNonce + `<wsu:Created>now</wsu:Created>`)},
		{"unknown child", utXML(utUser + utPass + `<wsse11:Salt>AAAA</wsse11:Salt>`)},
		{"text content", utXML(`x` + utUser + utPass)},
		{"huge password", utXML(utUser + `<wsse:Password>` + strings.Repeat("p", wsse.MaxPasswordLen+1) + `</wsse:Password>`)},
		{"not a UsernameToken", `<wsse:Username>alice</wsse:Username>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wsse.ParseUsernameToken(tokXML(t, tt.xml))
			require.Error(t, err)
			assert.NotEqual(t, "", FaultSubcode(err))
			assert.NotContains(t, err.Error(), "doLxlQmc")
		})
	}
	ut, err := wsse.ParseUsernameToken(tokXML(t, utXML(utUser+`<wsse:Password>secret</wsse:Password>`)))
	require.NoError(t, err)
	assert.Equal(t, URIPasswordText, ut.PasswordType, "Type defaults to PasswordText")
}

// TestUsernameTokenVerifyRejects holds tokens that parse but must not
// authenticate.
func TestUsernameTokenVerifyRejects(t *testing.T) {
	created := time.Date(2026, 11, 22, 19, 11, 14, 851e6, time.UTC)
	nonce, _ := base64.StdEncoding.DecodeString("ojrNKfQDVqg6jNqc2y/XCg==")
	const pw = "s3cr3t-P@ssw0rd"
	digest := func(n []byte, c string) Secret {
		return Secret(base64.StdEncoding.EncodeToString(wsse.PasswordDigest(n, c, pw)))
	}
	lookup := lookupFor("alice", pw)
	checker := func(_ context.Context, u, p string) error {
		if u == "alice" && p == pw {
			return nil
		}
		return errors.New("bad credentials")
	}
	now := created.Add(time.Second)
	tests := []struct {
		name   string
		ut     UsernameTokenData
		v      UsernameTokenVerifier
		maxAge time.Duration
		ok     bool
	}{
		{"digest ok", UsernameTokenData{Username: "alice", PasswordType: URIPasswordDigest, Password: digest(nonce, "2026-11-22T19:11:14.851Z"), Nonce: nonce, Created: created, CreatedText: "2026-11-22T19:11:14.851Z"},
			UsernameTokenVerifier{LookupPassword: lookup}, 0, true},
		{"digest without Nonce", UsernameTokenData{Username: "alice", PasswordType: URIPasswordDigest, Password: digest(nil, "2026-11-22T19:11:14.851Z"), Created: created, CreatedText: "2026-11-22T19:11:14.851Z"},
			UsernameTokenVerifier{LookupPassword: lookup}, 0, false},
		{"digest without Created", UsernameTokenData{Username: "alice", PasswordType: URIPasswordDigest, Password: digest(nonce, ""), Nonce: nonce},
			UsernameTokenVerifier{LookupPassword: lookup}, 0, false},
		{"digest with other Created text", UsernameTokenData{Username: "alice", PasswordType: URIPasswordDigest, Password: digest(nonce, "2026-11-22T19:11:14.851Z"), Nonce: nonce, Created: created, CreatedText: "2026-11-22T19:11:14.851+00:00"},
			UsernameTokenVerifier{LookupPassword: lookup}, 0, false},
		{"digest malformed", UsernameTokenData{Username: "alice", PasswordType: URIPasswordDigest, Password: "bm90IGEgZGlnZXN0", Nonce: nonce, Created: created, CreatedText: "2026-11-22T19:11:14.851Z"},
			UsernameTokenVerifier{LookupPassword: lookup}, 0, false},
		{"digest with checker only", UsernameTokenData{Username: "alice", PasswordType: URIPasswordDigest, Password: digest(nonce, "2026-11-22T19:11:14.851Z"), Nonce: nonce, Created: created, CreatedText: "2026-11-22T19:11:14.851Z"},
			UsernameTokenVerifier{CheckPassword: checker}, 0, false},
		{"created in the future", UsernameTokenData{Username: "alice", PasswordType: URIPasswordText, Password: pw, Created: now.Add(6 * time.Minute)},
			UsernameTokenVerifier{CheckPassword: checker}, 0, false},
		{"created too long ago", UsernameTokenData{Username: "alice", PasswordType: URIPasswordText, Password: pw, Created: now.Add(-11 * time.Minute)},
			UsernameTokenVerifier{CheckPassword: checker}, 0, false},
		{"created within a custom age", UsernameTokenData{Username: "alice", PasswordType: URIPasswordText, Password: pw, Created: now.Add(-11 * time.Minute)},
			UsernameTokenVerifier{CheckPassword: checker}, time.Hour, true},
		{"text via checker", UsernameTokenData{Username: "alice", PasswordType: URIPasswordText, Password: pw},
			UsernameTokenVerifier{CheckPassword: checker}, 0, true},
		{"text via lookup", UsernameTokenData{Username: "alice", PasswordType: URIPasswordText, Password: pw},
			UsernameTokenVerifier{LookupPassword: lookup}, 0, true},
		{"wrong text via checker", UsernameTokenData{Username: "alice", PasswordType: URIPasswordText, Password: Secret(pw + "x")},
			UsernameTokenVerifier{CheckPassword: checker}, 0, false},
		{"wrong text via lookup", UsernameTokenData{Username: "alice", PasswordType: URIPasswordText, Password: Secret(pw[:3])},
			UsernameTokenVerifier{LookupPassword: lookup}, 0, false},
		{"unknown user", UsernameTokenData{Username: "mallory", PasswordType: URIPasswordText, Password: pw},
			UsernameTokenVerifier{LookupPassword: lookup}, 0, false},
		{"no checker", UsernameTokenData{Username: "alice", PasswordType: URIPasswordText, Password: pw},
			UsernameTokenVerifier{}, 0, false},
		{"no password", UsernameTokenData{Username: "alice"},
			UsernameTokenVerifier{CheckPassword: checker, LookupPassword: lookup}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.v
			err := validateUT(context.Background(), &v, &tt.ut, now, tt.maxAge, nil)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrFailedAuthentication)
			assert.NotContains(t, err.Error(), pw)
			assert.NotContains(t, err.Error(), pw[:3]+"\"")
		})
	}
}

// failingCache is a ReplayCache that always fails.
type failingCache struct{}

func (failingCache) Seen(context.Context, []byte, time.Time, time.Time) (bool, error) {
	return false, ErrReplayCacheFull
}

func TestUsernameTokenReplayCacheError(t *testing.T) {
	now := time.Date(2026, 11, 22, 19, 11, 14, 0, time.UTC)
	ut := &UsernameTokenData{Username: "alice", PasswordType: URIPasswordText, Password: "pw", Nonce: []byte{1, 2, 3}, Created: now}
	v := &UsernameTokenVerifier{LookupPassword: lookupFor("alice", "pw")}
	err := validateUT(context.Background(), v, ut, now, 0, failingCache{})
	require.ErrorIs(t, err, ErrReplayCacheFull)
	assert.NotErrorIs(t, err, ErrFailedAuthentication, "an overloaded cache is not the sender's fault")
	assert.Equal(t, "", FaultSubcode(err))
}

// TestSecretRedacted checks that formatting, logging or marshalling a token
// never shows its password.
func TestSecretRedacted(t *testing.T) {
	const pw = "hunter2-very-secret"
	ut := &UsernameTokenData{Username: "alice", Password: pw, PasswordType: URIPasswordText}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("token", "ut", ut, "pw", ut.Password)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("token", "ut", *ut, "pw", ut.Password)
	js, err := json.Marshal(ut)
	require.NoError(t, err)
	outputs := []string{
		fmt.Sprint(ut), fmt.Sprintf("%v %+v %#v %s %q %x", *ut, *ut, *ut, ut.Password, ut.Password, ut.Password),
		fmt.Sprintf("%+v", ut), logs.String(), string(js),
	}
	for _, out := range outputs {
		assert.NotContains(t, out, pw)
		assert.NotContains(t, out, fmt.Sprintf("%x", pw))
	}
	assert.Contains(t, fmt.Sprint(ut.Password), "redacted")
	assert.Equal(t, pw, string(ut.Password))
}

// validateUT checks ut as a receiver does: its wsu:Created at now (maxAge
// DefaultTimestampTTL when 0, skew DefaultMaxClockSkew), its password with
// v, then its nonce against cache (when not nil).
func validateUT(ctx context.Context, v UsernameValidator, ut *UsernameTokenData, now time.Time, maxAge time.Duration, cache ReplayCache) error {
	if maxAge == 0 {
		maxAge = DefaultTimestampTTL
	}
	if err := checkUsernameTokenTime(ut, now, DefaultMaxClockSkew, maxAge); err != nil {
		return err
	}
	if err := v.ValidateUsernameToken(ctx, ut); err != nil {
		return err
	}
	return recordUsernameToken(ctx, cache, ut, now, DefaultMaxClockSkew, maxAge)
}

// utAt is a UsernameValidator that checks as a receiver at a fixed time.
type utAt struct {
	v      UsernameValidator
	now    time.Time
	maxAge time.Duration
	cache  ReplayCache
}

func (u utAt) ValidateUsernameToken(ctx context.Context, ut *UsernameTokenData) error {
	return validateUT(ctx, u.v, ut, u.now, u.maxAge, u.cache)
}
