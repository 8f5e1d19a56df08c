package spnego

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonGSS is Debian's python3, the one python3-gssapi is built for (a
// pyenv python3 may come first on PATH).
const pythonGSS = "/usr/bin/python3"

// gssPeer is testdata/gsspeer.py running against the realm.
type gssPeer struct {
	t   *testing.T
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startPeer(t *testing.T, r *realm, mode string, env ...string) *gssPeer {
	t.Helper()
	if _, err := os.Stat(pythonGSS); err != nil {
		t.Fatalf("%s missing: apt-get install python3-gssapi", pythonGSS)
	}
	if out, err := exec.Command(pythonGSS, "-c", "import gssapi, cryptography").CombinedOutput(); err != nil {
		t.Fatalf("python3-gssapi missing (apt-get install python3-gssapi python3-cryptography): %s", out)
	}
	script, err := filepath.Abs("testdata/gsspeer.py")
	require.NoError(t, err)
	cmd := exec.Command(pythonGSS, script, mode)
	cmd.Dir = r.kdc.Dir
	cmd.Env = append(r.kdc.Env(),
		"KRB5_KTNAME=FILE:"+r.kdc.ServiceKeytab,
		"KRB5_CLIENT_KTNAME=FILE:"+r.kdc.UserKeytab,
		"KRB5CCNAME=MEMORY:gsspeer",
		"GSSPEER_SERVICE=HTTP@server.soapstack.test")
	for _, e := range env {
		if e != "" {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Stderr = &testWriter{t}
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &gssPeer{t: t, cmd: cmd, in: in, out: bufio.NewScanner(out)}
	p.out.Buffer(make([]byte, 1<<16), 1<<20)
	t.Cleanup(func() {
		in.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return p
}

func (p *gssPeer) send(v any) {
	p.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(p.t, err)
	_, err = p.in.Write(append(b, '\n'))
	require.NoError(p.t, err)
}

func (p *gssPeer) recv(v any) {
	p.t.Helper()
	require.True(p.t, p.out.Scan(), "gsspeer.py ended: %v", p.out.Err())
	require.NoError(p.t, json.Unmarshal(p.out.Bytes(), v), "%s", p.out.Bytes())
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Logf("gsspeer.py: %s", b)
	return len(b), nil
}

// TestPythonAcceptor: the Go initiator against MIT's acceptor playing the
// WCF server. Go verifies MIT's AP-REP and unwraps the key MIT wrapped
// (MIT's own layout) and the same key in the Windows (RRC+EC) and RFC 4121
// (RRC) layouts made by an independent RFC 3961 implementation under the
// context key MIT reports.
func TestPythonAcceptor(t *testing.T) {
	r := startRealm(t)
	p := startPeer(t, r, "accept")
	in := r.initiator(t, nil)
	ctx := context.Background()
	tok, _, err := in.Step(ctx, nil)
	require.NoError(t, err)
	p.send(map[string]string{"token": base64.StdEncoding.EncodeToString(tok)})
	var res struct {
		Response string            `json:"response"`
		Key      []byte            `json:"key"`
		Wraps    map[string][]byte `json:"wraps"`
		Client   string            `json:"client"`
		Flags    []string          `json:"flags"`
		MITEC    int               `json:"mit_ec"`
		MITRRC   int               `json:"mit_rrc"`
		MITFlags int               `json:"mit_flags"`
	}
	p.recv(&res)
	t.Logf("MIT acceptor: client %s, flags %v; MIT's wrap token EC %d RRC %d flags %#x", res.Client, res.Flags, res.MITEC, res.MITRRC, res.MITFlags)
	assert.Equal(t, "alice@SOAPSTACK.TEST", res.Client)
	assert.Contains(t, res.Flags, "mutual_authentication")
	assert.Equal(t, flagSentByAcceptor|flagSealed|flagAcceptorSubkey, res.MITFlags, "MIT used its acceptor subkey")
	resp, err := base64.StdEncoding.DecodeString(res.Response)
	require.NoError(t, err)
	out, done, err := in.Step(ctx, resp)
	require.NoError(t, err, "verifying MIT's AP-REP")
	require.True(t, done)
	require.Nil(t, out)
	require.Len(t, res.Wraps, 4)
	for name, w := range res.Wraps {
		got, err := in.Unwrap(w)
		require.NoError(t, err, name)
		assert.Equal(t, res.Key, got, name)
	}
}

// TestPythonInitiator: MIT's initiator against the Go acceptor. MIT
// completes its context only when it verified the Go AP-REP (mutual
// authentication), then unwraps the key the Go acceptor wrapped in each
// layout (the Windows one after undoing the RRC+EC rotation, which MIT
// does not know).
func TestPythonInitiator(t *testing.T) {
	r := startRealm(t)
	t.Run("mutual", func(t *testing.T) { pythonInitiator(t, r, true) })
	t.Run("no mutual authentication", func(t *testing.T) { pythonInitiator(t, r, false) })
}

func pythonInitiator(t *testing.T, r *realm, mutual bool) {
	p := startPeer(t, r, "initiate", map[bool]string{true: "", false: "GSSPEER_NO_MUTUAL=1"}[mutual])
	var first struct{ Token []byte }
	p.recv(&first)
	ctx := context.Background()
	acc := r.service(t, nil).Acceptor()
	resp, done, err := acc.Step(ctx, first.Token)
	require.NoError(t, err)
	require.True(t, done)
	pr, ok := acc.Principal()
	require.True(t, ok)
	assert.Equal(t, "alice@SOAPSTACK.TEST", pr.String())
	p.send(map[string][]byte{"response": resp})
	var st struct {
		Complete bool
		Error    string
		Flags    []string
		Extra    []byte
	}
	p.recv(&st)
	require.Empty(t, st.Error)
	require.True(t, st.Complete)
	if mutual {
		assert.Contains(t, st.Flags, "mutual_authentication")
		assert.NotNil(t, acc.subkey.KeyValue, "an AP-REP with the acceptor subkey")
	} else {
		assert.NotContains(t, st.Flags, "mutual_authentication")
		assert.Nil(t, acc.subkey.KeyValue, "no AP-REP")
	}
	assert.Empty(t, st.Extra, "MIT has nothing more to send")

	key := randomKey(t)
	var wraps [][2]string // in order: MIT checks the sequence numbers
	for _, style := range []WrapStyle{WrapWindows, WrapRFC4121, WrapUnrotated} {
		s := r.service(t, func(c *ServiceConfig) { c.Style = style })
		acc.svc = s // same context, another layout
		w, err := acc.Wrap(key)
		require.NoError(t, err)
		wraps = append(wraps, [2]string{style.String(), base64.StdEncoding.EncodeToString(w)})
	}
	p.send(map[string]any{"wraps": wraps})
	var keys struct {
		Keys map[string]struct {
			Key       []byte
			Encrypted bool
			Error     string
		}
	}
	p.recv(&keys)
	require.Len(t, keys.Keys, 3)
	for name, k := range keys.Keys {
		require.Empty(t, k.Error, name)
		assert.True(t, k.Encrypted, name)
		assert.Equal(t, key, k.Key, name)
	}
}
