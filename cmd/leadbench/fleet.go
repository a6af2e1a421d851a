package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Settings every serve process of a run gets: a sweep every second, short
// script limits and lease margin so a killed process's claims expire in
// seconds, and one secret so that lead tokens agree.
const (
	schedule = "@every 1s"
	// intakeSchedule keeps the sweeps out of the intake scenario's way.
	intakeSchedule = "@every 1h"
	scriptTimeout  = "1s"
	leaseMargin    = "2s"
)

// fleet is the run's leadrelay serve processes.
type fleet struct {
	bin   string
	dir   string // logs and the built binary
	env   []string
	procs []*proc
	// peakKB is the highest VmHWM of a process that is gone (killed).
	peakKB int
	// cpu is the CPU time, user and system, of the processes that ended.
	cpu time.Duration
}

// proc is one serve process.
type proc struct {
	cmd       *exec.Cmd
	addr      string
	pprofAddr string
	log       string
	// done is closed when the process has ended.
	done chan struct{}
}

// newFleet readies K processes' settings; bin "" builds ./cmd/leadrelay.
func newFleet(ctx context.Context, c Config) (*fleet, error) {
	dir, err := os.MkdirTemp("", "leadbench-")
	if err != nil {
		return nil, err
	}
	sched := schedule
	if c.Intake > 0 {
		sched = intakeSchedule
	}
	f := &fleet{bin: c.Bin, dir: dir, env: append(os.Environ(),
		"LEADRELAY_DSN="+c.DSN, "LEADRELAY_SCHEDULE="+sched, "LEADRELAY_WORKERS="+strconv.Itoa(c.Concurrency),
		"LEADRELAY_SCRIPT_TIMEOUT="+scriptTimeout, "LEADRELAY_LEASE_MARGIN="+leaseMargin,
		"LEADRELAY_SECRET=leadbench", "LEADRELAY_ADMIN_TOKEN=")}
	if f.bin == "" {
		f.bin = filepath.Join(dir, "leadrelay")
		build := exec.CommandContext(ctx, "go", "build", "-o", f.bin, "./cmd/leadrelay")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("building leadrelay (run leadbench from the repository's root): %w", err)
		}
	}
	f.procs = make([]*proc, c.Procs)
	return f, nil
}

// start starts process i (again, after a kill) on free ports.
func (f *fleet) start(i int) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	pprofAddr, err := freeAddr()
	if err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(f.dir, fmt.Sprintf("serve-%d.log", i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(f.bin, "serve")
	cmd.Env = append(f.env, "LEADRELAY_ADDR="+addr, "LEADRELAY_PPROF_ADDR="+pprofAddr)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return fmt.Errorf("starting leadrelay serve: %w", err)
	}
	p := &proc{cmd: cmd, addr: addr, pprofAddr: pprofAddr, log: log.Name(), done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = log.Close()
		close(p.done)
	}()
	f.procs[i] = p
	return nil
}

// startAll starts every process.
func (f *fleet) startAll() error {
	for i := range f.procs {
		if err := f.start(i); err != nil {
			return err
		}
	}
	return nil
}

// kill SIGKILLs process i, keeping its peak RSS; start(i) replaces it.
func (f *fleet) kill(i int) {
	p := f.procs[i]
	f.peakKB = max(f.peakKB, vmHWM(p.cmd.Process.Pid))
	_ = p.cmd.Process.Kill()
	<-p.done
	f.cpu += p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
	f.procs[i] = nil
}

// term SIGTERMs process i and waits for it to exit; an error says it did
// not exit cleanly. start(i) replaces it.
func (f *fleet) term(i int) error {
	p := f.procs[i]
	f.peakKB = max(f.peakKB, vmHWM(p.cmd.Process.Pid))
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	<-p.done
	f.cpu += p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
	f.procs[i] = nil
	if !p.cmd.ProcessState.Success() {
		return fmt.Errorf("leadrelay serve %d ended with %v after SIGTERM; its log: %s", i, p.cmd.ProcessState, p.log)
	}
	return nil
}

// stop ends every process with SIGTERM, as an operator would, and returns
// the highest peak RSS in MB of all the run's processes; an error names a
// process that did not exit cleanly.
func (f *fleet) stop() (float64, error) {
	for _, p := range f.procs {
		if p != nil {
			f.peakKB = max(f.peakKB, vmHWM(p.cmd.Process.Pid))
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	var errs []error
	for i, p := range f.procs {
		if p == nil {
			continue
		}
		<-p.done
		f.cpu += p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
		if !p.cmd.ProcessState.Success() {
			errs = append(errs, fmt.Errorf("leadrelay serve %d ended with %v; its log: %s", i, p.cmd.ProcessState, p.log))
		}
	}
	return float64(f.peakKB) / 1024, errors.Join(errs...)
}

// ready waits until every process answers /healthz, and returns their
// base URLs.
func (f *fleet) ready() ([]string, error) {
	urls := make([]string, len(f.procs))
	for i, p := range f.procs {
		urls[i] = "http://" + p.addr
		if err := waitFor(urls[i] + "/healthz"); err != nil {
			return nil, fmt.Errorf("leadrelay serve %d (its log: %s): %w", i, p.log, err)
		}
	}
	return urls, nil
}

// waitFor polls url until it answers 200, for at most 30 s.
func waitFor(url string) error {
	var err error
	for range 300 {
		var resp *http.Response
		if resp, err = http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s answers %s", url, resp.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// exited names a process that ended by itself, with its log; "" when all run.
func (f *fleet) exited() string {
	for i, p := range f.procs {
		if p == nil {
			continue
		}
		select {
		case <-p.done:
			return fmt.Sprintf("leadrelay serve %d exited (%v); its log: %s", i, p.cmd.ProcessState, p.log)
		default:
		}
	}
	return ""
}

// profile saves process 0's CPU profile over d and then its heap profile,
// once the process answers.
func (f *fleet) profile(dir string, d time.Duration) error {
	base := "http://" + f.procs[0].pprofAddr + "/debug/pprof/"
	for try := 0; ; try++ {
		resp, err := http.Get(base)
		if err == nil {
			resp.Body.Close()
			break
		}
		if try == 50 {
			return fmt.Errorf("process 0 does not serve pprof: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	secs := strconv.Itoa(max(1, int(d.Seconds())))
	if err := fetch(base+"profile?seconds="+secs, filepath.Join(dir, "cpu.pprof")); err != nil {
		return err
	}
	return fetch(base+"heap", filepath.Join(dir, "heap.pprof"))
}

func fetch(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return fmt.Errorf("fetching %s: %w", url, err)
	}
	defer resp.Body.Close()
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	_, err = io.Copy(out, resp.Body)
	return err
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// vmHWM is a process's peak resident set in kB (/proc/PID/status), 0 when
// it cannot be read.
func vmHWM(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	return 0
}
