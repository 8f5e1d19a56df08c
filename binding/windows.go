package binding

import (
	"context"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/soapstack/soapstack/internal/negotiate"
	"github.com/soapstack/soapstack/internal/spnego"
	"github.com/soapstack/soapstack/secureconv"
	"github.com/soapstack/soapstack/wssecurity"
)

// windowsSupported refuses what WCF makes of ClientCredentialType Windows
// other than SPNEGO negotiation in Message mode (negotiatedPlan): the
// Kerberos token binding (CreateKerberosBindingElement, a Kerberos token
// in every message; NegotiateServiceCredential false) and
// SspiNegotiatedOverTransport (TransportWithMessageCredential).
func (b Binding) windowsSupported() error {
	n, m := b.name(), b.Security.Message
	switch {
	case b.kind == kindBasicHTTP:
		return configErr("%s: Security.Message.ClientCredentialType Windows: basicHttpBinding has no Windows message credential", n)
	case b.Security.Mode != ModeMessage:
		return notSupported("%s: Security.Message.ClientCredentialType Windows: only in Mode Message (SPNEGO negotiation), not %s", n, b.Security.Mode)
	case !m.NegotiateServiceCredential:
		return notSupported("%s: Security.Message.ClientCredentialType Windows with NegotiateServiceCredential false is WCF's Kerberos token binding, which is not supported: set NegotiateServiceCredential true (SPNEGO)", n)
	}
	return nil
}

// windowsNegotiator is the client's SPNEGO negotiation and what releases
// its Kerberos client.
func windowsNegotiator(b Binding, url string, creds Credentials, s *settings) (secureconv.Negotiator, func(), error) {
	n := b.name()
	f, cl, err := windowsClient(n, creds.Windows, s.now, s.rand)
	if err != nil {
		return nil, nil, err
	}
	ini, err := engineInitiator(b, url, f, s)
	if err != nil {
		cl.Destroy()
		return nil, nil, err
	}
	return ini, cl.Destroy, nil
}

// windowsAcceptor is the service's SPNEGO negotiation.
func windowsAcceptor(b Binding, creds Credentials, s *settings) (secureconv.NegotiationAcceptor, error) {
	n := b.name()
	f, err := windowsService(n, creds.Windows, s.now, s.rand)
	if err != nil {
		return nil, err
	}
	return engineAcceptor(b, f, s)
}

// WindowsCredentials are the Kerberos credentials of ClientCredentialType
// Windows, which WCF negotiates by SPNEGO (Kerberos only; NTLM is not
// supported). A client needs a krb5.conf, its principal with a password
// or a keytab, and the service principal name; a service needs its
// keytab.
type WindowsCredentials struct {
	// Krb5Conf is the path of the krb5.conf that names the realms and
	// their KDCs (client side; $KRB5_CONFIG, else /etc/krb5.conf, when
	// empty).
	Krb5Conf string
	// UserName and Realm name the client principal ("alice",
	// "EXAMPLE.COM"); UserName "alice@EXAMPLE.COM" sets both.
	UserName, Realm string
	// Password is the client principal's password, or
	Password wssecurity.Secret
	// ClientKeytab the path of a keytab holding its key.
	ClientKeytab string
	// SPN is the service principal name the client asks a ticket for
	// (WCF's SpnEndpointIdentity): "HTTP/server.example.com" or
	// "host/server.example.com".
	SPN string
	// ServiceKeytab is the path of the service's keytab (service side).
	ServiceKeytab string
	// ServicePrincipal, when set, is the only principal of the keytab the
	// service accepts tickets for ("HTTP/server.example.com", optionally
	// with "@REALM").
	ServicePrincipal string
	// MaxClockSkew is the clock difference a service tolerates (five
	// minutes when 0).
	MaxClockSkew time.Duration
}

// windowsClient returns the SPNEGO mechanism factory of a client and the
// Kerberos client it shares (to Destroy on Close).
func windowsClient(n string, w *WindowsCredentials, now func() time.Time, rand io.Reader) (func(context.Context) (negotiate.Mechanism, error), *client.Client, error) {
	if w == nil {
		return nil, nil, configErr("%s: Credentials.Windows: ClientCredentialType Windows needs Kerberos credentials", n)
	}
	user, realm := w.UserName, w.Realm
	if u, r, ok := strings.Cut(user, "@"); ok {
		if realm != "" && realm != r {
			return nil, nil, configErr("%s: Credentials.Windows: UserName %q names realm %s, Realm %s", n, user, r, realm)
		}
		user, realm = u, r
	}
	path := w.Krb5Conf
	if path == "" {
		if path = os.Getenv("KRB5_CONFIG"); path == "" {
			path = "/etc/krb5.conf"
		}
	}
	conf, err := config.Load(path)
	if err != nil {
		return nil, nil, configErr("%s: Credentials.Windows.Krb5Conf %s: %v", n, path, err)
	}
	if realm == "" {
		realm = conf.LibDefaults.DefaultRealm
	}
	switch {
	case user == "" || realm == "":
		return nil, nil, configErr("%s: Credentials.Windows.UserName and Realm: the client principal is not named", n)
	case w.SPN == "":
		return nil, nil, configErr("%s: Credentials.Windows.SPN: the service principal name is needed for a ticket", n)
	case (w.Password == "") == (w.ClientKeytab == ""):
		return nil, nil, configErr("%s: Credentials.Windows: give Password or ClientKeytab (one of them)", n)
	}
	var cl *client.Client
	if w.ClientKeytab != "" {
		kt, err := keytab.Load(w.ClientKeytab)
		if err != nil {
			return nil, nil, configErr("%s: Credentials.Windows.ClientKeytab: %v", n, err)
		}
		cl = client.NewWithKeytab(user, realm, kt, conf, client.DisablePAFXFAST(true))
	} else {
		cl = client.NewWithPassword(user, realm, string(w.Password), conf, client.DisablePAFXFAST(true))
	}
	f, err := spnego.NewInitiatorFactory(spnego.InitiatorConfig{Client: cl, SPN: w.SPN, Now: now, Rand: rand})
	if err != nil {
		cl.Destroy()
		return nil, nil, configErr("%s: Credentials.Windows: %v", n, err)
	}
	return f, cl, nil
}

// windowsService returns the SPNEGO acceptor factory of a service.
func windowsService(n string, w *WindowsCredentials, now func() time.Time, rand io.Reader) (func(context.Context) (negotiate.Mechanism, error), error) {
	if w == nil || w.ServiceKeytab == "" {
		return nil, configErr("%s: Credentials.Windows.ServiceKeytab: a service of ClientCredentialType Windows needs its keytab", n)
	}
	kt, err := keytab.Load(w.ServiceKeytab)
	if err != nil {
		return nil, configErr("%s: Credentials.Windows.ServiceKeytab: %v", n, err)
	}
	svc, err := spnego.NewService(spnego.ServiceConfig{Keytab: kt, Principal: w.ServicePrincipal,
		MaxClockSkew: w.MaxClockSkew, Now: now, Rand: rand})
	if err != nil {
		return nil, configErr("%s: Credentials.Windows: %v", n, err)
	}
	return svc.NewMechanism, nil
}
