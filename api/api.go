package api

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/triage-dev/triage/stages"
)

// Classifier runs the triage pipeline on one raw message and returns the
// JSON document `triage classify` prints. It must be safe for concurrent
// use. Errors classified by the stages package as dead-letter errors are
// the caller's fault (422); others are ours (500, or 504 on timeout).
type Classifier interface {
	Classify(ctx context.Context, raw []byte, region string) ([]byte, error)
}

// Producer enqueues one raw message on the input topic for asynchronous
// processing and reports where it landed. It must be safe for concurrent
// use and return only once the record is acknowledged.
type Producer interface {
	Produce(ctx context.Context, raw []byte, region string) (Receipt, error)
}

// Receipt is where an enqueued email was written.
type Receipt struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// Options configures a Handler. Classifier and Keys are required.
type Options struct {
	Classifier Classifier
	// Producer enables POST /v1/emails; nil answers it with 404.
	Producer Producer
	Keys     *Keys
	// RatePerMinute is each key's sustained request rate. Default 100.
	RatePerMinute int
	// Burst is each key's bucket size. Default RatePerMinute.
	Burst int
	// MaxBodyBytes bounds a request body (and a JSON raw field). Default
	// 10 MiB.
	MaxBodyBytes int64
	// Timeout bounds the work on one request (classification or produce).
	// Default 30s.
	Timeout time.Duration
	// Logger receives the audit log; nil discards.
	Logger *slog.Logger
	// Registerer receives the API metrics and Gatherer serves /metrics.
	// Both nil: a private registry.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// Ready is called by /readyz; nil means always ready.
	Ready func() error
	// Now is the clock for rate limiting; nil uses time.Now.
	Now func() time.Time
}

// Handler serves the API. Build it with New.
type Handler struct {
	opts    Options
	mux     *http.ServeMux
	limiter *limiter
	log     *slog.Logger

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	limited  *prometheus.CounterVec
}

// Error codes in JSON error bodies.
const (
	CodeUnauthorized     = "unauthorized"
	CodeRateLimited      = "rate_limited"
	CodeTooLarge         = "too_large"
	CodeBadRequest       = "bad_request"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeUnprocessable    = "unprocessable_email"
	CodeMethod           = "method_not_allowed"
	CodeNotFound         = "not_found"
	CodeTimeout          = "timeout"
	CodeInternal         = "internal"
	CodeUnavailable      = "unavailable"
)

// New validates opts, fills defaults and builds the handler.
func New(opts Options) (*Handler, error) {
	var errs []string
	if opts.Classifier == nil {
		errs = append(errs, "Classifier is required")
	}
	if opts.Keys == nil || opts.Keys.Len() == 0 {
		errs = append(errs, "Keys is required (an API without keys is not served)")
	}
	if opts.RatePerMinute < 0 || opts.Burst < 0 || opts.MaxBodyBytes < 0 || opts.Timeout < 0 {
		errs = append(errs, "RatePerMinute, Burst, MaxBodyBytes and Timeout must not be negative")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("api: %s", strings.Join(errs, "; "))
	}
	if opts.RatePerMinute == 0 {
		opts.RatePerMinute = 100
	}
	if opts.Burst == 0 {
		opts.Burst = opts.RatePerMinute
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 10 << 20
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Registerer == nil && opts.Gatherer == nil {
		reg := prometheus.NewRegistry()
		opts.Registerer, opts.Gatherer = reg, reg
	}
	h := &Handler{opts: opts, mux: http.NewServeMux(), limiter: newLimiter(opts.RatePerMinute, opts.Burst, opts.Now), log: opts.Logger}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "triage_api_requests_total", Help: "API requests by route and status code.",
	}, []string{"route", "code"})
	h.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "triage_api_request_duration_seconds", Help: "API request duration by route.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route"})
	h.limited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "triage_api_rate_limited_total", Help: "Requests refused by the per-key rate limit.",
	}, []string{"key"})
	if opts.Registerer != nil {
		for _, c := range []prometheus.Collector{h.requests, h.duration, h.limited} {
			if err := opts.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("api: register metrics: %w", err)
			}
		}
	}
	h.mux.HandleFunc("/v1/triage", h.authed(h.triage))
	h.mux.HandleFunc("/v1/emails", h.authed(h.enqueue))
	h.mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	h.mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if opts.Ready != nil {
			if err := opts.Ready(); err != nil {
				writeError(w, http.StatusServiceUnavailable, CodeUnavailable, err.Error())
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if opts.Gatherer != nil {
		h.mux.Handle("/metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{}))
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such route; POST /v1/triage or /v1/emails")
	})
	return h, nil
}

// route maps a path to a bounded metric label.
func route(p string) string {
	switch p {
	case "/v1/triage", "/v1/emails", "/healthz", "/readyz", "/metrics":
		return p
	}
	return "other"
}

// recorder captures the status and size for the audit log and metrics.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

type ctxKey struct{}

// keyInfo is filled by authed for the audit line.
type keyInfo struct{ name string }

// ServeHTTP implements http.Handler: routes the request and writes the
// audit line and metrics for it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	ki := &keyInfo{name: "-"}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ki))
	h.mux.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	d := time.Since(start)
	rt := route(r.URL.Path)
	h.requests.WithLabelValues(rt, strconv.Itoa(rec.status)).Inc()
	h.duration.WithLabelValues(rt).Observe(d.Seconds())
	if rt == "/healthz" || rt == "/readyz" || rt == "/metrics" {
		return // probes and scrapes would drown the audit log
	}
	h.log.Info("api request", "key", ki.name, "method", r.Method, "route", rt, "status", rec.status,
		"bytes_in", max(r.ContentLength, 0), "bytes_out", rec.bytes, "duration_ms", d.Milliseconds())
}

// authed checks the method, the bearer key and the key's rate limit.
func (h *Handler) authed(next func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, CodeMethod, "use POST")
			return
		}
		auth := r.Header.Get("Authorization")
		scheme, token, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="triage"`)
			writeError(w, http.StatusUnauthorized, CodeUnauthorized, "missing Authorization: Bearer <key>")
			return
		}
		name, ok := h.opts.Keys.Lookup(strings.TrimSpace(token))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="triage", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, CodeUnauthorized, "unknown API key")
			return
		}
		if ki, ok := r.Context().Value(ctxKey{}).(*keyInfo); ok {
			ki.name = name
		}
		if ok, wait := h.limiter.allow(name); !ok {
			secs := int(wait.Seconds())
			if time.Duration(secs)*time.Second < wait {
				secs++
			}
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			h.limited.WithLabelValues(name).Inc()
			writeError(w, http.StatusTooManyRequests, CodeRateLimited,
				fmt.Sprintf("rate limit of %d requests/minute exceeded", h.opts.RatePerMinute))
			return
		}
		next(w, r, name)
	}
}

// errBody is returned by readEmail with the status to answer.
type errBody struct {
	status int
	code   string
	msg    string
}

func (e *errBody) Error() string { return e.msg }

// jsonRequest is the JSON request body.
type jsonRequest struct {
	Raw    string `json:"raw"`
	Region string `json:"region"`
}

// readEmail reads the raw message and region from the request, enforcing
// the size limit and the accepted media types.
func (h *Handler) readEmail(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	if r.ContentLength > h.opts.MaxBodyBytes {
		return nil, "", &errBody{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("body exceeds %d bytes", h.opts.MaxBodyBytes)}
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "message/rfc822", nil
	}
	if err != nil {
		return nil, "", &errBody{http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "malformed Content-Type"}
	}
	// The JSON form carries the message as a JSON string: allow for
	// escaping overhead (at most 6 bytes per byte for \u escapes is the
	// worst case, but real mail is mostly ASCII: 2x plus a little is
	// generous) and check the decoded size again below.
	limit := h.opts.MaxBodyBytes
	if mt == "application/json" {
		limit = 2*limit + 4096
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", &errBody{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("body exceeds %d bytes", h.opts.MaxBodyBytes)}
		}
		return nil, "", &errBody{http.StatusBadRequest, CodeBadRequest, "could not read the body"}
	}
	region := r.Header.Get("X-Triage-Region")
	if q := r.URL.Query().Get("region"); q != "" {
		region = q
	}
	var raw []byte
	switch mt {
	case "message/rfc822", "text/plain":
		raw = body
	case "application/json":
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		var req jsonRequest
		if err := dec.Decode(&req); err != nil {
			return nil, "", &errBody{http.StatusBadRequest, CodeBadRequest, "malformed JSON: want {\"raw\": \"<RFC 5322 message>\", \"region\": \"<optional>\"}"}
		}
		if dec.More() {
			return nil, "", &errBody{http.StatusBadRequest, CodeBadRequest, "malformed JSON: trailing data after the object"}
		}
		raw = []byte(req.Raw)
		if req.Region != "" {
			region = req.Region
		}
		if int64(len(raw)) > h.opts.MaxBodyBytes {
			return nil, "", &errBody{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("raw message exceeds %d bytes", h.opts.MaxBodyBytes)}
		}
	default:
		return nil, "", &errBody{http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "use Content-Type message/rfc822, text/plain or application/json"}
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, "", &errBody{http.StatusBadRequest, CodeBadRequest, "empty message"}
	}
	if len(region) > 64 || strings.ContainsAny(region, " \t\r\n") {
		return nil, "", &errBody{http.StatusBadRequest, CodeBadRequest, "malformed region"}
	}
	return raw, region, nil
}

func (h *Handler) triage(w http.ResponseWriter, r *http.Request, _ string) {
	raw, region, err := h.readEmail(w, r)
	if err != nil {
		writeErr(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	out, err := h.opts.Classifier.Classify(ctx, raw, region)
	if err != nil {
		writeErr(w, h.workError(ctx, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	if len(out) == 0 || out[len(out)-1] != '\n' {
		_, _ = w.Write([]byte{'\n'})
	}
}

func (h *Handler) enqueue(w http.ResponseWriter, r *http.Request, _ string) {
	if h.opts.Producer == nil {
		writeError(w, http.StatusNotFound, CodeNotFound, "asynchronous submission is not enabled on this server")
		return
	}
	raw, region, err := h.readEmail(w, r)
	if err != nil {
		writeErr(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	rc, err := h.opts.Producer.Produce(ctx, raw, region)
	if err != nil {
		if ctx.Err() == nil {
			// Kafka refused or is unreachable: the client may retry.
			writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "could not enqueue the email; retry later")
			return
		}
		writeErr(w, h.workError(ctx, err))
		return
	}
	writeJSON(w, http.StatusAccepted, rc)
}

// workError maps a classifier or producer error to a response. Stage
// errors carry a label-safe reason and stage name, which are returned; the
// error text is not (it could echo input).
func (h *Handler) workError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &errBody{http.StatusGatewayTimeout, CodeTimeout, fmt.Sprintf("processing exceeded %s", h.opts.Timeout)}
	case stages.Classify(err) == stages.ClassDLQ:
		msg := "the email cannot be processed: " + stages.Reason(err)
		if st := stages.StageOf(err); st != "" {
			msg += " (stage " + st + ")"
		}
		return &errBody{http.StatusUnprocessableEntity, CodeUnprocessable, msg}
	}
	h.log.Error("api processing failed", "reason", stages.Reason(err), "stage", stages.StageOf(err))
	return &errBody{http.StatusInternalServerError, CodeInternal, "internal error"}
}

func writeErr(w http.ResponseWriter, err error) {
	var eb *errBody
	if errors.As(err, &eb) {
		writeError(w, eb.status, eb.code, eb.msg)
		return
	}
	writeError(w, http.StatusInternalServerError, CodeInternal, "internal error")
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var b ErrorBody
	b.Error.Code, b.Error.Message = code, msg
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ServerOptions configures NewServer.
type ServerOptions struct {
	Addr string
	// TLSCertFile and TLSKeyFile enable HTTPS (TLS 1.2+); both or neither.
	TLSCertFile, TLSKeyFile string
	// ReadTimeout bounds reading a whole request (default 30s); the
	// handler's own Timeout bounds the work.
	ReadTimeout time.Duration
}

// NewServer wraps h in an http.Server with timeouts on every phase, so a
// slow client cannot hold connections open (slowloris).
func NewServer(h http.Handler, o ServerOptions) (*http.Server, error) {
	if (o.TLSCertFile == "") != (o.TLSKeyFile == "") {
		return nil, errors.New("api: --tls-cert and --tls-key must be set together")
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 30 * time.Second
	}
	srv := &http.Server{
		Addr:              o.Addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.ReadTimeout + 60*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	if o.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.TLSCertFile, o.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("api: TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	return srv, nil
}
