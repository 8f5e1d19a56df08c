package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/keylog"
	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/wssecurity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrongKeyLog writes the key log of c with every key changed.
func wrongKeyLog(t *testing.T, k *ownKeys, c *recordingCache) string {
	t.Helper()
	b, err := os.ReadFile(c.keyLog(t, k, "right.log"))
	require.NoError(t, err)
	entries, err := keylog.Read(strings.NewReader(string(b)))
	require.NoError(t, err)
	f, err := os.Create(filepath.Join(k.dir, "wrong.log"))
	require.NoError(t, err)
	defer f.Close()
	for _, e := range entries {
		e.Key[0] ^= 1
		require.NoError(t, keylog.Write(f, e))
	}
	return f.Name()
}

// TestInspectKeyLogSession runs README.md's secure session (Basic128
// bootstrap to the service certificate, derived keys from the session
// token) Go to Go in both WS-SC versions and the other suites, also with
// an asymmetric (MutualCertificate WSS 1.0) bootstrap, and inspects what
// went over the wire: the RST with the service's key, the application
// request and reply and the Cancel with a key log written from the issued
// session token. Without the key log, or with a wrong key, the session's
// messages fail and say why.
func TestInspectKeyLogSession(t *testing.T) {
	k := newOwnKeys(t)
	bootstraps := map[string]func(wssecurity.Suite) wssecurity.Policy{
		"anonymous": wssecurity.AnonymousForCertificate,
		"mutual10":  func(s wssecurity.Suite) wssecurity.Policy { return wssecurity.MutualCertificate(wssecurity.WSS10, s) },
	}
	for _, v := range []secureconv.Version{secureconv.V200502, secureconv.V13} {
		for _, suite := range []wssecurity.Suite{wssecurity.Basic128, wssecurity.Basic192, wssecurity.Basic256, wssecurity.TripleDes} {
			for bname, bootstrap := range bootstraps {
				t.Run(v.String()+"/"+suite.String()+"/"+bname, func(t *testing.T) {
					boot := bootstrap(suite)
					app := wssecurity.AnonymousForCertificate(suite)
					app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, DerivedKeys: true}
					s := runSession(t, k, v, boot, app, 1, false)
					log := s.cache.keyLog(t, k, "keys.log")
					wrong := wrongKeyLog(t, k, s.cache)
					tok := s.cache.issued[0]

					rst := k.file(t, "rst.xml", s.wire.find(t, wstrust.Version(v).Action(wstrust.OpIssue), false))
					code, rep, out := inspectJSON(t, "--cert", k.svcCert, "--key", k.svcKey, "--suite", suite.String(), rst)
					require.Equal(t, 0, code, out)
					assert.True(t, *rep.Covered)
					assert.Contains(t, rep.Body, "RequestSecurityToken")

					for name, msg := range map[string][]byte{
						"request": s.wire.find(t, "urn:echo", false),
						"reply":   s.wire.find(t, "urn:echoResponse", true),
						"cancel":  s.wire.find(t, wstrust.Version(v).Action(wstrust.OpCancel), false),
					} {
						file := k.file(t, name+".xml", msg)
						code, rep, out := inspectJSON(t, "--keylog", log, file)
						require.Equal(t, 0, code, "%s: %s", name, out)
						assert.True(t, rep.Verified)
						assert.True(t, *rep.Covered)
						if name != "cancel" {
							assert.Contains(t, rep.Body, "session secret")
						}
						assert.Contains(t, out, "session key of "+tok.ContextID+" taken from the key log")

						code, rep, out = inspectJSON(t, file)
						require.Equal(t, 1, code, "%s: %s", name, out)
						assert.False(t, rep.Verified)
						assert.Regexp(t, `no key for (SecurityContextToken|token) `+tok.ContextID+` \(use --sct-key`, out)

						code, rep, out = inspectJSON(t, "--keylog", wrong, file)
						require.Equal(t, 1, code, "%s: %s", name, out)
						assert.False(t, rep.Verified)
						assert.Regexp(t, `does not (verify|decrypt) with the key of session `+tok.ContextID+` from the key log \(wrong or stale key\?\)`, out)
					}
				})
			}
		}
	}
}

// TestInspectKeyLogRenewed renews the session key before the second call:
// the key log holds both generations and inspect picks the one the message
// names by its Instance; a log with only the first generation fails.
func TestInspectKeyLogRenewed(t *testing.T) {
	k := newOwnKeys(t)
	boot := wssecurity.AnonymousForCertificate(wssecurity.Basic128)
	app := boot
	app.ProtectionToken = &wssecurity.Token{Kind: wssecurity.SecureConversationToken, DerivedKeys: true}
	s := runSession(t, k, secureconv.V200502, boot, app, 2, true)
	require.Len(t, s.cache.issued, 2, "one Issue and one Renew")
	first, second := s.cache.issued[0], s.cache.issued[1]
	require.Equal(t, first.ContextID, second.ContextID)
	require.NotEmpty(t, second.KeyGeneration)
	log := s.cache.keyLog(t, k, "keys.log")

	reqs := s.wire.all("urn:echo", false)
	require.Len(t, reqs, 2)
	renewed := k.file(t, "renewed.xml", reqs[1])
	code, rep, out := inspectJSON(t, "--keylog", log, renewed)
	require.Equal(t, 0, code, out)
	assert.Contains(t, rep.Body, "session secret")
	assert.Contains(t, out, "session key of "+first.ContextID+" (generation "+second.KeyGeneration+") taken from the key log")
	code, _, out = inspectJSON(t, "--keylog", log, k.file(t, "first.xml", reqs[0]))
	assert.Equal(t, 0, code, out)

	// The client's own key log (ClientConfig.KeyLog) holds the same two
	// keys, and inspect reads it as it is.
	clientLog, err := os.ReadFile(s.clientLog)
	require.NoError(t, err)
	fromService, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, string(fromService), string(clientLog), "the client logs the keys the service issued")
	for _, f := range []string{renewed, k.file(t, "first.xml", reqs[0])} {
		code, rep, out := inspectJSON(t, "--keylog", s.clientLog, f)
		require.Equal(t, 0, code, out)
		assert.Contains(t, rep.Body, "session secret")
	}

	only := filepath.Join(k.dir, "first.log")
	require.NoError(t, os.WriteFile(only, []byte(keylog.Entry{ContextID: first.ContextID, Key: first.Key}.Line()), 0o600))
	code, _, out = inspectJSON(t, "--keylog", only, renewed)
	require.Equal(t, 1, code, out)
	assert.Contains(t, out, "no key for SecurityContextToken "+first.ContextID+" (generation "+second.KeyGeneration+")")
}

// TestInspectKeyLogWCF verifies real WCF client messages of one session
// (captured against CoreWCF: an application request and the Cancel, each
// HMAC-SHA1 over the Timestamp with the session key, over HTTPS) with a key
// log holding that session's key; the tampered capture and a wrong key
// fail.
func TestInspectKeyLogWCF(t *testing.T) {
	dir := t.TempDir()
	key, err := base64.StdEncoding.DecodeString("H/N/QJpAIzvX652dTmpSKfx5jvchdVlWNaSPiPkNuP8=")
	require.NoError(t, err)
	id := "urn:uuid:40859149-0ab7-4ee2-a7cc-22bc21adfe08"
	write := func(name string, key []byte) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		require.NoError(t, err)
		defer f.Close()
		_, err = f.WriteString("# soapstack key log\n")
		require.NoError(t, err)
		require.NoError(t, keylog.Write(f, keylog.Entry{ContextID: "urn:uuid:other", Key: make([]byte, 32)}))
		require.NoError(t, keylog.Write(f, keylog.Entry{ContextID: id, Key: key}))
		return p
	}
	good := write("good.log", key)
	bad := write("bad.log", append([]byte{key[0] ^ 0x80}, key[1:]...))
	wcf := func(name string) string { return filepath.Join("testdata", "wcf", name) }
	// Over HTTPS WCF signs only the Timestamp: TLS protects the rest.
	lax := []string{"--at", "2024-02-14T02:08:30Z", "--allow-unsigned", "body,addressing"}
	for _, file := range []string{wcf("03_corewcf_app-request-sct-hmac.compact.xml"), wcf("05_corewcf_cancel-request-sct-hmac.compact.xml")} {
		code, rep, out := inspectJSON(t, append(lax, "--keylog", good, file)...)
		require.Equal(t, 0, code, out)
		assert.Equal(t, []string{"wsu:Timestamp#_0"}, rep.Signed)
		assert.True(t, *rep.Covered)

		code, _, out = inspectJSON(t, append(lax, "--keylog", bad, file)...)
		require.Equal(t, 1, code, out)
		assert.Contains(t, out, "from the key log (wrong or stale key?)")

		// Without --allow-unsigned the unsigned Body and addressing fail.
		code, rep, out = inspectJSON(t, "--at", "2024-02-14T02:08:30Z", "--keylog", good, file)
		require.Equal(t, 1, code, out)
		assert.Contains(t, rep.Errors, "the Envelope's body soap:Body is not signed")
	}
	code, _, out := inspectJSON(t, append(lax, "--keylog", good, wcf("05_corewcf_cancel-request-sct-hmac.compact_tampered.xml"))...)
	assert.Equal(t, 1, code, out)
}
