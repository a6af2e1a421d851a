package integrations

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/integrations/wire"
)

// ErrTransport is wrapped by Client.Do's error when no response came: no
// connection, a timeout, a reset. The dispatcher logs it as HTTP_FAIL and
// retries. Any HTTP status, 4xx and 5xx included, is a response, not an error.
var ErrTransport = errors.New("transport failure")

// ErrUncertain is wrapped, besides ErrTransport, when the request was fully
// written and no complete answer came: a timeout, a reset or an end of the
// connection after the write. The target may have taken the request (SPEC
// §9 "Uncertain sends"). A failure before the request was written (no
// connection, refused, DNS, TLS) or while writing it is certain: the target
// never saw the whole request.
var ErrUncertain = errors.New("uncertain: the request was written and no complete answer came")

// MaxResponseBody is how much of a response body Client.Do reads; the rest is
// cut, and Do says so.
const MaxResponseBody = 1 << 20

// ClientOptions configure a Client.
type ClientOptions struct {
	// Version goes into the User-Agent, "leadrelay/<Version>"; "" means "dev".
	Version string
	// Concurrency is the number of connections kept per host, busy and idle;
	// 0 means DefaultConcurrency.
	Concurrency int
}

// Client sends the requests of integrations: a keep-alive connection pool,
// a timeout per request, a cap on response bodies, and no redirects followed
// (the processing script sees the 3xx and its Location). It is safe for
// concurrent use.
type Client struct {
	http      *http.Client
	userAgent string
}

// NewClient returns a Client with its own connection pool.
func NewClient(opts ClientOptions) *Client {
	conns := opts.Concurrency
	if conns <= 0 {
		conns = DefaultConcurrency
	}
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxConnsPerHost:       conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &Client{
		http: &http.Client{
			Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		userAgent: "leadrelay/" + version,
	}
}

// Do sends hreq and reads the response within timeout (0 means
// DefaultTimeout). It sets the User-Agent unless the request has one. The
// body is read up to MaxResponseBody; truncated says more was cut. An error
// wraps ErrTransport when no full response came (and ctx's error when ctx
// ended), and ErrUncertain too when the request was written before the
// answer failed; it does not repeat the URL, which may hold secrets.
func (c *Client) Do(ctx context.Context, hreq *http.Request, timeout time.Duration) (resp *wire.Response, truncated bool, err error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var wrote writeTrace
	hreq = hreq.WithContext(httptrace.WithClientTrace(ctx, wrote.trace()))
	if hreq.Header.Get("User-Agent") == "" {
		hreq.Header = hreq.Header.Clone()
		if hreq.Header == nil {
			hreq.Header = make(http.Header)
		}
		hreq.Header.Set("User-Agent", c.userAgent)
	}
	start := time.Now()
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return nil, false, wrote.classify(transportError(hreq, err))
	}
	defer hresp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hresp.Body, MaxResponseBody+1))
	if err != nil {
		return nil, false, wrote.classify(transportError(hreq, fmt.Errorf("reading the response: %w", err)))
	}
	if len(body) > MaxResponseBody {
		body, truncated = body[:MaxResponseBody], true
	}
	return &wire.Response{
		Code:    hresp.StatusCode,
		Headers: flattenHeader(hresp.Header),
		Body:    string(body),
		TimeMS:  time.Since(start).Milliseconds(),
	}, truncated, nil
}

// transportError wraps ErrTransport and the cause, naming the method and
// host only: the URL's path and query may hold secrets.
func transportError(hreq *http.Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%s %s: %w: %w", hreq.Method, hreq.URL.Host, ErrTransport, err)
}

// flattenHeader turns a header into one value per name, repeats joined by ", ".
func flattenHeader(h http.Header) map[string]string {
	flat := make(map[string]string, len(h))
	for name, values := range h {
		flat[name] = strings.Join(values, ", ")
	}
	return flat
}

// RetryAfter reads the pause a 429 answer asks for: its Retry-After header,
// in seconds or as an HTTP date (counted from now). ok is false for any other
// code, or when the header is missing or unreadable. A date in the past is a
// pause of 0.
func RetryAfter(resp *wire.Response, now time.Time) (wait time.Duration, ok bool) {
	if resp == nil || resp.Code != http.StatusTooManyRequests {
		return 0, false
	}
	v := strings.TrimSpace(headerValue(resp.Headers, "Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, math.MaxInt64/int64(time.Second))) * time.Second, true
	}
	when, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(when.Sub(now), 0), true
}

// headerValue finds a header in a flattened map whatever the case of its name.
func headerValue(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
