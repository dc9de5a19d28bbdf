package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/api"
	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/schemas"
	"github.com/triage-dev/triage/stages"
)

const (
	keyA = "key-alpha-0123456789abcdef"
	keyB = "key-bravo-0123456789abcdef"
)

func keysFile() string {
	sum := sha256.Sum256([]byte(keyB))
	return "# test keys\nalpha:" + keyA + "\n\nbravo:sha256:" + hex.EncodeToString(sum[:]) + "\n"
}

// echoClassifier returns a small JSON document naming the region and size,
// or the configured error; delay simulates slow work.
type echoClassifier struct {
	err   error
	delay time.Duration
}

func (c echoClassifier) Classify(ctx context.Context, raw []byte, region string) ([]byte, error) {
	if c.delay > 0 {
		select {
		case <-time.After(c.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	return json.Marshal(map[string]any{"region": region, "bytes": len(raw)})
}

// pipelineClassifier is the real pipeline, as `triage serve` wires it.
type pipelineClassifier struct{ p *stages.Pipeline }

func (c pipelineClassifier) Classify(ctx context.Context, raw []byte, region string) ([]byte, error) {
	e := &email.Email{Raw: raw, RegionHint: region, Source: email.Source{Partition: -1, Offset: -1}}
	if err := c.p.Run(ctx, e); err != nil {
		return nil, err
	}
	return schemas.JSON(e)
}

type fakeProducer struct {
	mu   sync.Mutex
	got  [][]byte
	fail bool
}

func (p *fakeProducer) Produce(_ context.Context, raw []byte, region string) (api.Receipt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return api.Receipt{}, errors.New("broker down")
	}
	p.got = append(p.got, raw)
	return api.Receipt{Topic: "emails.raw", Partition: 0, Offset: int64(len(p.got) - 1)}, nil
}

func newHandler(t *testing.T, mod func(*api.Options)) *api.Handler {
	t.Helper()
	keys, err := api.ParseKeys(strings.NewReader(keysFile()))
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{Classifier: echoClassifier{}, Keys: keys}
	if mod != nil {
		mod(&o)
	}
	h, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

const sample = "From: Sender <sender@example.com>\r\nTo: support@example.com\r\nSubject: Invoice overdue\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <a1@example.com>\r\n\r\nHello, our invoice 4411 is overdue. Please advise urgently.\r\n"

type req struct {
	method, path, ctype, auth string
	body                      string
	chunked                   bool
}

func do(h http.Handler, r req) *httptest.ResponseRecorder {
	if r.method == "" {
		r.method = http.MethodPost
	}
	var body io.Reader = strings.NewReader(r.body)
	if r.chunked {
		body = io.MultiReader(strings.NewReader(r.body)) // unknown length
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.chunked {
		hr.ContentLength = -1
	}
	if r.ctype != "" {
		hr.Header.Set("Content-Type", r.ctype)
	}
	if r.auth != "" {
		hr.Header.Set("Authorization", r.auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hr)
	return w
}

func errCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var b api.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("status %d: error body is not JSON: %q", w.Code, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type %q", ct)
	}
	return b.Error.Code
}

func TestParseKeys(t *testing.T) {
	sum := sha256.Sum256([]byte("whatever-long-key-123"))
	tests := []struct {
		name, file string
		want       string // error substring; "" = ok
		n          int
	}{
		{"plain and hashed", keysFile(), "", 2},
		{"short key", "a:short\n", "shorter than 16", 0},
		{"bad digest", "a:sha256:zz\n", "64 hex digits", 0},
		{"no colon", "justaname\n", "want name:key", 0},
		{"duplicate name", "a:" + keyA + "\na:" + keyB + "\n", "already used on line 1", 0},
		{"same key twice", "a:" + keyA + "\nb:" + keyA + "\n", "same key as line 1", 0},
		{"hash equal to plain", "a:whatever-long-key-123\nb:sha256:" + hex.EncodeToString(sum[:]) + "\n", "same key", 0},
		{"empty", "# nothing\n\n", "no keys", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := api.ParseKeys(strings.NewReader(tc.file))
			if tc.want == "" {
				if err != nil || k.Len() != tc.n {
					t.Fatalf("ParseKeys: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			for _, secret := range []string{keyA, keyB, "whatever-long-key-123"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error echoes a key: %v", err)
				}
			}
		})
	}
	k, _ := api.ParseKeys(strings.NewReader(keysFile()))
	for token, want := range map[string]string{keyA: "alpha", keyB: "bravo", "nope-nope-nope-nope": ""} {
		if got, _ := k.Lookup(token); got != want {
			t.Errorf("Lookup(%q) = %q, want %q", token, got, want)
		}
	}
}

func TestAuthAndRouting(t *testing.T) {
	h := newHandler(t, nil)
	tests := []struct {
		name   string
		r      req
		status int
		code   string
	}{
		{"no header", req{path: "/v1/triage", body: sample}, 401, api.CodeUnauthorized},
		{"basic scheme", req{path: "/v1/triage", body: sample, auth: "Basic " + keyA}, 401, api.CodeUnauthorized},
		{"empty bearer", req{path: "/v1/triage", body: sample, auth: "Bearer "}, 401, api.CodeUnauthorized},
		{"unknown key", req{path: "/v1/triage", body: sample, auth: "Bearer not-a-key-0123456789"}, 401, api.CodeUnauthorized},
		{"hash instead of key", req{path: "/v1/triage", body: sample, auth: "Bearer sha256:" + strings.Repeat("0", 64)}, 401, api.CodeUnauthorized},
		{"GET", req{method: http.MethodGet, path: "/v1/triage", auth: "Bearer " + keyA}, 405, api.CodeMethod},
		{"unknown route", req{path: "/v2/triage", body: sample, auth: "Bearer " + keyA}, 404, api.CodeNotFound},
		{"emails without producer", req{path: "/v1/emails", body: sample, auth: "Bearer " + keyA}, 404, api.CodeNotFound},
		{"plain key ok", req{path: "/v1/triage", body: sample, auth: "Bearer " + keyA}, 200, ""},
		{"hashed key ok, lower-case scheme", req{path: "/v1/triage", body: sample, auth: "bearer " + keyB}, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, tc.r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body.String())
			}
			if tc.code != "" {
				if got := errCode(t, w); got != tc.code {
					t.Fatalf("code %q, want %q", got, tc.code)
				}
			}
			if tc.status == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if w := do(h, req{method: http.MethodGet, path: p}); w.Code != 200 {
			t.Errorf("GET %s = %d", p, w.Code)
		}
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestRateLimitPerKey(t *testing.T) {
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	h := newHandler(t, func(o *api.Options) { o.RatePerMinute = 3; o.Now = clk.now })
	post := func(key string) *httptest.ResponseRecorder {
		return do(h, req{path: "/v1/triage", body: sample, auth: "Bearer " + key})
	}
	steps := []struct {
		name       string
		advance    time.Duration
		key        string
		status     int
		retryAfter string
	}{
		{"1st", 0, keyA, 200, ""},
		{"2nd", 0, keyA, 200, ""},
		{"3rd", 0, keyA, 200, ""},
		{"4th is limited", 0, keyA, 429, "20"},
		{"other key has its own bucket", 0, keyB, 200, ""},
		{"still limited after 10s", 10 * time.Second, keyA, 429, "10"},
		{"refilled after 20s", 10 * time.Second, keyA, 200, ""},
		{"empty again", 0, keyA, 429, "20"},
		{"a minute refills the burst", time.Minute, keyA, 200, ""},
	}
	for _, s := range steps {
		clk.add(s.advance)
		w := post(s.key)
		if w.Code != s.status {
			t.Fatalf("%s: status %d, want %d", s.name, w.Code, s.status)
		}
		if s.status == 429 {
			if code := errCode(t, w); code != api.CodeRateLimited {
				t.Fatalf("%s: code %q", s.name, code)
			}
			if got := w.Header().Get("Retry-After"); got != s.retryAfter {
				t.Fatalf("%s: Retry-After %q, want %q", s.name, got, s.retryAfter)
			}
		}
	}
}

func TestBadBodies(t *testing.T) {
	h := newHandler(t, func(o *api.Options) { o.MaxBodyBytes = 1024 })
	auth := "Bearer " + keyA
	big := strings.Repeat("x", 2000)
	jsonBig, _ := json.Marshal(map[string]string{"raw": strings.Repeat("y", 1500)})
	tests := []struct {
		name   string
		r      req
		status int
		code   string
	}{
		{"oversize with length", req{body: big, ctype: "message/rfc822"}, 413, api.CodeTooLarge},
		{"oversize chunked", req{body: big, ctype: "message/rfc822", chunked: true}, 413, api.CodeTooLarge},
		{"oversize raw in JSON", req{body: string(jsonBig), ctype: "application/json"}, 413, api.CodeTooLarge},
		{"malformed JSON", req{body: `{"raw": "x`, ctype: "application/json"}, 400, api.CodeBadRequest},
		{"JSON unknown field", req{body: `{"raw": "x", "secret": 1}`, ctype: "application/json"}, 400, api.CodeBadRequest},
		{"JSON trailing data", req{body: `{"raw": "x"} {}`, ctype: "application/json"}, 400, api.CodeBadRequest},
		{"JSON wrong type", req{body: `{"raw": 42}`, ctype: "application/json"}, 400, api.CodeBadRequest},
		{"JSON empty raw", req{body: `{"raw": "  "}`, ctype: "application/json"}, 400, api.CodeBadRequest},
		{"empty body", req{body: "", ctype: "message/rfc822"}, 400, api.CodeBadRequest},
		{"unsupported type", req{body: sample, ctype: "image/png"}, 415, api.CodeUnsupportedMedia},
		{"malformed content type", req{body: sample, ctype: "text/plain; ;;="}, 415, api.CodeUnsupportedMedia},
		{"rfc822 ok", req{body: sample, ctype: "message/rfc822"}, 200, ""},
		{"text/plain with charset ok", req{body: sample, ctype: "text/plain; charset=utf-8"}, 200, ""},
		{"JSON ok", req{body: `{"raw": "Subject: hi\r\n\r\nbody", "region": "eu-west-1"}`, ctype: "application/json"}, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.path, tc.r.auth = "/v1/triage", auth
			w := do(h, tc.r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body.String())
			}
			if tc.code != "" {
				if got := errCode(t, w); got != tc.code {
					t.Fatalf("code %q, want %q", got, tc.code)
				}
			}
		})
	}
	w := do(h, req{path: "/v1/triage?region=ap-southeast-1", auth: auth, body: sample, ctype: "message/rfc822"})
	if !strings.Contains(w.Body.String(), `"region":"ap-southeast-1"`) {
		t.Fatalf("region from query not passed: %s", w.Body.String())
	}
}

func TestProcessingErrors(t *testing.T) {
	tests := []struct {
		name   string
		cl     api.Classifier
		status int
		code   string
	}{
		{"input error", echoClassifier{err: &stages.Error{Stage: "parse", Reason: "unreadable_mime", Class: stages.ClassDLQ, Err: errors.New("x")}}, 422, api.CodeUnprocessable},
		{"timeout", echoClassifier{delay: time.Second}, 504, api.CodeTimeout},
		{"internal", echoClassifier{err: errors.New("disk on fire")}, 500, api.CodeInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandler(t, func(o *api.Options) { o.Classifier = tc.cl; o.Timeout = 50 * time.Millisecond })
			w := do(h, req{path: "/v1/triage", auth: "Bearer " + keyA, body: sample})
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body.String())
			}
			if got := errCode(t, w); got != tc.code {
				t.Fatalf("code %q", got)
			}
			if strings.Contains(w.Body.String(), "disk on fire") {
				t.Fatal("internal error text leaked to the client")
			}
		})
	}
}

func TestEnqueue(t *testing.T) {
	p := &fakeProducer{}
	h := newHandler(t, func(o *api.Options) { o.Producer = p })
	w := do(h, req{path: "/v1/emails", auth: "Bearer " + keyA, body: sample})
	if w.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	var rc api.Receipt
	if err := json.Unmarshal(w.Body.Bytes(), &rc); err != nil || rc.Topic != "emails.raw" || len(p.got) != 1 || string(p.got[0]) != sample {
		t.Fatalf("receipt %+v err %v, produced %d", rc, err, len(p.got))
	}
	p.fail = true
	w = do(h, req{path: "/v1/emails", auth: "Bearer " + keyA, body: sample})
	if w.Code != http.StatusServiceUnavailable || errCode(t, w) != api.CodeUnavailable {
		t.Fatalf("producer failure: %d %s", w.Code, w.Body.String())
	}
}

func TestAuditLogHasNoContent(t *testing.T) {
	var buf bytes.Buffer
	h := newHandler(t, func(o *api.Options) { o.Logger = slog.New(slog.NewJSONHandler(&buf, nil)) })
	do(h, req{path: "/v1/triage", auth: "Bearer " + keyA, body: sample})
	do(h, req{path: "/v1/triage", auth: "Bearer wrong-wrong-wrong-wrong", body: sample})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 audit lines, got %d:\n%s", len(lines), buf.String())
	}
	var first, second map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &first)
	_ = json.Unmarshal([]byte(lines[1]), &second)
	if first["key"] != "alpha" || first["status"] != float64(200) || first["bytes_in"] != float64(len(sample)) || first["route"] != "/v1/triage" {
		t.Fatalf("audit line %v", first)
	}
	if second["key"] != "-" || second["status"] != float64(401) {
		t.Fatalf("audit line %v", second)
	}
	for _, leak := range []string{"sender@example.com", "Invoice", keyA, "wrong-wrong"} {
		if strings.Contains(buf.String(), leak) {
			t.Fatalf("audit log contains %q", leak)
		}
	}
}

// TestConcurrentLoad runs the real pipeline behind a real HTTP server with
// many clients at once: every request must succeed, and the result must be
// the classify JSON.
func TestConcurrentLoad(t *testing.T) {
	built, err := stages.Build(&stages.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pipe := stages.NewPipeline(built, nil)
	defer pipe.Close()
	h := newHandler(t, func(o *api.Options) { o.Classifier = pipelineClassifier{pipe}; o.RatePerMinute = 1 << 20 })
	srv := httptest.NewServer(h)
	defer srv.Close()
	const workers, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			key := keyA
			if i%2 == 1 {
				key = keyB
			}
			for j := 0; j < each; j++ {
				body := strings.Replace(sample, "4411", fmt.Sprint(i*1000+j), 1)
				hr, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/triage", strings.NewReader(body))
				hr.Header.Set("Authorization", "Bearer "+key)
				hr.Header.Set("Content-Type", "message/rfc822")
				resp, err := srv.Client().Do(hr)
				if err != nil {
					errs <- err
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var doc map[string]any
				if resp.StatusCode != 200 || json.Unmarshal(b, &doc) != nil || len(doc) == 0 {
					errs <- fmt.Errorf("status %d body %.200s", resp.StatusCode, b)
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	w := do(h, req{method: http.MethodGet, path: "/metrics"})
	if !strings.Contains(w.Body.String(), `triage_api_requests_total{code="200",route="/v1/triage"} 400`) {
		t.Fatalf("metrics do not count the load:\n%s", w.Body.String())
	}
}
