package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// withRuntime opens the runtime for a command and closes it after fn.
func (a *app) withRuntime(ctx context.Context, cfg Config, fn func(ctx context.Context, rt *runtime) error) error {
	rt, err := a.openRuntime(ctx, cfg)
	if err != nil {
		return err
	}
	defer rt.close()
	return fn(ctx, rt)
}

func runSweep(ctx context.Context, a *app, args []string) error {
	var mode string
	cfg, rest, err := a.parseFlags("sweep", args, func(fs *flag.FlagSet) {
		fs.StringVar(&mode, "mode", "", "sweep one mode only: new, changes, approved or postback (default: all)")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	return a.withRuntime(ctx, cfg, func(ctx context.Context, rt *runtime) error {
		counts, err := rt.dispatcher.Sweep(ctx, mode)
		if len(counts) == 0 && err == nil {
			fmt.Fprintln(a.stdout, "nothing was due")
		}
		for _, outcome := range slices.Sorted(maps.Keys(counts)) {
			fmt.Fprintf(a.stdout, "%-10s %d\n", outcome, counts[outcome])
		}
		return err
	})
}

// requeueFlags are the flags of leadrelay requeue.
type requeueFlags struct {
	ids, status, reason, since, until, mode string
	integration                             int64
	failed                                  bool
}

func (f *requeueFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.ids, "ids", "", "lead ids, comma-separated")
	fs.StringVar(&f.status, "status", "", "leads in this status (id or name)")
	fs.StringVar(&f.reason, "reason", "", "leads with this cancel reason (code or name)")
	fs.BoolVar(&f.failed, "failed", false, "failed leads only")
	fs.Int64Var(&f.integration, "integration", 0, "leads of this integration")
	fs.StringVar(&f.since, "since", "", "leads created at or after this time (RFC 3339 or a date)")
	fs.StringVar(&f.until, "until", "", "leads created before this time (RFC 3339 or a date)")
	fs.StringVar(&f.mode, "mode", "", "the queue: new (default), changes, approved or postback")
}

// request turns the flags into a requeue; a requeue needs ids or a filter.
func (f *requeueFlags) request() (dispatcher.Requeue, error) {
	r := dispatcher.Requeue{Mode: f.mode}
	var err error
	if r.IDs, err = parseIDs(f.ids); err != nil {
		return r, err
	}
	fl := &r.Filter
	if f.status != "" {
		if fl.Status, err = lead.ParseStatus(f.status); err != nil {
			return r, fmt.Errorf("%w: --status: %v", errUsage, err)
		}
	}
	if f.reason != "" {
		if fl.Reason, err = lead.ParseReason(f.reason); err != nil {
			return r, fmt.Errorf("%w: --reason: %v", errUsage, err)
		}
	}
	if f.failed {
		fl.Failed = &f.failed
	}
	fl.Integration = f.integration
	if fl.Since, err = api.ParseTime(f.since); err != nil {
		return r, fmt.Errorf("%w: --since: %v", errUsage, err)
	}
	if fl.Until, err = api.ParseTime(f.until); err != nil {
		return r, fmt.Errorf("%w: --until: %v", errUsage, err)
	}
	if len(r.IDs) == 0 && fl.Status == 0 && fl.Reason == 0 && fl.Failed == nil && fl.Integration == 0 && fl.Since.IsZero() && fl.Until.IsZero() {
		return r, fmt.Errorf("%w: say which leads: --ids, or a filter (--status, --reason, --failed, --integration, --since, --until)", errUsage)
	}
	return r, nil
}

func parseIDs(s string) ([]int64, error) {
	var ids []int64
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%w: --ids: %q is not a lead id", errUsage, part)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func runRequeue(ctx context.Context, a *app, args []string) error {
	var f requeueFlags
	cfg, rest, err := a.parseFlags("requeue", args, f.bind)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	r, err := f.request()
	if err != nil {
		return err
	}
	return a.withRuntime(ctx, cfg, func(ctx context.Context, rt *runtime) error {
		n, err := rt.dispatcher.Requeue(ctx, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "requeued %d\n", n)
		return nil
	})
}
