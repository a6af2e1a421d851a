// Package localmariadb runs a MariaDB server of its own, for the tests and
// the load harness that must kill a database: a data directory made with
// mariadb-install-db, mariadbd on a free loopback port with its own socket,
// SIGKILLed and started again on cue. It never touches another server.
package localmariadb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the driver behind Server.Exec
)

// Server is one mariadbd on a data directory of its own.
type Server struct {
	dir  string
	port int
	bin  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Installed says whether mariadbd and mariadb-install-db can be found.
func Installed() bool {
	_, errInstall := exec.LookPath("mariadb-install-db")
	return errInstall == nil && mariadbd() != ""
}

func mariadbd() string {
	if p, err := exec.LookPath("mariadbd"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/mariadbd"); err == nil {
		return "/usr/sbin/mariadbd"
	}
	return ""
}

// Install makes a data directory under dir and starts a server on it, on a
// free loopback port.
func Install(ctx context.Context, dir string) (*Server, error) {
	if !Installed() {
		return nil, errors.New("mariadbd and mariadb-install-db are not installed (apt-get install mariadb-server)")
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, port: port, bin: mariadbd()}
	args := []string{"--no-defaults", "--datadir=" + s.dataDir(), "--auth-root-authentication-method=normal", "--skip-test-db"}
	args = append(args, asRoot()...)
	install := exec.CommandContext(ctx, "mariadb-install-db", args...)
	if out, err := install.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db in %s: %w\n%s", dir, err, out)
	}
	return s, s.Start(ctx)
}

// ForTest installs and starts a server in a temporary folder of t, and kills
// it when t ends. Without MariaDB installed the test is skipped, unless CI is
// set: there it fails.
func ForTest(t testing.TB) *Server {
	t.Helper()
	if !Installed() && os.Getenv("CI") == "" {
		t.Skip("mariadbd is not installed: this test starts a MariaDB of its own (apt-get install mariadb-server)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Install(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return s
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// DSN is the leadrelay DSN of a database on the server.
func (s *Server) DSN(database string) string { return "mysql://root@" + s.Addr() + "/" + database }

// Start starts mariadbd (again, after Kill) and returns once it answers.
func (s *Server) Start(ctx context.Context) error {
	log, err := os.OpenFile(filepath.Join(s.dir, "mariadbd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := []string{"--no-defaults", "--datadir=" + s.dataDir(), "--port=" + strconv.Itoa(s.port),
		"--bind-address=127.0.0.1", "--socket=" + filepath.Join(s.dir, "mariadbd.sock"),
		"--pid-file=" + filepath.Join(s.dir, "mariadbd.pid"), "--skip-name-resolve",
		"--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M",
		// A process kill loses nothing the OS has: the log reaches it at every commit.
		"--innodb-flush-log-at-trx-commit=2", "--max-connections=500"}
	s.cmd = exec.Command(s.bin, append(args, asRoot()...)...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		_ = log.Close()
		return fmt.Errorf("starting mariadbd: %w", err)
	}
	done := make(chan struct{})
	s.done = done
	go func(cmd *exec.Cmd) {
		_ = cmd.Wait()
		_ = log.Close()
		close(done)
	}(s.cmd)
	return s.wait(ctx, done)
}

// wait returns once the server answers a query.
func (s *Server) wait(ctx context.Context, done chan struct{}) error {
	db, err := sql.Open("mysql", "root@tcp("+s.Addr()+")/")
	if err != nil {
		return err
	}
	defer db.Close()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if err = db.PingContext(ctx); err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("mariadbd exited at start; the end of its log:\n%s", s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("mariadbd does not answer on %s: %w", s.Addr(), err)
		case <-tick.C:
		}
	}
}

// logTail is the end of the server's log.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "mariadbd.log"))
	return string(b[max(0, len(b)-2000):])
}

// Kill SIGKILLs the server and waits until it is gone.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Exec runs statements on the server, outside any database.
func (s *Server) Exec(ctx context.Context, stmts ...string) error {
	db, err := sql.Open("mysql", "root@tcp("+s.Addr()+")/")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// asRoot is the flag mariadbd needs to run as root.
func asRoot() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"}
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
