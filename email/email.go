package email

import (
	"log/slog"
	"time"
)

// Source says where a raw email came from. For emails read from Kafka it is
// the input record's coordinates; for `triage classify` and the HTTP API the
// topic is empty and the partition/offset are -1.
type Source struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp time.Time // record timestamp; zero when unknown
	Key       []byte    // record key as the ingestor chose it
}

// Address is one parsed mailbox. Name may be empty.
type Address struct {
	Name    string
	Address string // lower-cased addr-spec
}

// Domain returns the part after the last '@', lower-cased, or "".
func (a Address) Domain() string {
	for i := len(a.Address) - 1; i >= 0; i-- {
		if a.Address[i] == '@' {
			return a.Address[i+1:]
		}
	}
	return ""
}

// Attachment is metadata only: attachment bytes are never kept.
type Attachment struct {
	Filename    string
	ContentType string
	Size        int64 // decoded size in bytes
	Inline      bool
}

// Link is an anchor found in an HTML part: its target and its visible text.
// Phishing detection compares the two.
type Link struct {
	Href string
	Text string
}

// Flags are the boolean facts about an email's shape. They are exported in
// the output record as `flags`.
type Flags struct {
	IsReply        bool
	IsForward      bool
	IsAutoReply    bool
	IsBulk         bool
	HasAttachments bool
	HasCalendar    bool // a text/calendar part (meeting invitation)
	HasHTML        bool
}

// PIIFinding is one detected piece of personal data. Start and End are byte
// offsets into the field named by Field ("subject" or "body"). The value
// itself is deliberately absent: findings may be logged, counted and
// exported, the value may not.
type PIIFinding struct {
	Type  string
	Field string
	Start int
	End   int
	Score float64
}

// Email is the unit of work every stage sees. Stages read the fields
// earlier stages filled and fill their own; no stage touches Kafka or state
// directly.
//
// Personal data: Raw, Subject, Body, the addresses and headers all hold
// personal data. LogValue therefore exposes only the id, region, size and
// language, and nothing else of an Email may be logged or used as a metric
// label.
type Email struct {
	Raw    []byte
	Source Source

	// RegionHint is the region the input asked for (record header
	// `triage-region` or the `--region` flag); Region is the one resolved.
	RegionHint string
	Region     string
	Framework  string

	ID        string // stable keyed id, hex; the output record key
	MessageID string // normalized Message-ID without angle brackets

	// Parsed message. Headers keys are canonical MIME header keys.
	Headers map[string][]string
	From    Address
	Sender  Address
	ReplyTo []Address
	To      []Address
	Cc      []Address
	Subject string
	Date    time.Time // zero if missing or unparseable
	// Body is the readable text: the text/plain part, or HTML converted to
	// text when there is no plain part. Quoted history is kept here; stages
	// that want only the new text use NewText.
	Body string
	// NewText is Body without quoted history, forwarded blocks and the
	// signature, as found by the parse stage. Empty means use Body.
	NewText     string
	Attachments []Attachment
	Links       []Link
	Flags       Flags
	ThreadDepth int // References/In-Reply-To chain length
	Warnings    []string

	// Derived by later stages. Empty strings mean "not computed" and are
	// exported as null.
	Language           string
	LanguageConfidence float64
	Category           string
	CategoryConfidence float64
	CategoryReasons    []string
	Priority           int
	PriorityLevel      string // "" means priority not computed
	PriorityReasons    []string
	Summary            string
	SuggestedResponse  string
	RedactedSubject    string
	RedactedBody       string
	Redacted           bool // true once the PII stage has run
	PII                []PIIFinding

	// Duplicate is set by the dedup stage when this email was already
	// processed; the pipeline then stops and emits no output record.
	Duplicate   bool
	DuplicateOf string
	// DedupKey is the keyed hash the dedup stage used (hex).
	DedupKey string
	// Participants are keyed hashes of the sender and recipient addresses,
	// used to index state for erasure. Never raw addresses.
	Participants []string

	ProcessedAt time.Time

	// Memo lets stages share values derived from the email (for example
	// the normalized analysis text classify and priority both read) so
	// each is computed once. It is never exported or logged.
	Memo map[string]any
}

// Memoize returns the value stored under key, computing and storing it
// with f on first use. Not safe for concurrent use on one Email (stages
// of one email run sequentially).
func (e *Email) Memoize(key string, f func() any) any {
	if v, ok := e.Memo[key]; ok {
		return v
	}
	if e.Memo == nil {
		e.Memo = map[string]any{}
	}
	v := f()
	e.Memo[key] = v
	return v
}

// Header returns the first value of the canonical header key k, or "".
func (e *Email) Header(k string) string {
	if v := e.Headers[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Text returns the text stages should analyse: NewText if the parse stage
// found one, else Body.
func (e *Email) Text() string {
	if e.NewText != "" {
		return e.NewText
	}
	return e.Body
}

// Warn records a non-fatal problem. Warnings are exported in the output
// record, so they must never contain personal data: pass fixed phrases.
func (e *Email) Warn(w string) {
	for _, x := range e.Warnings {
		if x == w {
			return
		}
	}
	e.Warnings = append(e.Warnings, w)
}

// PIICounts returns the number of findings per type, in first-seen order.
func (e *Email) PIICounts() []PIICount {
	var out []PIICount
	idx := map[string]int{}
	for _, f := range e.PII {
		i, ok := idx[f.Type]
		if !ok {
			i = len(out)
			idx[f.Type] = i
			out = append(out, PIICount{Type: f.Type})
		}
		out[i].Count++
	}
	return out
}

// PIICount is a type and how many times it occurred.
type PIICount struct {
	Type  string
	Count int
}

// LogValue implements slog.LogValuer. It is the only view of an email that
// may reach a log: id, region, size and language.
func (e *Email) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("id", e.ID),
		slog.String("region", e.Region),
		slog.Int("size", len(e.Raw)),
	}
	if e.Language != "" {
		attrs = append(attrs, slog.String("language", e.Language))
	}
	return slog.GroupValue(attrs...)
}
