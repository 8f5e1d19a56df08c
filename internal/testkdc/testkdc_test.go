package testkdc

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStart runs kinit (MIT's own client) against the realm: the KDC
// answers, and the user's password and keytab are right.
func TestStart(t *testing.T) {
	k := Start(t)
	kinit, err := exec.LookPath("kinit")
	require.NoError(t, err, "kinit: %s", Install)
	cmd := exec.Command(kinit, k.User+"@"+k.Realm)
	cmd.Env = k.Env()
	cmd.Stdin = strings.NewReader(k.UserPassword + "\n")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", out, k.Log())
	cmd = exec.Command(kinit, "-k", "-t", k.UserKeytab, k.User+"@"+k.Realm)
	cmd.Env = k.Env()
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	st, err := os.Stat(k.ServiceKeytab)
	require.NoError(t, err)
	require.NotZero(t, st.Size())
}
