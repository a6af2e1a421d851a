package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/storage/lead"
)

const (
	leadsDetail = `leadrelay leads [--status S] [--failed] [--uncertain] [--integration I] [--limit N] [--json]

Lists leads, newest first, as a table: id, time, status, reason,
integration, attempts and last message. The filters are those of
GET /api/v1/admin/leads; --json prints that endpoint's answer.`
	logDetail = `leadrelay log [--lead N] [--integration I] [--outcome O] [--limit N] [--json]

Lists the log, newest first, as a table: id, time, lead, integration, mode,
attempt, outcome and message. The filters are those of
GET /api/v1/admin/log; --json prints that endpoint's answer.`
)

// supportFlags are the filters of leadrelay leads and leadrelay log, each
// passed on as the admin API's query key it names.
type supportFlags struct {
	query     map[string]*string
	failed    bool
	uncertain bool
	json      bool
}

func (f *supportFlags) bind(fs *flag.FlagSet, filters [][3]string) {
	f.query = map[string]*string{}
	for _, flt := range filters {
		f.query[flt[1]] = fs.String(flt[0], "", flt[2])
	}
	fs.BoolVar(&f.json, "json", false, "print the API's JSON answer")
}

func (f *supportFlags) values() url.Values {
	q := url.Values{}
	for key, v := range f.query {
		if *v != "" {
			q.Set(key, *v)
		}
	}
	if f.failed {
		q.Set("failed", "true")
	}
	if f.uncertain {
		q.Set("uncertain", "true")
	}
	return q
}

func runLeads(ctx context.Context, a *app, args []string) error {
	var f supportFlags
	return a.support(ctx, "leads", args, &f, func(fs *flag.FlagSet) {
		f.bind(fs, [][3]string{{"status", "status", "leads in this status (id or name)"},
			{"integration", "integration", "leads of this integration (id)"}, {"limit", "limit", "at most this many (default 100)"}})
		fs.BoolVar(&f.failed, "failed", false, "failed leads only")
		fs.BoolVar(&f.uncertain, "uncertain", false, "leads whose send may have reached the target unanswered only")
	}, "/leads", printLeads)
}

func runLog(ctx context.Context, a *app, args []string) error {
	var f supportFlags
	return a.support(ctx, "log", args, &f, func(fs *flag.FlagSet) {
		f.bind(fs, [][3]string{{"lead", "lead_id", "rows of this lead"}, {"integration", "integration", "rows of this integration (id)"},
			{"outcome", "outcome", "rows with this outcome (SUCCESS, ERROR, …)"}, {"limit", "limit", "at most this many (default 100)"}})
	}, "/log", printLog)
}

// support runs a support word: its filters go to the admin API's list
// endpoint, whose answer is printed as JSON or as a table.
func (a *app) support(ctx context.Context, word string, args []string, f *supportFlags, bind func(*flag.FlagSet),
	path string, table func(io.Writer, []byte, map[int64]string) error) error {
	cfg, rest, err := a.parseFlags(word, args, bind)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	return a.withRuntime(ctx, cfg, func(ctx context.Context, rt *runtime) error {
		srv, err := api.New(api.Options{Store: rt.store, Dispatcher: rt.dispatcher, AdminToken: randomSecret(), Logger: a.logger})
		if err != nil {
			return err
		}
		body, err := srv.Query(ctx, path, f.values())
		if err != nil {
			return err
		}
		if f.json {
			_, err = a.stdout.Write(append(body, '\n'))
			return err
		}
		names, err := integrationNames(ctx, srv)
		if err != nil {
			return err
		}
		return table(a.stdout, body, names)
	})
}

// integrationNames maps integration ids to names, for the tables.
func integrationNames(ctx context.Context, srv *api.Server) (map[int64]string, error) {
	body, err := srv.Query(ctx, "/integrations", nil)
	if err != nil {
		return nil, err
	}
	var list struct {
		Integrations []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"integrations"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, i := range list.Integrations {
		names[i.ID] = i.Name
	}
	return names, nil
}

func printLeads(w io.Writer, body []byte, names map[int64]string) error {
	var list struct {
		Leads []struct {
			ID          int64     `json:"id"`
			CreatedAt   time.Time `json:"created_at"`
			Status      string    `json:"status"`
			Reason      int       `json:"reason"`
			Integration int64     `json:"integration"`
			Attempts    int       `json:"attempts"`
			Failed      bool      `json:"failed"`
			Uncertain   bool      `json:"uncertain"`
			LastMessage string    `json:"last_message"`
		} `json:"leads"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return err
	}
	if len(list.Leads) == 0 {
		_, err := fmt.Fprintln(w, "no leads")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\ttime\tstatus\treason\tintegration\tattempts\tlast message")
	for _, l := range list.Leads {
		status := l.Status
		if l.Failed {
			status += " (failed)"
		}
		if l.Uncertain {
			status += " (uncertain)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", l.ID, l.CreatedAt.UTC().Format(time.DateTime), status,
			orDash(lead.Reason(l.Reason).String()), integrationName(names, l.Integration), l.Attempts, orDash(oneLine(l.LastMessage)))
	}
	return tw.Flush()
}

func printLog(w io.Writer, body []byte, names map[int64]string) error {
	var list struct {
		Log []struct {
			ID          int64     `json:"id"`
			Time        time.Time `json:"time"`
			LeadID      int64     `json:"lead_id"`
			Integration int64     `json:"integration"`
			Mode        string    `json:"mode"`
			Attempt     int       `json:"attempt"`
			Outcome     string    `json:"outcome"`
			Message     string    `json:"message"`
		} `json:"log"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return err
	}
	if len(list.Log) == 0 {
		_, err := fmt.Fprintln(w, "no rows")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\ttime\tlead\tintegration\tmode\tattempt\toutcome\tmessage")
	for _, r := range list.Log {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Time.UTC().Format(time.DateTime), orDash(idText(r.LeadID)),
			integrationName(names, r.Integration), r.Mode, orDash(idText(int64(r.Attempt))), r.Outcome, orDash(oneLine(r.Message)))
	}
	return tw.Flush()
}

// integrationName is an integration's name and id, "-" for none.
func integrationName(names map[int64]string, id int64) string {
	switch name, ok := names[id]; {
	case id == 0:
		return "-"
	case ok:
		return name + " (" + strconv.FormatInt(id, 10) + ")"
	}
	return strconv.FormatInt(id, 10)
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a message on its table row.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
