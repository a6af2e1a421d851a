package macros

import (
	"bytes"
	"crypto/aes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
)

func TestTokensRoundTrip(t *testing.T) {
	t.Parallel()
	tok := NewTokens([]byte("secret"))
	seen := map[string]bool{}
	for _, id := range []int64{1, 2, 3, 84921, 0, -1, math.MaxInt64, math.MinInt64} {
		s := tok.Encode(id)
		if len(s) != 22 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			t.Errorf("Encode(%d) = %q: want 22 URL-safe characters", id, s)
		}
		if seen[s] {
			t.Errorf("Encode(%d) = %q repeats another id's token", id, s)
		}
		seen[s] = true
		got, err := tok.Decode(s)
		if err != nil || got != id {
			t.Errorf("Decode(Encode(%d)) = %d, %v", id, got, err)
		}
		if again := tok.Encode(id); again != s {
			t.Errorf("Encode(%d) not stable: %q then %q", id, s, again)
		}
	}
	if a, b := tok.Encode(1), tok.Encode(2); a[:4] == b[:4] {
		t.Errorf("neighbouring ids have similar tokens: %q, %q", a, b)
	}
}

func TestTokensRefuseForgery(t *testing.T) {
	t.Parallel()
	tok := NewTokens([]byte("secret"))
	good := tok.Encode(84921)
	flipped := []byte(good)
	flipped[5] ^= 1
	if flipped[5] == '`' || flipped[5] == '.' {
		flipped[5] = 'A'
	}
	for _, bad := range []string{
		"", "abc", good[:21], good + "A", strings.Repeat("!", 22), strings.Repeat("A", 22),
		string(flipped), NewTokens([]byte("other secret")).Encode(84921), "84921",
	} {
		if id, err := tok.Decode(bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("Decode(%q) = %d, %v; want ErrBadToken", bad, id, err)
		}
	}
}

// TestTokensHaveOneSpelling: the last character of a token carries 4 spare
// bits; a token with any of them set is refused, though it decodes to the
// same block.
func TestTokensHaveOneSpelling(t *testing.T) {
	t.Parallel()
	tok := NewTokens([]byte("secret"))
	for _, id := range []int64{1, 84921, math.MaxInt64} {
		good := tok.Encode(id)
		for _, other := range otherSpellings(good) {
			if got, err := tok.Decode(other); !errors.Is(err, ErrBadToken) {
				t.Errorf("Decode(%q), a spelling of %q, = %d, %v; want ErrBadToken", other, good, got, err)
			}
		}
		if got, err := tok.Decode(good); err != nil || got != id {
			t.Errorf("Decode(%q) = %d, %v", good, got, err)
		}
	}
}

// otherSpellings are token with its last character's spare bits set
// otherwise: the same block in base64 that is not canonical.
func otherSpellings(token string) []string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	var out []string
	for spare := range 16 {
		if v := last&^15 | spare; v != last {
			out = append(out, token[:len(token)-1]+alphabet[v:v+1])
		}
	}
	return out
}

// TestTokensTagEachIDAlone encodes from many goroutines at once, reusing
// the kept HMACs, and checks each token's tag against an HMAC of its id
// alone.
func TestTokensTagEachIDAlone(t *testing.T) {
	t.Parallel()
	tok := NewTokens([]byte("secret"))
	var wg sync.WaitGroup
	for g := range int64(8) {
		wg.Go(func() {
			for id := g * 1000; id < g*1000+200; id++ {
				var block [aes.BlockSize]byte
				raw, err := tokenEncoding.DecodeString(tok.Encode(id))
				if err != nil {
					t.Errorf("Encode(%d): %v", id, err)
					return
				}
				tok.block.Decrypt(block[:], raw)
				mac := hmac.New(sha256.New, tok.tagKey)
				mac.Write(block[:8])
				if want := mac.Sum(nil)[:8]; !bytes.Equal(block[8:], want) {
					t.Errorf("Encode(%d): tag %x, want %x", id, block[8:], want)
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkTokensEncode(b *testing.B) {
	tok := NewTokens([]byte("secret"))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = tok.Encode(int64(i))
	}
}
