package integrations

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/integrations/wire"
)

// misbehave serves a loopback listener whose every connection gets behave;
// it returns the listener's address.
func misbehave(t *testing.T, behave func(c *net.TCPConn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				behave(c.(*net.TCPConn))
				<-done
			}()
		}
	}()
	return l.Addr().String()
}

// readRequest reads one whole request, body included.
func readRequest(c net.Conn) {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err == nil {
		_, _ = io.Copy(io.Discard, req.Body)
	}
}

// reset closes c with a TCP reset rather than an orderly end.
func reset(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}

func post(t *testing.T, url string, size int) *http.Request {
	t.Helper()
	req := &wire.Request{Method: "POST", URL: url, Raw: strings.Repeat("x", size), IsRaw: true}
	hreq, _, err := NewHTTPRequest(context.Background(), req, FormatRaw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return hreq
}

func TestClientTellsUncertainFromCertainFailures(t *testing.T) {
	t.Parallel()
	const big = 32 << 20 // more than the socket buffers hold
	refused := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}
	tlsServer := func(t *testing.T) string {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv.URL
	}
	on := func(behave func(c *net.TCPConn)) func(t *testing.T) string {
		return func(t *testing.T) string { return "http://" + misbehave(t, behave) }
	}
	tests := []struct {
		name      string
		server    func(t *testing.T) string
		body      int
		uncertain bool
	}{
		{"connection refused", refused, 10, false},
		{"no such host", func(*testing.T) string { return "http://leadrelay-test.invalid" }, 10, false},
		{"TLS handshake", tlsServer, 10, false},
		{"reset while writing", on(func(c *net.TCPConn) { _, _ = c.Read(make([]byte, 1)); reset(c) }), big, false},
		{"timeout while writing", on(func(*net.TCPConn) {}), big, false},
		{"timeout after the write", on(func(c *net.TCPConn) { readRequest(c) }), 10, true},
		{"reset after the write", on(func(c *net.TCPConn) { readRequest(c); reset(c) }), 10, true},
		{"end of connection after the write", on(func(c *net.TCPConn) { readRequest(c); _ = c.Close() }), 10, true},
		{"half an answer", on(func(c *net.TCPConn) {
			readRequest(c)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"id\":")
			_ = c.Close()
		}), 10, true},
		{"headers cut short", on(func(c *net.TCPConn) {
			readRequest(c)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-")
			reset(c)
		}), 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hreq := post(t, tt.server(t)+"/orders", tt.body)
			_, _, err := NewClient(ClientOptions{}).Do(context.Background(), hreq, 500*time.Millisecond)
			if !errors.Is(err, ErrTransport) {
				t.Fatalf("got %v, want a transport failure", err)
			}
			if got := errors.Is(err, ErrUncertain); got != tt.uncertain {
				t.Errorf("uncertain = %v, want %v (%v)", got, tt.uncertain, err)
			}
		})
	}
}

func TestClientAnswerIsNotUncertain(t *testing.T) {
	t.Parallel()
	addr := misbehave(t, func(c *net.TCPConn) {
		readRequest(c)
		_, _ = io.WriteString(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno")
	})
	resp, _, err := NewClient(ClientOptions{}).Do(context.Background(), post(t, "http://"+addr+"/orders", 10), time.Second)
	if err != nil || resp.Code != 500 || resp.Body != "no" {
		t.Errorf("got %+v, %v: want the 500 answer", resp, err)
	}
}
