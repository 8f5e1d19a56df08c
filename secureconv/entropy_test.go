package secureconv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The session key of the CoreWCF capture: both entropies are read from the
// captured messages, and the key P_SHA1(client entropy, server entropy)
// is the one whose HMAC signatures verify (see the vectors' index.json).
func TestResolveProofKeyCaptureCoreWCF(t *testing.T) {
	rst, _, err := ParseRST(wtMessage(t, "01_corewcf_rst-sct-request.xml").Payload())
	require.NoError(t, err)
	rstr, _, err := ParseRSTR(wtMessage(t, "02_corewcf_rstr-sct-response.xml").Payload())
	require.NoError(t, err)
	key, err := ResolveProofKey(EntropyCombined, rst, rstr, KeySizes{Min: 256, Max: 256})
	require.NoError(t, err)
	assert.Equal(t, "H/N/QJpAIzvX652dTmpSKfx5jvchdVlWNaSPiPkNuP8=", base64.StdEncoding.EncodeToString(key))

	// The order of the entropies matters.
	rev, err := ComputedKey(rstr.Entropy.Value, rst.Entropy.Value, 256)
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
			key, err := ComputedKey(wtB64(t, c.Requestor), wtB64(t, c.Responder), c.Bits)
			require.NoError(t, err)
			assert.Equal(t, c.Key, base64.StdEncoding.EncodeToString(key))
		})
	}
}

func TestResolveProofKey(t *testing.T) {
	cli := &BinarySecret{Type: SecretNonce, Value: bytes.Repeat([]byte{1}, 32)}
	srv := &BinarySecret{Type: SecretNonce, Value: bytes.Repeat([]byte{2}, 32)}
	ck := &ProofToken{ComputedKey: V13.ComputedKeyPSHA1()}
	secret := &ProofToken{Secret: &BinarySecret{Value: bytes.Repeat([]byte{3}, 16)}}
	combined := func(bits int) []byte {
		k, err := ComputedKey(cli.Value, srv.Value, bits)
		require.NoError(t, err)
		return k
	}
	wide := KeySizes{Min: 128, Max: 256}
	for _, tc := range []struct {
		name  string
		mode  EntropyMode
		rst   *RequestSecurityToken
		rstr  *RequestSecurityTokenResponse
		sizes KeySizes
		want  []byte
	}{
		{"combined, size of the response", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 256},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 128}, wide, combined(128)},
		{"combined, size of the request (CXF omits KeySize)", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 192},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv}, wide, combined(192)},
		{"combined, default size", EntropyCombined, &RequestSecurityToken{Entropy: cli},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv}, KeySizes{Default: 256}, combined(256)},
		{"combined, no size", EntropyCombined, &RequestSecurityToken{Entropy: cli},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv}, wide, nil},
		{"combined, no ComputedKey", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 256},
			&RequestSecurityTokenResponse{Entropy: srv, KeySize: 256}, wide, nil},
		{"combined, secret instead of ComputedKey", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 256},
			&RequestSecurityTokenResponse{Proof: secret, Entropy: srv, KeySize: 256}, wide, nil},
		{"combined, no server entropy", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 256},
			&RequestSecurityTokenResponse{Proof: ck, KeySize: 256}, wide, nil},
		{"combined, no client entropy", EntropyCombined, &RequestSecurityToken{KeySize: 256},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 256}, wide, nil},
		{"combined, key too large", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 256},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 512}, wide, nil},
		{"combined, key too small", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 256},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 64}, wide, nil},
		{"combined, not whole bytes", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 256},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 129}, KeySizes{Min: 128, Max: 256}, nil},
		{"combined, default bounds", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 1024},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv}, KeySizes{}, combined(1024)},
		{"server", EntropyServer, &RequestSecurityToken{KeySize: 128},
			&RequestSecurityTokenResponse{Proof: secret, KeySize: 128}, wide, bytes.Repeat([]byte{3}, 16)},
		{"server, KeySize mismatch", EntropyServer, &RequestSecurityToken{},
			&RequestSecurityTokenResponse{Proof: secret, KeySize: 256}, wide, nil},
		{"server, client sent entropy", EntropyServer, &RequestSecurityToken{Entropy: cli},
			&RequestSecurityTokenResponse{Proof: secret}, wide, nil},
		{"server, computed key", EntropyServer, &RequestSecurityToken{},
			&RequestSecurityTokenResponse{Proof: ck, Entropy: srv}, wide, nil},
		{"server, entropy in response", EntropyServer, &RequestSecurityToken{},
			&RequestSecurityTokenResponse{Proof: secret, Entropy: srv}, wide, nil},
		{"server, no proof", EntropyServer, &RequestSecurityToken{},
			&RequestSecurityTokenResponse{}, wide, nil},
		{"server, encrypted proof", EntropyServer, &RequestSecurityToken{},
			&RequestSecurityTokenResponse{Proof: &ProofToken{EncryptedKey: wNewElement("e", "urn:x", "EncryptedKey")}}, wide, nil},
		{"server, key too small", EntropyServer, &RequestSecurityToken{},
			&RequestSecurityTokenResponse{Proof: secret}, KeySizes{Min: 256, Max: 256}, nil},
		{"client", EntropyClient, &RequestSecurityToken{Entropy: cli},
			&RequestSecurityTokenResponse{KeySize: 256}, wide, cli.Value},
		{"client, proof in response", EntropyClient, &RequestSecurityToken{Entropy: cli},
			&RequestSecurityTokenResponse{Proof: ck}, wide, nil},
		{"client, entropy in response", EntropyClient, &RequestSecurityToken{Entropy: cli},
			&RequestSecurityTokenResponse{Entropy: srv}, wide, nil},
		{"client, no entropy", EntropyClient, &RequestSecurityToken{},
			&RequestSecurityTokenResponse{}, wide, nil},
		{"unknown mode", EntropyMode(9), &RequestSecurityToken{Entropy: cli},
			&RequestSecurityTokenResponse{}, wide, nil},
		{"no request", EntropyCombined, nil, &RequestSecurityTokenResponse{}, wide, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := ResolveProofKey(tc.mode, tc.rst, tc.rstr, tc.sizes)
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
	sizes := KeySizes{Min: 128, Max: 256, Default: 256}
	for _, v := range []Version{V200502, V13} {
		for _, mode := range []EntropyMode{EntropyCombined, EntropyServer, EntropyClient} {
			t.Run(v.String()+"/"+mode.String(), func(t *testing.T) {
				rst := &RequestSecurityToken{TokenType: v.TokenType(), Operation: OpIssue, KeySize: 128}
				if mode != EntropyServer {
					e, err := NewEntropy(128, "uuid-c-1", nil)
					require.NoError(t, err)
					rst.Entropy = e
				}
				rstIn, _, err := ParseRST(rst.Build(v))
				require.NoError(t, err)

				issued, err := IssueKey(mode, rstIn, sizes, nil)
				require.NoError(t, err)
				assert.Len(t, issued.Key, 16)
				if issued.Entropy != nil {
					issued.Entropy.ID = "uuid-s-2"
				}
				rstr := &RequestSecurityTokenResponse{TokenType: v.TokenType(),
					SCT: &SecurityContextToken{ID: "uuid-t-1", Identifier: "urn:uuid:1"}}
				issued.Apply(v, rstr)
				got, _, err := ParseRSTR(rstr.BuildBody(v))
				require.NoError(t, err)
				assert.Equal(t, 128, got.KeySize)
				switch mode {
				case EntropyCombined:
					assert.Equal(t, v.ComputedKeyPSHA1(), got.Proof.ComputedKey)
					assert.Equal(t, "uuid-s-2", got.Entropy.ID)
					assert.Equal(t, SecretNonce, got.Entropy.Type)
				case EntropyServer:
					assert.Equal(t, issued.Key, got.Proof.Secret.Value)
					assert.Nil(t, got.Entropy)
				case EntropyClient:
					assert.Nil(t, got.Proof)
					assert.Nil(t, got.Entropy)
				}
				key, err := ResolveProofKey(mode, rst, got, sizes)
				require.NoError(t, err)
				assert.Equal(t, issued.Key, key)

				// The other modes refuse the response.
				for _, other := range []EntropyMode{EntropyCombined, EntropyServer, EntropyClient} {
					if other != mode {
						_, err := ResolveProofKey(other, rst, got, sizes)
						assert.ErrorIs(t, err, ErrProofKey, other.String())
					}
				}
			})
		}
	}
}

func TestIssueKeyRejects(t *testing.T) {
	cli := &BinarySecret{Type: SecretNonce, Value: make([]byte, 32)}
	sizes := KeySizes{Min: 128, Max: 256, Default: 256}
	for _, tc := range []struct {
		name string
		mode EntropyMode
		rst  *RequestSecurityToken
		bits int
	}{
		{"combined default size", EntropyCombined, &RequestSecurityToken{Entropy: cli}, 256},
		{"client size from entropy", EntropyClient, &RequestSecurityToken{Entropy: cli}, 256},
		{"client size from entropy, not the default", EntropyClient, &RequestSecurityToken{Entropy: &BinarySecret{Value: make([]byte, 16)}}, 128},
		{"server", EntropyServer, &RequestSecurityToken{KeySize: 192}, 192},
		{"combined without entropy", EntropyCombined, &RequestSecurityToken{}, 0},
		{"client without entropy", EntropyClient, &RequestSecurityToken{}, 0},
		{"client entropy of the wrong size", EntropyClient, &RequestSecurityToken{Entropy: cli, KeySize: 128}, 0},
		{"server with entropy", EntropyServer, &RequestSecurityToken{Entropy: cli}, 0},
		{"size too large", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 512}, 0},
		{"size not whole bytes", EntropyCombined, &RequestSecurityToken{Entropy: cli, KeySize: 130}, 0},
		{"unknown mode", EntropyMode(7), &RequestSecurityToken{Entropy: cli}, 0},
		{"no request", EntropyCombined, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := IssueKey(tc.mode, tc.rst, sizes, nil)
			if tc.bits == 0 {
				require.ErrorIs(t, err, ErrInvalidRequest)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.bits, k.KeySize)
			assert.Len(t, k.Key, tc.bits/8)
		})
	}
	_, err := IssueKey(EntropyServer, &RequestSecurityToken{KeySize: 128}, sizes, bytes.NewReader(nil))
	require.Error(t, err, "short random source")
}

func TestNewEntropy(t *testing.T) {
	e, err := NewEntropy(256, "uuid-x-1", bytes.NewReader(bytes.Repeat([]byte{5}, 64)))
	require.NoError(t, err)
	assert.Equal(t, &BinarySecret{ID: "uuid-x-1", Type: SecretNonce, Value: bytes.Repeat([]byte{5}, 32)}, e)
	for _, bits := range []int{0, -8, 7, 8 * (MaxSecretSize + 1)} {
		_, err := NewEntropy(bits, "", nil)
		assert.Error(t, err, bits)
	}
	_, err = NewEntropy(128, "", bytes.NewReader(make([]byte, 3)))
	require.Error(t, err)
	a, err := NewEntropy(128, "", nil)
	require.NoError(t, err)
	b, err := NewEntropy(128, "", nil)
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
		{"too large", []byte{1}, []byte{1}, MaxKeySize + 8},
	} {
		_, err := ComputedKey(tc.cli, tc.srv, tc.bits)
		assert.True(t, errors.Is(err, ErrProofKey), tc.name)
	}
}

func TestEntropyModeString(t *testing.T) {
	assert.Equal(t, "CombinedEntropy", EntropyCombined.String())
	assert.Equal(t, "ServerEntropy", EntropyServer.String())
	assert.Equal(t, "ClientEntropy", EntropyClient.String())
	assert.Equal(t, "EntropyMode(5)", EntropyMode(5).String())
}
