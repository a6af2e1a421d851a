package macros

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
)

// ErrBadToken is returned by Tokens.Decode for a token leadrelay did not make.
var ErrBadToken = errors.New("bad lead token")

// Tokens turns lead ids into opaque tokens and back: {eid}, and the lead token
// of the API. A token is 22 URL-safe characters: the id and a 64-bit HMAC tag
// of it, encrypted together as one AES block, so a token reveals nothing of
// the id and cannot be made without the secret. Tokens also derives the
// generated {ipass} and {imail} from the same secret.
//
// A Tokens is safe for concurrent use.
type Tokens struct {
	block  cipher.Block
	tagKey []byte
	genKey []byte
	// tags are HMACs keyed with tagKey, kept for the next token: a new
	// one hashes the key twice before the id.
	tags sync.Pool
}

// tokenLen is the length of an encoded token: one AES block in unpadded base64.
var tokenLen = base64.RawURLEncoding.EncodedLen(aes.BlockSize)

// tokenEncoding reads a token in its one spelling: the last character's
// spare bits must be zero, as Encode writes them, so a token has no other
// spellings that decode to the same block.
var tokenEncoding = base64.RawURLEncoding.Strict()

// NewTokens returns Tokens keyed by secret (LEADRELAY_SECRET). Keys for the
// cipher, the tag and generated values are derived from it separately.
func NewTokens(secret []byte) *Tokens {
	block, err := aes.NewCipher(deriveKey(secret, "leadrelay token cipher"))
	if err != nil {
		// A 32-byte key is always a valid AES key.
		panic(err)
	}
	return &Tokens{
		block:  block,
		tagKey: deriveKey(secret, "leadrelay token tag"),
		genKey: deriveKey(secret, "leadrelay generated values"),
	}
}

func deriveKey(secret []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// Encode returns the token of a lead id.
func (t *Tokens) Encode(id int64) string {
	var block [aes.BlockSize]byte
	binary.BigEndian.PutUint64(block[:8], uint64(id))
	t.tag(block[8:], block[:8])
	t.block.Encrypt(block[:], block[:])
	return base64.RawURLEncoding.EncodeToString(block[:])
}

// Decode returns the lead id of a token, or ErrBadToken when the token is
// malformed, spelled otherwise than Encode spells it, or was not made with
// this secret.
func (t *Tokens) Decode(token string) (int64, error) {
	if len(token) != tokenLen {
		return 0, ErrBadToken
	}
	var block [aes.BlockSize]byte
	if n, err := tokenEncoding.Decode(block[:], []byte(token)); err != nil || n != aes.BlockSize {
		return 0, ErrBadToken
	}
	t.block.Decrypt(block[:], block[:])
	var want [8]byte
	t.tag(want[:], block[:8])
	if subtle.ConstantTimeCompare(want[:], block[8:]) != 1 {
		return 0, ErrBadToken
	}
	return int64(binary.BigEndian.Uint64(block[:8])), nil
}

// tag writes the first len(dst) bytes of the HMAC of the encoded id.
func (t *Tokens) tag(dst, id []byte) {
	mac, ok := t.tags.Get().(hash.Hash)
	if !ok {
		mac = hmac.New(sha256.New, t.tagKey)
	}
	mac.Write(id)
	var sum [sha256.Size]byte
	copy(dst, mac.Sum(sum[:0]))
	mac.Reset()
	t.tags.Put(mac)
}

// generate derives a string from the lead id and purpose, one character from
// each alphabet in turn: the same for the same lead, secret and purpose, and
// unguessable without the secret. At most 32 alphabets.
func (t *Tokens) generate(purpose string, id int64, alphabets ...string) string {
	mac := hmac.New(sha256.New, t.genKey)
	mac.Write([]byte(purpose))
	var idb [8]byte
	binary.BigEndian.PutUint64(idb[:], uint64(id))
	mac.Write(idb[:])
	sum := mac.Sum(nil)
	out := make([]byte, len(alphabets))
	for i, alphabet := range alphabets {
		out[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(out)
}
