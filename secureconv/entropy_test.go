package secureconv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/soapstack/soapstack/internal/wstrust"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The session key of the CoreWCF capture: both entropies are read from the
// captured messages, and the key P_SHA1(client entropy, server entropy)
// is the one whose HMAC signatures verify (see the vectors' index.json).
func TestResolveProofKeyCaptureCoreWCF(t *testing.T) {
	rst, _, err := wstrust.ParseRST(wtMessage(t, "01_corewcf_rst-sct-request.xml").Payload())
	require.NoError(t, err)
	rstr, _, err := wstrust.ParseRSTR(wtMessage(t, "02_corewcf_rstr-sct-response.xml").Payload())
	require.NoError(t, err)
	key, err := resolveProofKey(EntropyCombined, rst, rstr, keySizeBounds{Min: 256, Max: 256})
	require.NoError(t, err)
	assert.Equal(t, "H/N/QJpAIzvX652dTmpSKfx5jvchdVlWNaSPiPkNuP8=", base64.StdEncoding.EncodeToString(key))

	// The order of the entropies matters.
	rev, err := computedKey(rstr.Entropy.Value, rst.Entropy.Value, 256)
	require.NoError(t, err)
	assert.NotEqual(t, key, rev)
}

// WSS4J's combined-entropy keys of 128, 192 and 256 bits.
func TestComputedKeyWSS4J(t *testing.T) {
	var vec struct {
		Cases []struct {
			ID        string `json:"id"`
			Requestor string `json:"requestor_entropy_b64"`
			Responder string `json:"responder_entropy_b64"`
			Bits      int    `json:"keysize_bits"`
			Key       string `json:"key_b64"`
		} `json:"combined_entropy_cases"`
	}
	require.NoError(t, json.Unmarshal(wtRead(t, "wss4j_psha1.json"), &vec))
	require.NotEmpty(t, vec.Cases)
	for _, c := range vec.Cases {
		t.Run(c.ID, func(t *testing.T) {
			key, err := computedKey(wtB64(t, c.Requestor), wtB64(t, c.Responder), c.Bits)
			require.NoError(t, err)
			assert.Equal(t, c.Key, base64.StdEncoding.EncodeToString(key))
		})
	}
}

func TestResolveProofKey(t *testing.T) {
	cli := &wstrust.BinarySecret{Type: wstrust.SecretNonce, Value: bytes.Repeat([]byte{1}, 32)}
	srv := &wstrust.BinarySecret{Type: wstrust.SecretNonce, Value: bytes.Repeat([]byte{2}, 32)}
	ck := &wstrust.ProofToken{ComputedKey: V13.wire().ComputedKeyPSHA1()}
	secret := &wstrust.ProofToken{Secret: &wstrust.BinarySecret{Value: bytes.Repeat([]byte{3}, 16)}}
	combined := func(bits int) []byte {
		k, err := computedKey(cli.Value, srv.Value, bits)
		require.NoError(t, err)
		return k
	}
	wide := keySizeBounds{Min: 128, Max: 256}
	for _, tc := range []struct {
		name  string
		mode  EntropyMode
		rst   *wstrust.RST
		rstr  *wstrust.RSTR
		sizes keySizeBounds
		want  []byte
	}{
		{"combined, size of the response", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 256},
			&wstrust.RSTR{Proof: ck, Entropy: srv, KeySize: 128}, wide, combined(128)},
		{"combined, size of the request (CXF omits KeySize)", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 192},
			&wstrust.RSTR{Proof: ck, Entropy: srv}, wide, combined(192)},
		{"combined, default size", EntropyCombined, &wstrust.RST{Entropy: cli},
			&wstrust.RSTR{Proof: ck, Entropy: srv}, keySizeBounds{Default: 256}, combined(256)},
		{"combined, no size", EntropyCombined, &wstrust.RST{Entropy: cli},
			&wstrust.RSTR{Proof: ck, Entropy: srv}, wide, nil},
		{"combined, no ComputedKey", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 256},
			&wstrust.RSTR{Entropy: srv, KeySize: 256}, wide, nil},
		{"combined, secret instead of ComputedKey", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 256},
			&wstrust.RSTR{Proof: secret, Entropy: srv, KeySize: 256}, wide, nil},
		{"combined, no server entropy", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 256},
			&wstrust.RSTR{Proof: ck, KeySize: 256}, wide, nil},
		{"combined, no client entropy", EntropyCombined, &wstrust.RST{KeySize: 256},
			&wstrust.RSTR{Proof: ck, Entropy: srv, KeySize: 256}, wide, nil},
		{"combined, key too large", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 256},
			&wstrust.RSTR{Proof: ck, Entropy: srv, KeySize: 512}, wide, nil},
		{"combined, key too small", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 256},
			&wstrust.RSTR{Proof: ck, Entropy: srv, KeySize: 64}, wide, nil},
		{"combined, not whole bytes", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 256},
			&wstrust.RSTR{Proof: ck, Entropy: srv, KeySize: 129}, keySizeBounds{Min: 128, Max: 256}, nil},
		{"combined, default bounds", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 1024},
			&wstrust.RSTR{Proof: ck, Entropy: srv}, keySizeBounds{}, combined(1024)},
		{"server", EntropyServer, &wstrust.RST{KeySize: 128},
			&wstrust.RSTR{Proof: secret, KeySize: 128}, wide, bytes.Repeat([]byte{3}, 16)},
		{"server, KeySize mismatch", EntropyServer, &wstrust.RST{},
			&wstrust.RSTR{Proof: secret, KeySize: 256}, wide, nil},
		{"server, client sent entropy", EntropyServer, &wstrust.RST{Entropy: cli},
			&wstrust.RSTR{Proof: secret}, wide, nil},
		{"server, computed key", EntropyServer, &wstrust.RST{},
			&wstrust.RSTR{Proof: ck, Entropy: srv}, wide, nil},
		{"server, entropy in response", EntropyServer, &wstrust.RST{},
			&wstrust.RSTR{Proof: secret, Entropy: srv}, wide, nil},
		{"server, no proof", EntropyServer, &wstrust.RST{},
			&wstrust.RSTR{}, wide, nil},
		{"server, encrypted proof", EntropyServer, &wstrust.RST{},
			&wstrust.RSTR{Proof: &wstrust.ProofToken{EncryptedKey: wstrust.NewElement("e", "urn:x", "EncryptedKey")}}, wide, nil},
		{"server, key too small", EntropyServer, &wstrust.RST{},
			&wstrust.RSTR{Proof: secret}, keySizeBounds{Min: 256, Max: 256}, nil},
		{"client", EntropyClient, &wstrust.RST{Entropy: cli},
			&wstrust.RSTR{KeySize: 256}, wide, cli.Value},
		{"client, proof in response", EntropyClient, &wstrust.RST{Entropy: cli},
			&wstrust.RSTR{Proof: ck}, wide, nil},
		{"client, entropy in response", EntropyClient, &wstrust.RST{Entropy: cli},
			&wstrust.RSTR{Entropy: srv}, wide, nil},
		{"client, no entropy", EntropyClient, &wstrust.RST{},
			&wstrust.RSTR{}, wide, nil},
		{"unknown mode", EntropyMode(9), &wstrust.RST{Entropy: cli},
			&wstrust.RSTR{}, wide, nil},
		{"no request", EntropyCombined, nil, &wstrust.RSTR{}, wide, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := resolveProofKey(tc.mode, tc.rst, tc.rstr, tc.sizes)
			if tc.want == nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrProofKey)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, key)
		})
	}
}

// A server issues, builds and sends; a client parses and resolves the same
// key, in every mode and version.
func TestIssueKeyRoundTrip(t *testing.T) {
	sizes := keySizeBounds{Min: 128, Max: 256, Default: 256}
	for _, v := range []Version{V200502, V13} {
		for _, mode := range []EntropyMode{EntropyCombined, EntropyServer, EntropyClient} {
			t.Run(v.String()+"/"+mode.String(), func(t *testing.T) {
				rst := &wstrust.RST{TokenType: v.wire().TokenType(), Operation: wstrust.OpIssue, KeySize: 128}
				if mode != EntropyServer {
					e, err := newEntropy(128, "uuid-c-1", nil)
					require.NoError(t, err)
					rst.Entropy = e
				}
				rstIn, _, err := wstrust.ParseRST(rst.Build(v.wire()))
				require.NoError(t, err)

				issued, err := issueKey(mode, rstIn, sizes, nil)
				require.NoError(t, err)
				assert.Len(t, issued.Key, 16)
				if issued.Entropy != nil {
					issued.Entropy.ID = "uuid-s-2"
				}
				rstr := &wstrust.RSTR{TokenType: v.wire().TokenType(),
					SCT: &wstrust.SecurityContextToken{ID: "uuid-t-1", Identifier: "urn:uuid:1"}}
				issued.Apply(v, rstr)
				got, _, err := wstrust.ParseRSTR(rstr.BuildBody(v.wire()))
				require.NoError(t, err)
				assert.Equal(t, 128, got.KeySize)
				switch mode {
				case EntropyCombined:
					assert.Equal(t, v.wire().ComputedKeyPSHA1(), got.Proof.ComputedKey)
					assert.Equal(t, "uuid-s-2", got.Entropy.ID)
					assert.Equal(t, wstrust.SecretNonce, got.Entropy.Type)
				case EntropyServer:
					assert.Equal(t, issued.Key, got.Proof.Secret.Value)
					assert.Nil(t, got.Entropy)
				case EntropyClient:
					assert.Nil(t, got.Proof)
					assert.Nil(t, got.Entropy)
				}
				key, err := resolveProofKey(mode, rst, got, sizes)
				require.NoError(t, err)
				assert.Equal(t, issued.Key, key)

				// The other modes refuse the response.
				for _, other := range []EntropyMode{EntropyCombined, EntropyServer, EntropyClient} {
					if other != mode {
						_, err := resolveProofKey(other, rst, got, sizes)
						assert.ErrorIs(t, err, ErrProofKey, other.String())
					}
				}
			})
		}
	}
}

func TestIssueKeyRejects(t *testing.T) {
	cli := &wstrust.BinarySecret{Type: wstrust.SecretNonce, Value: make([]byte, 32)}
	sizes := keySizeBounds{Min: 128, Max: 256, Default: 256}
	for _, tc := range []struct {
		name string
		mode EntropyMode
		rst  *wstrust.RST
		bits int
	}{
		{"combined default size", EntropyCombined, &wstrust.RST{Entropy: cli}, 256},
		{"client size from entropy", EntropyClient, &wstrust.RST{Entropy: cli}, 256},
		{"client size from entropy, not the default", EntropyClient, &wstrust.RST{Entropy: &wstrust.BinarySecret{Value: make([]byte, 16)}}, 128},
		{"server", EntropyServer, &wstrust.RST{KeySize: 192}, 192},
		{"combined without entropy", EntropyCombined, &wstrust.RST{}, 0},
		{"client without entropy", EntropyClient, &wstrust.RST{}, 0},
		{"client entropy of the wrong size", EntropyClient, &wstrust.RST{Entropy: cli, KeySize: 128}, 0},
		{"server with entropy", EntropyServer, &wstrust.RST{Entropy: cli}, 0},
		{"size too large", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 512}, 0},
		{"size not whole bytes", EntropyCombined, &wstrust.RST{Entropy: cli, KeySize: 130}, 0},
		{"unknown mode", EntropyMode(7), &wstrust.RST{Entropy: cli}, 0},
		{"no request", EntropyCombined, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := issueKey(tc.mode, tc.rst, sizes, nil)
			if tc.bits == 0 {
				require.ErrorIs(t, err, ErrInvalidRequest)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.bits, k.KeySize)
			assert.Len(t, k.Key, tc.bits/8)
		})
	}
	_, err := issueKey(EntropyServer, &wstrust.RST{KeySize: 128}, sizes, bytes.NewReader(nil))
	require.Error(t, err, "short random source")
}

func TestNewEntropy(t *testing.T) {
	e, err := newEntropy(256, "uuid-x-1", bytes.NewReader(bytes.Repeat([]byte{5}, 64)))
	require.NoError(t, err)
	assert.Equal(t, &wstrust.BinarySecret{ID: "uuid-x-1", Type: wstrust.SecretNonce, Value: bytes.Repeat([]byte{5}, 32)}, e)
	for _, bits := range []int{0, -8, 7, 8 * (wstrust.MaxSecretSize + 1)} {
		_, err := newEntropy(bits, "", nil)
		assert.Error(t, err, bits)
	}
	_, err = newEntropy(128, "", bytes.NewReader(make([]byte, 3)))
	require.Error(t, err)
	a, err := newEntropy(128, "", nil)
	require.NoError(t, err)
	b, err := newEntropy(128, "", nil)
	require.NoError(t, err)
	assert.NotEqual(t, a.Value, b.Value)
}

func TestComputedKeyRejects(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cli, srv []byte
		bits     int
	}{
		{"no client entropy", nil, []byte{1}, 128},
		{"no server entropy", []byte{1}, nil, 128},
		{"zero bits", []byte{1}, []byte{1}, 0},
		{"not whole bytes", []byte{1}, []byte{1}, 12},
		{"too large", []byte{1}, []byte{1}, wstrust.MaxKeySize + 8},
	} {
		_, err := computedKey(tc.cli, tc.srv, tc.bits)
		assert.True(t, errors.Is(err, ErrProofKey), tc.name)
	}
}

func TestEntropyModeString(t *testing.T) {
	assert.Equal(t, "CombinedEntropy", EntropyCombined.String())
	assert.Equal(t, "ServerEntropy", EntropyServer.String())
	assert.Equal(t, "ClientEntropy", EntropyClient.String())
	assert.Equal(t, "EntropyMode(5)", EntropyMode(5).String())
}
