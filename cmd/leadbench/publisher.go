package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// publisherTimeout bounds one post: its write and its answer.
const publisherTimeout = 10 * time.Second

// publisher is one landing page posting leads over one keep-alive HTTP/1.1
// connection, each request written whole in one write and its answer read
// on the same goroutine. The harness shares the server's cores, so its
// publishers cost what a remote landing page would not: net/http's client
// spent about 55 µs a request here, most of it in the hand-offs between a
// caller and its connection's read and write goroutines.
type publisher struct {
	host string // host:port
	form bool   // post forms, else JSON
	conn net.Conn
	r    *bufio.Reader
	req  []byte
}

// newPublisher posts to base ("http://host:port", as fleet.ready and
// startBare give it): forms when form is set, else JSON.
func newPublisher(base string, form bool) *publisher {
	return &publisher{host: strings.TrimPrefix(base, "http://"), form: form}
}

// post sends lead i and reads the answer's status. A connection that fails
// is closed, and the next post dials a new one.
func (p *publisher) post(i int64) (int, error) {
	code, err := p.roundTrip(i)
	if err != nil {
		p.close()
	}
	return code, err
}

func (p *publisher) roundTrip(i int64) (int, error) {
	if p.conn == nil {
		conn, err := net.DialTimeout("tcp", p.host, publisherTimeout)
		if err != nil {
			return 0, err
		}
		p.conn, p.r = conn, bufio.NewReader(conn)
	}
	if err := p.conn.SetDeadline(time.Now().Add(publisherTimeout)); err != nil {
		return 0, err
	}
	p.req = p.request(p.req[:0], i)
	if _, err := p.conn.Write(p.req); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(p.r, nil)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err == nil && resp.Close {
		p.close()
	}
	return resp.StatusCode, err
}

func (p *publisher) close() {
	if p.conn != nil {
		_ = p.conn.Close()
		p.conn, p.r = nil, nil
	}
}

// request appends lead i's POST to dst.
func (p *publisher) request(dst []byte, i int64) []byte {
	body, contentType := leadBody(i, p.form)
	dst = append(dst, "POST /api/v1/leads HTTP/1.1\r\nHost: "...)
	dst = append(dst, p.host...)
	dst = append(dst, "\r\nUser-Agent: leadbench\r\nContent-Type: "...)
	dst = append(dst, contentType...)
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

// leadFields are a landing page's lead: name and value, the value's %d
// replaced by the lead's number.
var leadFields = [][2]string{
	{"alias", intakeCampaign}, {"name", "Load Test %d"}, {"phone", "4477009%05d"},
	{"email", "load%d@example.com"}, {"country", "gb"}, {"click_id", "clk%d"},
	{"sub1", "adset_29384"}, {"utm_source", "facebook"}, {"landing_variant", "b"},
}

// leadBody is lead i as a urlencoded form or as a JSON object, and its
// Content-Type.
func leadBody(i int64, form bool) (string, string) {
	var b strings.Builder
	if !form {
		b.WriteByte('{')
	}
	for k, f := range leadFields {
		v := f[1]
		if strings.Contains(v, "%05d") {
			v = fmt.Sprintf(v, i%100000)
		} else if strings.Contains(v, "%d") {
			v = fmt.Sprintf(v, i)
		}
		switch {
		case form && k > 0:
			b.WriteByte('&')
		case !form && k > 0:
			b.WriteByte(',')
		}
		if form {
			b.WriteString(url.QueryEscape(f[0]) + "=" + url.QueryEscape(v))
		} else {
			b.WriteString(strconv.Quote(f[0]) + ":" + strconv.Quote(v))
		}
	}
	if form {
		return b.String(), "application/x-www-form-urlencoded"
	}
	b.WriteByte('}')
	return b.String(), "application/json"
}
