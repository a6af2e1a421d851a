package storagetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// MakeImmutable makes the SQLite files of the database at path immutable
// (chattr +i: not even root may write them) and returns the function that
// makes them writable again, which also runs when the test ends. It skips
// the test where chattr cannot run: not root, or no chattr installed.
func MakeImmutable(t testing.TB, path string) (writable func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("chattr +i needs root")
	}
	if _, err := exec.LookPath("chattr"); err != nil {
		t.Skip("chattr is not installed")
	}
	files, _ := filepath.Glob(path + "*")
	chattr := func(flag string) {
		for _, f := range files {
			if out, err := exec.Command("chattr", flag, f).CombinedOutput(); err != nil {
				t.Skipf("chattr %s %s: %v %s", flag, f, err, out)
			}
		}
	}
	chattr("+i")
	var once sync.Once
	writable = func() { once.Do(func() { chattr("-i") }) }
	t.Cleanup(writable)
	return writable
}
