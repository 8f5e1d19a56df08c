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
	rst, _, err := parseRST(wtMessage(t, "01_corewcf_rst-sct-request.xml").Payload())
	require.NoError(t, err)
	rstr, _, err := parseRSTR(wtMessage(t, "02_corewcf_rstr-sct-response.xml").Payload())
	require.NoError(t, err)
	key, err := resolveProofKey(EntropyCombined, rst, rstr, keySizeBounds{Min: 256, Max: 256})
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
	cli := &binarySecretToken{Type: secretNonce, Value: bytes.Repeat([]byte{1}, 32)}
	srv := &binarySecretToken{Type: secretNonce, Value: bytes.Repeat([]byte{2}, 32)}
	ck := &proofToken{ComputedKey: V13.ComputedKeyPSHA1()}
	secret := &proofToken{Secret: &binarySecretToken{Value: bytes.Repeat([]byte{3}, 16)}}
	combined := func(bits int) []byte {
		k, err := ComputedKey(cli.Value, srv.Value, bits)
		require.NoError(t, err)
		return k
	}
	wide := keySizeBounds{Min: 128, Max: 256}
	for _, tc := range []struct {
		name  string
		mode  EntropyMode
		rst   *requestSecurityToken
		rstr  *requestSecurityTokenResponse
		sizes keySizeBounds
		want  []byte
	}{
		{"combined, size of the response", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 256},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 128}, wide, combined(128)},
		{"combined, size of the request (CXF omits KeySize)", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 192},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv}, wide, combined(192)},
		{"combined, default size", EntropyCombined, &requestSecurityToken{Entropy: cli},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv}, keySizeBounds{Default: 256}, combined(256)},
		{"combined, no size", EntropyCombined, &requestSecurityToken{Entropy: cli},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv}, wide, nil},
		{"combined, no ComputedKey", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 256},
			&requestSecurityTokenResponse{Entropy: srv, KeySize: 256}, wide, nil},
		{"combined, secret instead of ComputedKey", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 256},
			&requestSecurityTokenResponse{Proof: secret, Entropy: srv, KeySize: 256}, wide, nil},
		{"combined, no server entropy", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 256},
			&requestSecurityTokenResponse{Proof: ck, KeySize: 256}, wide, nil},
		{"combined, no client entropy", EntropyCombined, &requestSecurityToken{KeySize: 256},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 256}, wide, nil},
		{"combined, key too large", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 256},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 512}, wide, nil},
		{"combined, key too small", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 256},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 64}, wide, nil},
		{"combined, not whole bytes", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 256},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv, KeySize: 129}, keySizeBounds{Min: 128, Max: 256}, nil},
		{"combined, default bounds", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 1024},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv}, keySizeBounds{}, combined(1024)},
		{"server", EntropyServer, &requestSecurityToken{KeySize: 128},
			&requestSecurityTokenResponse{Proof: secret, KeySize: 128}, wide, bytes.Repeat([]byte{3}, 16)},
		{"server, KeySize mismatch", EntropyServer, &requestSecurityToken{},
			&requestSecurityTokenResponse{Proof: secret, KeySize: 256}, wide, nil},
		{"server, client sent entropy", EntropyServer, &requestSecurityToken{Entropy: cli},
			&requestSecurityTokenResponse{Proof: secret}, wide, nil},
		{"server, computed key", EntropyServer, &requestSecurityToken{},
			&requestSecurityTokenResponse{Proof: ck, Entropy: srv}, wide, nil},
		{"server, entropy in response", EntropyServer, &requestSecurityToken{},
			&requestSecurityTokenResponse{Proof: secret, Entropy: srv}, wide, nil},
		{"server, no proof", EntropyServer, &requestSecurityToken{},
			&requestSecurityTokenResponse{}, wide, nil},
		{"server, encrypted proof", EntropyServer, &requestSecurityToken{},
			&requestSecurityTokenResponse{Proof: &proofToken{EncryptedKey: wNewElement("e", "urn:x", "EncryptedKey")}}, wide, nil},
		{"server, key too small", EntropyServer, &requestSecurityToken{},
			&requestSecurityTokenResponse{Proof: secret}, keySizeBounds{Min: 256, Max: 256}, nil},
		{"client", EntropyClient, &requestSecurityToken{Entropy: cli},
			&requestSecurityTokenResponse{KeySize: 256}, wide, cli.Value},
		{"client, proof in response", EntropyClient, &requestSecurityToken{Entropy: cli},
			&requestSecurityTokenResponse{Proof: ck}, wide, nil},
		{"client, entropy in response", EntropyClient, &requestSecurityToken{Entropy: cli},
			&requestSecurityTokenResponse{Entropy: srv}, wide, nil},
		{"client, no entropy", EntropyClient, &requestSecurityToken{},
			&requestSecurityTokenResponse{}, wide, nil},
		{"unknown mode", EntropyMode(9), &requestSecurityToken{Entropy: cli},
			&requestSecurityTokenResponse{}, wide, nil},
		{"no request", EntropyCombined, nil, &requestSecurityTokenResponse{}, wide, nil},
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
				rst := &requestSecurityToken{TokenType: v.TokenType(), Operation: OpIssue, KeySize: 128}
				if mode != EntropyServer {
					e, err := newEntropy(128, "uuid-c-1", nil)
					require.NoError(t, err)
					rst.Entropy = e
				}
				rstIn, _, err := parseRST(rst.Build(v))
				require.NoError(t, err)

				issued, err := issueKey(mode, rstIn, sizes, nil)
				require.NoError(t, err)
				assert.Len(t, issued.Key, 16)
				if issued.Entropy != nil {
					issued.Entropy.ID = "uuid-s-2"
				}
				rstr := &requestSecurityTokenResponse{TokenType: v.TokenType(),
					SCT: &SecurityContextToken{ID: "uuid-t-1", Identifier: "urn:uuid:1"}}
				issued.Apply(v, rstr)
				got, _, err := parseRSTR(rstr.BuildBody(v))
				require.NoError(t, err)
				assert.Equal(t, 128, got.KeySize)
				switch mode {
				case EntropyCombined:
					assert.Equal(t, v.ComputedKeyPSHA1(), got.Proof.ComputedKey)
					assert.Equal(t, "uuid-s-2", got.Entropy.ID)
					assert.Equal(t, secretNonce, got.Entropy.Type)
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
	cli := &binarySecretToken{Type: secretNonce, Value: make([]byte, 32)}
	sizes := keySizeBounds{Min: 128, Max: 256, Default: 256}
	for _, tc := range []struct {
		name string
		mode EntropyMode
		rst  *requestSecurityToken
		bits int
	}{
		{"combined default size", EntropyCombined, &requestSecurityToken{Entropy: cli}, 256},
		{"client size from entropy", EntropyClient, &requestSecurityToken{Entropy: cli}, 256},
		{"client size from entropy, not the default", EntropyClient, &requestSecurityToken{Entropy: &binarySecretToken{Value: make([]byte, 16)}}, 128},
		{"server", EntropyServer, &requestSecurityToken{KeySize: 192}, 192},
		{"combined without entropy", EntropyCombined, &requestSecurityToken{}, 0},
		{"client without entropy", EntropyClient, &requestSecurityToken{}, 0},
		{"client entropy of the wrong size", EntropyClient, &requestSecurityToken{Entropy: cli, KeySize: 128}, 0},
		{"server with entropy", EntropyServer, &requestSecurityToken{Entropy: cli}, 0},
		{"size too large", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 512}, 0},
		{"size not whole bytes", EntropyCombined, &requestSecurityToken{Entropy: cli, KeySize: 130}, 0},
		{"unknown mode", EntropyMode(7), &requestSecurityToken{Entropy: cli}, 0},
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
	_, err := issueKey(EntropyServer, &requestSecurityToken{KeySize: 128}, sizes, bytes.NewReader(nil))
	require.Error(t, err, "short random source")
}

func TestNewEntropy(t *testing.T) {
	e, err := newEntropy(256, "uuid-x-1", bytes.NewReader(bytes.Repeat([]byte{5}, 64)))
	require.NoError(t, err)
	assert.Equal(t, &binarySecretToken{ID: "uuid-x-1", Type: secretNonce, Value: bytes.Repeat([]byte{5}, 32)}, e)
	for _, bits := range []int{0, -8, 7, 8 * (MaxSecretSize + 1)} {
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
