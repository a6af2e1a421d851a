// Package publisher posts to leadrelay as a landing page does: one request,
// its answer, the next, over one keep-alive HTTP/1.1 connection. The load
// harness (cmd/leadbench) and the intake benchmarks post through it.
//
// They run on the server's cores, so what a client spends is taken from
// the server being measured. net/http's client cost about 57 µs of CPU a
// request there, most of it in the hand-offs between the caller and its
// connection's read and write goroutines. A Conn writes each request whole
// in one write and reads the answer on the caller's goroutine: 24 µs.
package publisher

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Timeout bounds one post: its write and its answer.
const Timeout = 10 * time.Second

// Conn is one client's connection to a server. A Conn is for one goroutine.
type Conn struct {
	host string // host:port
	conn net.Conn
	r    *bufio.Reader
	req  []byte
}

// New returns a Conn to base, "http://host:port". It dials on the first
// post.
func New(base string) *Conn {
	return &Conn{host: strings.TrimPrefix(base, "http://")}
}

// Post sends body to path (say "/api/v1/leads") and returns the answer's
// status; the answer's body is read and dropped. A connection that fails
// is closed, and the next post dials a new one.
func (c *Conn) Post(path, contentType string, body []byte) (int, error) {
	code, err := c.roundTrip(path, contentType, body)
	if err != nil {
		c.Close()
	}
	return code, err
}

func (c *Conn) roundTrip(path, contentType string, body []byte) (int, error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.host, Timeout)
		if err != nil {
			return 0, err
		}
		c.conn, c.r = conn, bufio.NewReader(conn)
	}
	if err := c.conn.SetDeadline(time.Now().Add(Timeout)); err != nil {
		return 0, err
	}
	c.req = c.request(c.req[:0], path, contentType, body)
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err == nil && resp.Close {
		c.Close()
	}
	return resp.StatusCode, err
}

// Close closes the connection, if one is open.
func (c *Conn) Close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn, c.r = nil, nil
	}
}

// request appends the POST of body to dst.
func (c *Conn) request(dst []byte, path, contentType string, body []byte) []byte {
	dst = append(dst, "POST "...)
	dst = append(dst, path...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, c.host...)
	dst = append(dst, "\r\nUser-Agent: leadrelay-publisher\r\nContent-Type: "...)
	dst = append(dst, contentType...)
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}
