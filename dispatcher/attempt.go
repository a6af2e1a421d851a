package dispatcher

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/integrations/wire"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// Outcomes of an attempt, as the log names them (SPEC §7).
const (
	OutcomeSuccess  = "SUCCESS"
	OutcomeRejected = "REJECTED"
	OutcomeError    = "ERROR"
	OutcomeHTTPFail = "HTTP_FAIL"
	OutcomeNoID     = "NO_ID"
	OutcomeSkipped  = "SKIPPED"
	OutcomeRedirect = "REDIRECT"
	OutcomeDeleted  = "DELETED"
)

// outcome is how an attempt ended: one of the Outcome constants.
type outcome string

// task is one delivery to attempt: a lead, the integration mode that sends
// it, and for deliveries other than new, the delivery row.
type task struct {
	mode     mode.Mode
	integ    *integrations.Compiled
	cm       *integrations.CompiledMode
	lead     *lead.Lead
	delivery *storage.Delivery
	// status is the status a postback tells of (0: the lead's own).
	status lead.Status
	// labels are the postback labels for {status}.
	labels   map[string]string
	campaign *catalog.Campaign
	// stub, when set, stands in for the target's answer (dry run).
	stub *StubResponse
	// files are the lead's files the request attaches.
	files map[string]lead.File
	// slots are the cap periods in which the send holds a slot.
	slots []storage.CapPeriod
}

// redactor hides the secrets of the task's integration; nil (a campaign's
// postback) hides credential headers alone.
func (t *task) redactor() *integrations.Redactor {
	if t.integ == nil {
		return nil
	}
	return t.integ.Redactor
}

// attempt is what happened when a task was tried.
type attempt struct {
	req       *wire.Request
	wire      wireRequest
	resp      *wire.Response
	truncated bool
	scriptLog []string
	ret       any
	verdict   Verdict
	edit      *scripting.LeadEdit
	// noReturn is set when the post script ran and returned nil.
	noReturn bool
	// stopped is set when the attempt ended before its return value could
	// be read: err is a script error or a transport failure, and outcome
	// says which.
	stopped bool
	err     error
	// outcome is how the attempt ended: set by stop, or by the rules that
	// read the return value.
	outcome    outcome
	duration   time.Duration
	retryAfter time.Duration
}

// stop ends the attempt before its return value is read.
func (a *attempt) stop(o outcome, err error) {
	a.stopped, a.outcome, a.err = true, o, err
}

// wireRequest is the request as sent, for the log and the dry run.
type wireRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// try runs one task: build the request from the templates, run pre, send
// (unless pre cancelled), run post, and classify the return value.
func (d *Dispatcher) try(ctx context.Context, t *task) *attempt {
	started := time.Now()
	a := &attempt{}
	defer func() { a.duration = time.Since(started) }()
	lc, err := d.catalog.forLead(ctx, t.lead.OfferID, t.lead.SiteID, t.lead.SpaceID, t.lead.GoalID, t.lead.WM, t.lead.Agent, t.lead.Campaign)
	if err != nil {
		a.stop(OutcomeError, err)
		return a
	}
	if t.campaign != nil {
		lc.campaign = t.campaign
	}
	data := d.macroData(t, lc)
	a.req = t.cm.Build(data)
	t.files = t.cm.Files(data)
	d.addIdempotencyKey(t, a.req)
	var env *scripting.Env
	if t.cm.Pre != nil || t.cm.Post != nil {
		env = d.scriptEnv(ctx, t, lc, data, a.req)
	}
	var result any
	if pre, ok := d.runScript(ctx, a, t.cm.Pre, env); !ok {
		return a
	} else if pre != nil {
		result = pre.Result
	}
	response := &wire.Response{}
	if !a.req.Cancelled {
		if !d.send(ctx, t, a) {
			return a
		}
		result, response = a.resp.Body, a.resp
	}
	switch {
	case t.cm.Post != nil:
		env.Result, env.Response = result, response
		post, ok := d.runScript(ctx, a, t.cm.Post, env)
		if !ok {
			return a
		}
		a.ret, a.noReturn = post.Return, post.Return == nil
	case a.req.Cancelled:
		a.ret = result
	default:
		a.ret = NoScriptReturn(t.mode, a.resp.Code, []byte(a.resp.Body))
	}
	a.verdict = Classify(t.mode, a.ret)
	return a
}

// runScript runs pre or post and keeps its log lines and lead edits; false
// means the attempt ended in a script error, whose message then closes the
// log lines. A missing script is (nil, true).
func (d *Dispatcher) runScript(ctx context.Context, a *attempt, s *scripting.Script, env *scripting.Env) (*scripting.Result, bool) {
	if s == nil {
		return nil, true
	}
	res, err := d.cfg.Engine.Run(ctx, s, env)
	if err != nil {
		// The lines logged before the failure tell how far the script got.
		if res != nil {
			a.scriptLog = append(a.scriptLog, res.Log...)
		}
		a.scriptLog = append(a.scriptLog, err.Error())
		a.stop(OutcomeError, err)
		return nil, false
	}
	a.scriptLog = append(a.scriptLog, res.Log...)
	a.edit = mergeEdits(a.edit, res.Edit)
	return res, true
}

// send puts the request on the wire, or takes the stubbed answer; false means
// a transport failure.
func (d *Dispatcher) send(ctx context.Context, t *task, a *attempt) bool {
	hreq, body, err := integrations.NewHTTPRequest(ctx, a.req, t.cm.Format, t.files)
	if err != nil {
		a.stop(OutcomeError, fmt.Errorf("building the request: %w", err))
		return false
	}
	a.wire = wireOf(a.req, hreq.Header, body)
	if t.stub != nil {
		a.resp = &wire.Response{Code: t.stub.Code, Headers: t.stub.Headers, Body: t.stub.Body}
		return true
	}
	resp, truncated, err := d.client.Do(ctx, hreq, t.cm.Timeout)
	if err != nil {
		a.stop(OutcomeHTTPFail, err)
		return false
	}
	a.resp, a.truncated = resp, truncated
	if wait, ok := integrations.RetryAfter(resp, d.cfg.Clock.Now()); ok {
		a.retryAfter = wait
	}
	return true
}

func wireOf(req *wire.Request, h map[string][]string, body []byte) wireRequest {
	w := wireRequest{Method: req.Method, URL: req.URL, Headers: map[string]string{}, Body: string(body)}
	for k, v := range h {
		if len(v) > 0 {
			w.Headers[k] = v[0]
		}
	}
	return w
}

// idempotencyHeader is sent unless an integration names another.
const idempotencyHeader = "Idempotency-Key"

// addIdempotencyKey gives the request a key that stays the same across the
// retries of one delivery, so targets that honour it can drop a duplicate.
func (d *Dispatcher) addIdempotencyKey(t *task, req *wire.Request) {
	name := idempotencyHeader
	if t.integ != nil && t.integ.Doc.IdempotencyHeader != "" {
		name = t.integ.Doc.IdempotencyHeader
	}
	for _, h := range req.Headers {
		if strings.EqualFold(h.Name, name) {
			return
		}
	}
	// The classic send after a sync send is the same delivery: one key.
	m := t.mode
	if m == mode.Sync {
		m = mode.New
	}
	key := "lr-" + strconv.FormatInt(t.lead.ID, 10) + "-" + string(m)
	if t.integ != nil {
		key += "-" + strconv.FormatInt(t.integ.Doc.ID, 10)
	}
	if t.delivery != nil {
		key += "-" + strconv.FormatInt(t.delivery.ID, 10) + "-" + strconv.FormatInt(t.delivery.Version, 10)
	}
	req.Headers = append(req.Headers, wire.Field{Name: name, Value: key})
}

func mergeEdits(into, from *scripting.LeadEdit) *scripting.LeadEdit {
	if from == nil {
		return into
	}
	if into == nil {
		return from
	}
	if from.Ext != nil {
		into.Ext = from.Ext
	}
	if from.Comment != nil {
		into.Comment = from.Comment
	}
	for k, v := range from.Meta {
		if into.Meta == nil {
			into.Meta = map[string]string{}
		}
		into.Meta[k] = v
	}
	return into
}

// macroData is what the templates and macro() read for a task.
func (d *Dispatcher) macroData(t *task, lc *leadCatalog) *macros.Data {
	data := &macros.Data{
		Lead: t.lead, Offer: lc.offer, Site: lc.site, Space: lc.space, Goal: lc.goal,
		WM: lc.wm, Agent: lc.agent, Campaign: lc.campaign,
		Labels: t.labels, Status: t.status, Now: d.cfg.Clock.Now(),
		Tokens: d.cfg.Tokens, IMailDomain: d.cfg.IMailDomain,
	}
	if t.integ != nil {
		data.Secrets = t.integ.Doc.Secrets
	}
	return data
}

// scriptEnv is what the scripts see (SPEC §5). It is built only for modes
// that have a script.
func (d *Dispatcher) scriptEnv(ctx context.Context, t *task, lc *leadCatalog, data *macros.Data, req *wire.Request) *scripting.Env {
	l := t.lead
	env := &scripting.Env{
		Mode: t.mode, Order: orderRow{l}, Meta: l.Meta, Items: scriptItems(l.Items), Vars: varsOf(l.Items),
		Request: req, LeadID: l.ID,
		Macro:         func(s string) string { return expandString(s, data) },
		ProductParams: func(offerID int64, name string) map[string]string { return d.productParams(ctx, offerID, name, lc) },
	}
	if t.integ != nil {
		env.Secrets = t.integ.Doc.Secrets
	}
	if lc.offer != nil {
		env.OfferParams = lc.offer.Params
		env.GeoParams = lc.offer.GeoParams[l.Country]
	}
	if lc.goal != nil {
		env.GoalParams = lc.goal.Params
	}
	if lc.site != nil {
		env.SiteParams = lc.site.Params
	}
	return env
}

// expandString expands macros in a string a script passes to macro().
func expandString(s string, data *macros.Data) string {
	t, err := macros.Parse(s)
	if err != nil {
		return s
	}
	return t.Expand(data, macros.InField)
}

// productParams answers cpa.get("vpar", offer, name): product id → value.
func (d *Dispatcher) productParams(ctx context.Context, offerID int64, name string, lc *leadCatalog) map[string]string {
	offer := lc.offer
	if offer == nil || offer.ID != offerID {
		o, err := cachedObject[catalog.Offer](ctx, d.catalog, "offer", offerID)
		if err != nil || o == nil {
			return map[string]string{}
		}
		offer = o
	}
	out := map[string]string{}
	for product, params := range offer.ProductParams {
		if v, ok := params[name]; ok {
			out[product] = v
		}
	}
	return out
}

func scriptItems(items lead.Items) []scripting.Item {
	out := make([]scripting.Item, 0, len(items))
	for id, it := range items {
		out = append(out, scripting.Item{ID: id, Qty: it.Qty, Price: it.Price, Cost: it.Cost})
	}
	sortItems(out)
	return out
}

// varsOf is the platform's $vars: product id → [qty, price, cost].
func varsOf(items lead.Items) map[string]any {
	out := make(map[string]any, len(items))
	for id, it := range items {
		out[strconv.FormatInt(id, 10)] = []any{it.Qty, it.Price, it.Cost}
	}
	return out
}
