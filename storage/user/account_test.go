package user_test

import (
	"testing"

	"github.com/leadrelay/leadrelay/storage/user"
)

func TestCheckName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"ann", true}, {"", false}, {"ann smith", false}, {"ann\t", false},
		{string(make([]byte, 64)), true}, {string(make([]byte, 65)), false},
	} {
		if err := user.CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// TestPasswordHash: a given password is hashed as it is; none given is made
// up, returned once and hashed.
func TestPasswordHash(t *testing.T) {
	t.Parallel()
	hash, madeUp, err := user.PasswordHash("correct horse")
	if err != nil || madeUp != "" || !user.CheckPassword(hash, "correct horse") {
		t.Errorf("a given password: %q, %q, %v", hash, madeUp, err)
	}
	hash, madeUp, err = user.PasswordHash("")
	if err != nil || len(madeUp) != 24 || !user.CheckPassword(hash, madeUp) {
		t.Errorf("a made-up password: %q, %q, %v", hash, madeUp, err)
	}
	if _, _, err := user.PasswordHash("short"); err == nil {
		t.Error("a short password was taken")
	}
}
