// Package testkdc starts a real MIT Kerberos KDC for tests: a throwaway
// realm in a temporary directory (database, stash, krb5.conf and kdc.conf)
// with a user and a service principal, the service's keytab, and krb5kdc
// running in the foreground on a free loopback port, stopped when the test
// ends. A test that needs it fails (never skips) when the MIT KDC is not
// installed, unless it runs with -short, where it is skipped.
package testkdc

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Install is how to install what the tests need.
const Install = "apt-get install krb5-kdc krb5-admin-server krb5-user (Debian)"

// Defaults of the realm Start creates.
const (
	Realm        = "SOAPSTACK.TEST"
	ServiceHost  = "server.soapstack.test"
	User         = "alice"
	UserPassword = "alice-Pa55word"
)

// KDC is a running krb5kdc with its realm.
type KDC struct {
	// Realm is the realm's name.
	Realm string
	// Addr is the KDC's host:port (TCP and UDP) on the loopback interface.
	Addr string
	// Dir is the realm's directory.
	Dir string
	// Krb5Conf is the path of a krb5.conf naming the realm and the KDC.
	Krb5Conf string
	// User and UserPassword are the client principal's name and password;
	// UserKeytab holds the same key.
	User, UserPassword, UserKeytab string
	// ServiceSPN is the service principal (HTTP/ServiceHost) and
	// ServiceKeytab its keytab.
	ServiceSPN, ServiceKeytab string

	t    testing.TB
	env  []string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *bytes.Buffer
}

// tools are the MIT programs Start runs.
var tools = []string{"krb5kdc", "kdb5_util", "kadmin.local"}

// lookPath finds an MIT tool on PATH or in /usr/sbin (where Debian puts
// them, often off a user's PATH).
func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := filepath.Join("/usr/sbin", name)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p, nil
	}
	return "", fmt.Errorf("%s not found: %s", name, Install)
}

// Start creates a realm and starts its KDC for t. It fails t when the MIT
// KDC is missing or does not start (and skips t under -short).
func Start(t testing.TB) *KDC {
	t.Helper()
	paths := map[string]string{}
	for _, name := range tools {
		p, err := lookPath(name)
		if err != nil {
			if testing.Short() {
				t.Skipf("testkdc: %v (-short)", err)
			}
			t.Fatalf("testkdc: %v", err)
		}
		paths[name] = p
	}
	dir := t.TempDir()
	k := &KDC{Realm: Realm, Dir: dir, t: t, User: User, UserPassword: UserPassword,
		ServiceSPN: "HTTP/" + ServiceHost,
		Krb5Conf:   filepath.Join(dir, "krb5.conf"), UserKeytab: filepath.Join(dir, "user.keytab"),
		ServiceKeytab: filepath.Join(dir, "service.keytab")}
	t.Cleanup(k.Stop)
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		k.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		k.writeConf(port)
		if attempt == 0 {
			k.createRealm(paths)
		}
		err := k.run(paths["krb5kdc"])
		if err == nil {
			return k
		}
		if attempt == 2 {
			t.Fatalf("testkdc: %v", err)
		}
	}
}

// Env is the environment the MIT tools and libraries (python3-gssapi)
// need to use this realm: KRB5_CONFIG, KRB5_KDC_PROFILE, a private
// credential cache and no replay cache on disk outside Dir.
func (k *KDC) Env() []string {
	return append([]string(nil), k.env...)
}

func (k *KDC) writeConf(port int) {
	d := k.Dir
	enctypes := "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96"
	krb5 := fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
	udp_preference_limit = 1
	default_tkt_enctypes = %[3]s
	default_tgs_enctypes = %[3]s
	permitted_enctypes = %[3]s
	ticket_lifetime = 1h
	forwardable = false

[realms]
	%[1]s = {
		kdc = 127.0.0.1:%[2]d
	}

[domain_realm]
	.soapstack.test = %[1]s
	soapstack.test = %[1]s
`, k.Realm, port, enctypes)
	kdc := fmt.Sprintf(`[kdcdefaults]
	kdc_ports = %[2]d
	kdc_tcp_ports = %[2]d
	kdc_listen = 127.0.0.1:%[2]d
	kdc_tcp_listen = 127.0.0.1:%[2]d

[realms]
	%[1]s = {
		database_name = %[3]s/principal
		key_stash_file = %[3]s/stash
		acl_file = %[3]s/kadm5.acl
		max_life = 1h
		max_renewable_life = 0
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
		default_principal_flags = +preauth
	}

[logging]
	kdc = FILE:%[3]s/kdc.log
	admin_server = FILE:%[3]s/kadmin.log
	default = FILE:%[3]s/krb5.log
`, k.Realm, port, d)
	for name, text := range map[string]string{"krb5.conf": krb5, "kdc.conf": kdc, "kadm5.acl": ""} {
		if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0o600); err != nil {
			k.t.Fatalf("testkdc: %v", err)
		}
	}
	k.env = append(os.Environ(),
		"KRB5_CONFIG="+filepath.Join(d, "krb5.conf"),
		"KRB5_KDC_PROFILE="+filepath.Join(d, "kdc.conf"),
		"KRB5CCNAME=FILE:"+filepath.Join(d, "ccache"),
		"KRB5RCACHEDIR="+d,
		"KRB5_TRACE=/dev/null")
}

// createRealm makes the database (with a generated master key in the
// stash), the principals and the keytabs.
func (k *KDC) createRealm(paths map[string]string) {
	k.t.Helper()
	k.tool(paths["kdb5_util"], "-r", k.Realm, "create", "-s", "-P", "master-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	for _, q := range []string{
		"addprinc -pw " + k.UserPassword + " " + k.User,
		"addprinc -randkey " + k.ServiceSPN,
		"ktadd -k " + k.ServiceKeytab + " " + k.ServiceSPN,
		"ktadd -k " + k.UserKeytab + " -norandkey " + k.User,
	} {
		k.tool(paths["kadmin.local"], "-r", k.Realm, "-q", q)
	}
}

// AddPrincipal adds a principal with a random key and writes its keys to
// the keytab at path (for a second service, or a stale key).
func (k *KDC) AddPrincipal(name, keytab string) {
	k.t.Helper()
	p, err := lookPath("kadmin.local")
	if err != nil {
		k.t.Fatalf("testkdc: %v", err)
	}
	k.tool(p, "-r", k.Realm, "-q", "addprinc -randkey "+name)
	k.tool(p, "-r", k.Realm, "-q", "ktadd -k "+keytab+" "+name)
}

// RandomizeKey gives principal name a new key (the keytabs written before
// hold the old one) and, when keytab is not "", writes the new one there.
func (k *KDC) RandomizeKey(name, keytab string) {
	k.t.Helper()
	p, err := lookPath("kadmin.local")
	if err != nil {
		k.t.Fatalf("testkdc: %v", err)
	}
	if keytab != "" {
		k.tool(p, "-r", k.Realm, "-q", "ktadd -k "+keytab+" "+name)
		return
	}
	k.tool(p, "-r", k.Realm, "-q", "cpw -randkey "+name)
}

func (k *KDC) tool(bin string, args ...string) {
	k.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = k.env
	cmd.Dir = k.Dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		k.t.Fatalf("testkdc: %s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	if bytes.Contains(out, []byte("error")) || bytes.Contains(out, []byte("rror:")) {
		k.t.Fatalf("testkdc: %s %s:\n%s", filepath.Base(bin), strings.Join(args, " "), out)
	}
}

// run starts krb5kdc in the foreground and waits until it accepts TCP
// connections.
func (k *KDC) run(bin string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	cmd := exec.Command(bin, "-n", "-r", k.Realm)
	cmd.Env = k.env
	cmd.Dir = k.Dir
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting krb5kdc: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	k.cmd, k.done, k.out = cmd, done, out
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-done:
			k.cmd = nil
			log, _ := os.ReadFile(filepath.Join(k.Dir, "kdc.log"))
			return fmt.Errorf("krb5kdc exited: %s\n%s", out, log)
		default:
		}
		c, err := net.DialTimeout("tcp", k.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			k.stopLocked()
			return fmt.Errorf("krb5kdc did not listen on %s: %v\n%s", k.Addr, err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the KDC (SIGINT, then SIGKILL after two seconds).
func (k *KDC) Stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stopLocked()
}

func (k *KDC) stopLocked() {
	if k.cmd == nil {
		return
	}
	_ = k.cmd.Process.Signal(os.Interrupt)
	select {
	case <-k.done:
	case <-time.After(2 * time.Second):
		_ = k.cmd.Process.Kill()
		<-k.done
	}
	k.cmd = nil
}

// Log returns the KDC's log so far (for failure messages).
func (k *KDC) Log() string {
	b, _ := os.ReadFile(filepath.Join(k.Dir, "kdc.log"))
	return string(b)
}

// freePort returns a loopback port free for both TCP and UDP a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	for i := 0; i < 20; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testkdc: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatalf("testkdc: no port free for TCP and UDP")
	return 0
}
