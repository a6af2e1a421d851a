// Package democrm is the fake CRM of leadrelay demo: one HTTP handler that
// plays the target system of every example, each under a path named for its
// folder (/retrack/api/v2/leads, /salesrender-crm/companies/1234/CRM, …),
// which is where examples.PointAt sends an example's requests.
//
// It answers as the real systems do; the trackers (s2s-postback, and the
// campaign postback of salesrender-crm at /pb) always say yes. A lead picks
// its fate at the other targets with a word in its name or click id (any
// case):
//
//	dup    a duplicate
//	ban    a banned or blocked affiliate
//	msg    a message for the visitor (autologin)
//	flaky  a server error the first time a request is seen, then success
//	down   a server error on every request, until Recover
package democrm

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// CRM is the fake target of every example. It is safe for concurrent use.
type CRM struct {
	mu      sync.Mutex
	seen    map[string]bool
	next    int
	recover bool
}

// New returns a CRM whose "down" requests fail.
func New() *CRM { return &CRM{seen: map[string]bool{}} }

// Recover makes the "down" requests succeed from now on.
func (c *CRM) Recover() {
	c.mu.Lock()
	c.recover = true
	c.mu.Unlock()
}

// request is one request as the CRM reads it.
type request struct {
	folder, path string
	body, text   string // text: path, query and body, in lower case
}

// reply is an answer.
type reply struct {
	code int
	body string
}

// ServeHTTP answers a request as the example named by its first path
// segment's target would.
func (c *CRM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	folder, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	req := request{folder: folder, path: "/" + rest, body: string(body),
		text: strings.ToLower(r.URL.Path + "?" + r.URL.RawQuery + " " + string(body))}
	rep := c.answer(req)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.code)
	_, _ = io.WriteString(w, rep.body)
}

func (c *CRM) answer(req request) reply {
	if req.folder == "s2s-postback" || req.path == "/pb" {
		return reply{http.StatusOK, `{"status":"ok"}`} // a tracker
	}
	if rep, failed := c.fails(req); failed {
		return rep
	}
	switch req.folder {
	case "salesrender-crm":
		return c.salesRenderCRM(req)
	case "salesrender-cpa":
		return c.salesRenderCPA(req)
	case "retrack":
		return c.retrack(req)
	case "affiliatepro":
		return c.affiliatePro(req)
	case "autologin":
		return c.broker(req)
	}
	return reply{http.StatusNotFound, `{"error":"no such example"}`}
}

// fails answers the flaky and down requests that fail.
func (c *CRM) fails(req request) (reply, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case strings.Contains(req.text, "down") && !c.recover:
		return reply{http.StatusInternalServerError, `{"error":"internal error"}`}, true
	case strings.Contains(req.text, "flaky") && !c.seen[req.text]:
		c.seen[req.text] = true
		return reply{http.StatusBadGateway, "<html>502 Bad Gateway</html>"}, true
	}
	return reply{}, false
}

// id hands out the next number, from start.
func (c *CRM) id(start int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	return start + c.next
}

var orderID = regexp.MustCompile(`updateOrder\(input: \{ id: (\d+)`)

func (c *CRM) salesRenderCRM(req request) reply {
	if m := orderID.FindStringSubmatch(req.body); m != nil {
		return reply{http.StatusOK, `{"data":{"orderMutation":{"updateOrder":{"id":` + m[1] + `}}}}`}
	}
	if strings.Contains(req.text, "dup") {
		return reply{http.StatusOK, `{"errors":[{"message":"Duplicate order: this phone ordered in the last 48h"}],"data":null}`}
	}
	return reply{http.StatusOK, fmt.Sprintf(`{"data":{"orderMutation":{"addOrder":{"id":%d}}}}`, c.id(84920))}
}

func (c *CRM) salesRenderCPA(req request) reply {
	if strings.Contains(req.text, "dup") {
		return reply{http.StatusOK, `{"errors":[{"message":"Duplicate lead: externalId exists"}],"data":null}`}
	}
	return reply{http.StatusOK, fmt.Sprintf(`{"data":{"leadMutation":{"addLead":{"id":"%d"}}}}`, c.id(7730))}
}

func (c *CRM) retrack(req request) reply {
	if uuid, ok := strings.CutPrefix(req.path, "/api/v2/leads/"); ok {
		return reply{http.StatusOK, `{"data":{"uuid":"` + uuid + `","status":{"name":"updated"}}}`}
	}
	return reply{http.StatusOK, fmt.Sprintf(`{"data":{"uuid":"3afc4a82-93c3-423f-8ee8-%012d","status":{"name":"pending"}}}`, c.id(0))}
}

func (c *CRM) affiliatePro(req request) reply {
	if strings.HasSuffix(req.path, "/s2sConvert") {
		return reply{http.StatusOK, fmt.Sprintf(`{"status":"success","data":{"conversion_id":%d}}`, c.id(5530))}
	}
	if strings.Contains(req.text, "ban") {
		return reply{http.StatusForbidden, `{"status":"error","message":"Affiliate is blocked"}`}
	}
	return reply{http.StatusOK, fmt.Sprintf(`{"status":"success","data":{"click_id":"apc-%d"}}`, c.id(0))}
}

func (c *CRM) broker(req request) reply {
	switch {
	case strings.Contains(req.text, "dup"):
		return reply{http.StatusConflict, `{"status":"error","error":"duplicate"}`}
	case strings.Contains(req.text, "ban"):
		return reply{http.StatusOK, `{"status":"error","error":"ban"}`}
	case strings.Contains(req.text, "msg"):
		return reply{http.StatusOK, `{"status":"error","message":"This e-mail is already registered"}`}
	}
	n := c.id(1000)
	return reply{http.StatusOK, fmt.Sprintf(`{"status":"ok","id":"B-%d","url":"https://login.broker.example/auto?t=%d"}`, n, n)}
}
