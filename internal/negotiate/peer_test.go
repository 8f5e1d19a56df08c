package negotiate

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/soapstack/soapstack/soap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyMech is a Mechanism whose TLS runs in OpenSSL: testdata/tlsnego_peer.py.
type pyMech struct {
	t    *testing.T
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	done bool
}

func requirePython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if testing.Short() {
			t.Skip("python3 not on PATH (-short)")
		}
		t.Fatalf("python3 is needed for the OpenSSL TLSNEGO peer: %v", err)
	}
	return py
}

func newPyMech(t *testing.T, args ...string) *pyMech {
	t.Helper()
	py := requirePython(t)
	cmd := exec.Command(py, append([]string{filepath.Join("testdata", "tlsnego_peer.py")}, args...)...)
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	m := &pyMech{t: t, cmd: cmd, in: in, out: bufio.NewScanner(out)}
	m.out.Buffer(make([]byte, 1<<20), 1<<20)
	t.Cleanup(func() {
		_ = m.Close()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("python peer stderr: %s", stderr.String())
		}
	})
	return m
}

func enc(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return base64.StdEncoding.EncodeToString(b)
}

func dec(s string) ([]byte, error) {
	if s == "-" {
		return nil, nil
	}
	return base64.StdEncoding.DecodeString(s)
}

// do sends one command and returns the fields of the answer.
func (m *pyMech) do(cmd string, arg []byte, want string) ([]string, error) {
	if _, err := fmt.Fprintf(m.in, "%s %s\n", cmd, enc(arg)); err != nil {
		return nil, err
	}
	if !m.out.Scan() {
		return nil, fmt.Errorf("python peer ended: %v", m.out.Err())
	}
	f := strings.Fields(m.out.Text())
	if len(f) > 0 && f[0] == "ERR" {
		return nil, errors.New("openssl: " + strings.Join(f[1:], " "))
	}
	if len(f) < 2 || f[0] != want {
		return nil, fmt.Errorf("python peer answered %q", m.out.Text())
	}
	return f[1:], nil
}

func (m *pyMech) ValueType(trustNS string) string { return TLSNegoValueType(trustNS) }
func (m *pyMech) WrapAlgorithm() string           { return AlgTLSWrap }

func (m *pyMech) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	f, err := m.do("STEP", in, "OUT")
	if err != nil {
		return nil, false, err
	}
	out, err := dec(f[0])
	m.done = len(f) > 1 && f[1] == "1"
	return out, m.done, err
}

func (m *pyMech) Wrap(key []byte) ([]byte, error) {
	f, err := m.do("WRAP", key, "OUT")
	if err != nil {
		return nil, err
	}
	return dec(f[0])
}

func (m *pyMech) Unwrap(blob []byte) ([]byte, error) {
	f, err := m.do("UNWRAP", blob, "KEY")
	if err != nil {
		return nil, err
	}
	return dec(f[0])
}

func (m *pyMech) Peer() *soap.Principal {
	f, err := m.do("PEER", nil, "PEER")
	if err != nil || f[0] == "-" {
		return nil
	}
	der, err := dec(f[0])
	if err != nil {
		return nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return &soap.Principal{Identities: []soap.Identity{soap.CertificateIdentity(c)}}
}

func (m *pyMech) version() string {
	f, err := m.do("VERSION", nil, "VERSION")
	if err != nil {
		return err.Error()
	}
	return f[0]
}

func (m *pyMech) Close() error {
	if m.cmd.Process == nil || m.cmd.ProcessState != nil {
		return nil
	}
	_ = m.in.Close()
	return m.cmd.Wait()
}

// pyOnly keeps closeMechanism from ending the process before the test
// reads the negotiated version.
type pyOnly struct{ *pyMech }

func (pyOnly) Close() error { return nil }

// pyVersion is a TLS version the OpenSSL peer is limited to.
type pyVersion struct {
	name string
	max  string // --max
	want string // OpenSSL's name of the negotiated version
	tls  uint16
}

var pyVersions = []pyVersion{{"tls12", "1.2", "TLSv1.2", tls.VersionTLS12}, {"tls13", "1.3", "TLSv1.3", tls.VersionTLS13}}

// eachPeerCase runs f for both WS-Trust versions, both TLS versions and
// with and without a client certificate.
func eachPeerCase(t *testing.T, f func(t *testing.T, v wstrust.Version, pv pyVersion, clientCert bool)) {
	for _, v := range tVersions {
		for _, pv := range pyVersions {
			for _, clientCert := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/clientcert=%v", v, pv.name, clientCert), func(t *testing.T) { f(t, v, pv, clientCert) })
			}
		}
	}
}

// TestTLSNegoGoInitiatorOpenSSLAcceptor runs the Go initiator against an
// acceptor whose TLS is OpenSSL's: OpenSSL reads the Go client's legs,
// answers them, and wraps the key as TLS application data that Go must
// unwrap. With a client certificate OpenSSL validates Go's.
func TestTLSNegoGoInitiatorOpenSSLAcceptor(t *testing.T) {
	p := newPKI(t)
	eachPeerCase(t, func(t *testing.T, v wstrust.Version, pv pyVersion, clientCert bool) {
		args := []string{"--role", "server", "--ca", filepath.Join(p.dir, "ca.pem"), "--cert", filepath.Join(p.dir, "service.pem"), "--max", pv.max}
		if clientCert {
			args = append(args, "--client-auth", "required")
		}
		var py *pyMech
		acc, err := NewAcceptor(AcceptorConfig{Version: v, NewMechanism: func(ctx context.Context) (Mechanism, error) {
			py = newPyMech(t, args...)
			return pyOnly{py}, nil
		}})
		require.NoError(t, err)
		ccfg := TLSClientConfig{Trust: p.trust(), DNSIdentity: "service.example"}
		if clientCert {
			ccfg.Certificate = p.client
		}
		newClient, err := NewTLSClient(ccfg)
		require.NoError(t, err)
		ini, err := NewInitiator(InitiatorConfig{Version: v, NewMechanism: newClient})
		require.NoError(t, err)
		w := &tWire{acc: acc, iss: &tIssuer{v: v}}
		nt, err := ini.Negotiate(context.Background(), w)
		require.NoError(t, err)
		assert.Equal(t, w.iss.key, nt.Key)
		assert.Equal(t, pv.want, py.version())
		if clientCert {
			require.NotNil(t, w.iss.peer)
			assert.Equal(t, "client", w.iss.peer.Primary().Certificate.Subject.CommonName)
		} else {
			assert.Nil(t, w.iss.peer)
		}
	})
}

// TestTLSNegoOpenSSLInitiatorGoAcceptor runs an initiator whose TLS is
// OpenSSL's (checking the Go service's certificate chain and host name)
// against the Go acceptor; OpenSSL unwraps the key the Go acceptor
// wrapped, and the engine checks the CombinedHash.
func TestTLSNegoOpenSSLInitiatorGoAcceptor(t *testing.T) {
	p := newPKI(t)
	eachPeerCase(t, func(t *testing.T, v wstrust.Version, pv pyVersion, clientCert bool) {
		args := []string{"--role", "client", "--ca", filepath.Join(p.dir, "ca.pem"), "--hostname", "service.example", "--max", pv.max}
		if clientCert {
			args = append(args, "--cert", filepath.Join(p.dir, "client.pem"))
		}
		var py *pyMech
		ini, err := NewInitiator(InitiatorConfig{Version: v, NewMechanism: func(ctx context.Context) (Mechanism, error) {
			py = newPyMech(t, args...)
			return pyOnly{py}, nil
		}})
		require.NoError(t, err)
		var got uint16
		newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service, ClientTrust: p.trust(), RequireClientCertificate: clientCert})
		require.NoError(t, err)
		acc, err := NewAcceptor(AcceptorConfig{Version: v, NewMechanism: func(ctx context.Context) (Mechanism, error) {
			m, err := newServer(ctx)
			return &versionTap{Mechanism: m, got: &got}, err
		}})
		require.NoError(t, err)
		w := &tWire{acc: acc, iss: &tIssuer{v: v}}
		nt, err := ini.Negotiate(context.Background(), w)
		require.NoError(t, err)
		assert.Equal(t, w.iss.key, nt.Key)
		assert.Equal(t, pv.want, py.version())
		assert.Equal(t, pv.tls, got)
		if clientCert {
			require.NotNil(t, w.iss.peer)
			assert.Equal(t, "client", w.iss.peer.Primary().Certificate.Subject.CommonName)
		}
	})
}

// TestTLSNegoOpenSSLRejectsWrongHost checks that the OpenSSL initiator,
// as WCF's client, refuses a service whose certificate names another host:
// the independent check of the identity the Go acceptor presents.
func TestTLSNegoOpenSSLRejectsWrongHost(t *testing.T) {
	p := newPKI(t)
	ini, err := NewInitiator(InitiatorConfig{Version: tVersions[0], NewMechanism: func(ctx context.Context) (Mechanism, error) {
		return newPyMech(t, "--role", "client", "--ca", filepath.Join(p.dir, "ca.pem"), "--hostname", "other.example"), nil
	}})
	require.NoError(t, err)
	newServer, err := NewTLSServer(TLSServerConfig{Certificate: p.service})
	require.NoError(t, err)
	acc, err := NewAcceptor(AcceptorConfig{Version: tVersions[0], NewMechanism: newServer})
	require.NoError(t, err)
	_, err = ini.Negotiate(context.Background(), &tWire{acc: acc, iss: &tIssuer{v: tVersions[0]}})
	require.ErrorIs(t, err, ErrMechanism)
	assert.Contains(t, err.Error(), "certificate verify failed")
}

// versionTap records the TLS version a Go acceptor negotiated.
type versionTap struct {
	Mechanism
	got *uint16
}

func (v *versionTap) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	out, done, err := v.Mechanism.Step(ctx, in)
	if done && err == nil {
		*v.got = v.Mechanism.(*tlsMech).ConnectionState().Version
	}
	return out, done, err
}

func (v *versionTap) Peer() *soap.Principal { return v.Mechanism.(Authenticated).Peer() }

func (v *versionTap) Close() error { closeMechanism(v.Mechanism); return nil }
