package schemas

import (
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/linkedin/goavro/v2"

	"github.com/triage-dev/triage/email"
)

//go:embed triaged_email.avsc
var schemaText string

// SchemaText returns the Avro schema of the output record.
func SchemaText() string { return schemaText }

// ContentType is the value of the output record's `content-type` header.
const ContentType = "application/vnd.apache.avro+binary; schema=dev.triage.v1.TriagedEmail"

// Header names set on every output record.
const (
	HeaderContentType = "content-type"
	HeaderFingerprint = "triage-schema-fingerprint"
)

// PipelineVersion is stamped into every record; bump it when stage behaviour
// changes enough that consumers may want to tell records apart.
var PipelineVersion = "triage/1"

// MaxBodyBytes bounds redacted_body so an output record stays well under
// Kafka's default 1 MB message size; a longer body is cut at a UTF-8
// boundary and the record carries the warning "redacted_body_truncated".
// Subjects are bounded by MaxSubjectBytes the same way.
const (
	MaxBodyBytes    = 256 << 10
	MaxSubjectBytes = 4 << 10
)

// Record is the output contract in Go form. Pointer fields are null when the
// stage that computes them did not run. JSON tags are the Avro field names.
type Record struct {
	ID                 string       `json:"id"`
	MessageID          *string      `json:"message_id"`
	Region             string       `json:"region"`
	Framework          *string      `json:"framework"`
	ReceivedAt         *time.Time   `json:"received_at"`
	ProcessedAt        time.Time    `json:"processed_at"`
	SourceTopic        *string      `json:"source_topic"`
	SourcePartition    int32        `json:"source_partition"`
	SourceOffset       int64        `json:"source_offset"`
	Language           *string      `json:"language"`
	LanguageConfidence *float64     `json:"language_confidence"`
	Category           *string      `json:"category"`
	CategoryConfidence *float64     `json:"category_confidence"`
	CategoryReasons    []string     `json:"category_reasons"`
	Priority           *int         `json:"priority"`
	PriorityLevel      *string      `json:"priority_level"`
	PriorityReasons    []string     `json:"priority_reasons"`
	Summary            *string      `json:"summary"`
	SuggestedResponse  *string      `json:"suggested_response"`
	RedactedSubject    *string      `json:"redacted_subject"`
	RedactedBody       *string      `json:"redacted_body"`
	PII                []PIICount   `json:"pii"`
	Attachments        []Attachment `json:"attachments"`
	Flags              Flags        `json:"flags"`
	Warnings           []string     `json:"warnings"`
	PipelineVersion    string       `json:"pipeline_version"`
}

// PIICount is a type and its count.
type PIICount struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// Attachment is attachment metadata.
type Attachment struct {
	Filename    *string `json:"filename"`
	ContentType string  `json:"content_type"`
	Size        int64   `json:"size"`
	Inline      bool    `json:"inline"`
}

// Flags mirrors email.Flags.
type Flags struct {
	IsReply        bool `json:"is_reply"`
	IsForward      bool `json:"is_forward"`
	IsAutoReply    bool `json:"is_auto_reply"`
	IsBulk         bool `json:"is_bulk"`
	HasAttachments bool `json:"has_attachments"`
	HasCalendar    bool `json:"has_calendar"`
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// FromEmail builds the output record. Text fields come only from the
// redaction results: if the PII stage did not run (e.Redacted is false) the
// subject and body are null rather than raw, so a misconfigured pipeline
// can never leak unredacted text into an output topic.
func FromEmail(e *email.Email) *Record {
	r := &Record{
		ID:              e.ID,
		MessageID:       strp(e.MessageID),
		Region:          e.Region,
		Framework:       strp(e.Framework),
		ProcessedAt:     e.ProcessedAt,
		SourceTopic:     strp(e.Source.Topic),
		SourcePartition: e.Source.Partition,
		SourceOffset:    e.Source.Offset,
		Language:        strp(e.Language),
		Category:        strp(e.Category),
		CategoryReasons: e.CategoryReasons,
		PriorityLevel:   strp(e.PriorityLevel),
		PriorityReasons: e.PriorityReasons,
		Warnings:        append([]string{}, e.Warnings...),
		PipelineVersion: PipelineVersion,
		Attachments:     []Attachment{},
		Flags: Flags{
			IsReply: e.Flags.IsReply, IsForward: e.Flags.IsForward, IsAutoReply: e.Flags.IsAutoReply,
			IsBulk: e.Flags.IsBulk, HasAttachments: e.Flags.HasAttachments, HasCalendar: e.Flags.HasCalendar,
		},
	}
	if r.ProcessedAt.IsZero() {
		r.ProcessedAt = time.Now().UTC()
	}
	if !e.Source.Timestamp.IsZero() {
		t := e.Source.Timestamp.UTC()
		r.ReceivedAt = &t
	}
	if e.Language != "" {
		c := e.LanguageConfidence
		r.LanguageConfidence = &c
	}
	if e.Category != "" {
		c := e.CategoryConfidence
		r.CategoryConfidence = &c
		if r.CategoryReasons == nil {
			r.CategoryReasons = []string{}
		}
	}
	if e.PriorityLevel != "" {
		p := e.Priority
		r.Priority = &p
		if r.PriorityReasons == nil {
			r.PriorityReasons = []string{}
		}
	}
	if e.Redacted {
		subj, cutS := cut(e.RedactedSubject, MaxSubjectBytes)
		body, cutB := cut(e.RedactedBody, MaxBodyBytes)
		if cutS {
			r.Warnings = append(r.Warnings, "redacted_subject_truncated")
		}
		if cutB {
			r.Warnings = append(r.Warnings, "redacted_body_truncated")
		}
		r.RedactedSubject = &subj
		r.RedactedBody = &body
		r.Summary = strp(e.Summary)
		r.SuggestedResponse = strp(e.SuggestedResponse)
		r.PII = []PIICount{}
		for _, c := range e.PIICounts() {
			r.PII = append(r.PII, PIICount{Type: c.Type, Count: c.Count})
		}
	}
	for _, a := range e.Attachments {
		r.Attachments = append(r.Attachments, Attachment{
			Filename: strp(a.Filename), ContentType: a.ContentType, Size: a.Size, Inline: a.Inline,
		})
	}
	return r
}

// JSON renders e as the JSON object `triage classify` prints.
func JSON(e *email.Email) ([]byte, error) {
	return json.Marshal(FromEmail(e))
}

// Codec encodes and decodes output records. Safe for concurrent use.
type Codec struct {
	codec       *goavro.Codec
	fingerprint [8]byte
}

// NewCodec compiles the embedded schema.
func NewCodec() (*Codec, error) {
	c, err := goavro.NewCodec(schemaText)
	if err != nil {
		return nil, fmt.Errorf("schemas: compile triaged_email.avsc: %w", err)
	}
	out := &Codec{codec: c}
	binary.LittleEndian.PutUint64(out.fingerprint[:], c.Rabin)
	return out, nil
}

// Fingerprint returns the CRC-64-AVRO fingerprint as 16 hex chars of its
// little-endian bytes (as it appears on the wire).
func (c *Codec) Fingerprint() string { return hex.EncodeToString(c.fingerprint[:]) }

// Encode returns the single-object encoding of r.
func (c *Codec) Encode(r *Record) ([]byte, error) {
	buf := make([]byte, 0, 1024)
	buf = append(buf, 0xC3, 0x01)
	buf = append(buf, c.fingerprint[:]...)
	out, err := c.codec.BinaryFromNative(buf, toNative(r))
	if err != nil {
		return nil, fmt.Errorf("schemas: encode record %s: %w", r.ID, err)
	}
	return out, nil
}

// Decode parses a single-object encoded record written with this schema.
func (c *Codec) Decode(b []byte) (*Record, error) {
	if len(b) < 10 || b[0] != 0xC3 || b[1] != 0x01 {
		return nil, fmt.Errorf("schemas: not Avro single-object encoded (missing C3 01 marker)")
	}
	if string(b[2:10]) != string(c.fingerprint[:]) {
		return nil, fmt.Errorf("schemas: record written with unknown schema fingerprint %x", b[2:10])
	}
	n, _, err := c.codec.NativeFromBinary(b[10:])
	if err != nil {
		return nil, fmt.Errorf("schemas: decode: %w", err)
	}
	m, ok := n.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schemas: decode: unexpected native type %T", n)
	}
	return fromNative(m), nil
}

func union(typ string, v any) any { return goavro.Union(typ, v) }

func ustr(p *string) any {
	if p == nil {
		return nil
	}
	return union("string", *p)
}

func ustrs(s []string) any {
	if s == nil {
		return nil
	}
	arr := make([]any, len(s))
	for i, v := range s {
		arr[i] = v
	}
	return union("array", arr)
}

func toNative(r *Record) map[string]any {
	m := map[string]any{
		"id":                  r.ID,
		"message_id":          ustr(r.MessageID),
		"region":              r.Region,
		"framework":           ustr(r.Framework),
		"received_at":         nil,
		"processed_at":        r.ProcessedAt,
		"source_topic":        ustr(r.SourceTopic),
		"source_partition":    r.SourcePartition,
		"source_offset":       r.SourceOffset,
		"language":            ustr(r.Language),
		"language_confidence": nil,
		"category":            ustr(r.Category),
		"category_confidence": nil,
		"category_reasons":    ustrs(r.CategoryReasons),
		"priority":            nil,
		"priority_level":      ustr(r.PriorityLevel),
		"priority_reasons":    ustrs(r.PriorityReasons),
		"summary":             ustr(r.Summary),
		"suggested_response":  ustr(r.SuggestedResponse),
		"redacted_subject":    ustr(r.RedactedSubject),
		"redacted_body":       ustr(r.RedactedBody),
		"pii":                 nil,
		"pipeline_version":    r.PipelineVersion,
		"flags": map[string]any{
			"is_reply": r.Flags.IsReply, "is_forward": r.Flags.IsForward, "is_auto_reply": r.Flags.IsAutoReply,
			"is_bulk": r.Flags.IsBulk, "has_attachments": r.Flags.HasAttachments, "has_calendar": r.Flags.HasCalendar,
		},
	}
	if r.ReceivedAt != nil {
		m["received_at"] = union("long.timestamp-millis", *r.ReceivedAt)
	}
	if r.LanguageConfidence != nil {
		m["language_confidence"] = union("double", *r.LanguageConfidence)
	}
	if r.CategoryConfidence != nil {
		m["category_confidence"] = union("double", *r.CategoryConfidence)
	}
	if r.Priority != nil {
		m["priority"] = union("int", int32(*r.Priority))
	}
	if r.PII != nil {
		arr := make([]any, len(r.PII))
		for i, p := range r.PII {
			arr[i] = map[string]any{"type": p.Type, "count": int32(p.Count)}
		}
		m["pii"] = union("array", arr)
	}
	atts := make([]any, len(r.Attachments))
	for i, a := range r.Attachments {
		atts[i] = map[string]any{"filename": ustr(a.Filename), "content_type": a.ContentType, "size": a.Size, "inline": a.Inline}
	}
	m["attachments"] = atts
	ws := make([]any, len(r.Warnings))
	for i, w := range r.Warnings {
		ws[i] = w
	}
	m["warnings"] = ws
	return m
}

// unwrap returns the value inside a goavro union map, or nil.
func unwrap(v any) any {
	if m, ok := v.(map[string]any); ok {
		for _, x := range m {
			return x
		}
	}
	return v
}

func nstr(v any) *string {
	if s, ok := unwrap(v).(string); ok {
		return &s
	}
	return nil
}

func nstrs(v any) []string {
	arr, ok := unwrap(v).([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func fromNative(m map[string]any) *Record {
	r := &Record{
		MessageID:         nstr(m["message_id"]),
		Framework:         nstr(m["framework"]),
		SourceTopic:       nstr(m["source_topic"]),
		Language:          nstr(m["language"]),
		Category:          nstr(m["category"]),
		CategoryReasons:   nstrs(m["category_reasons"]),
		PriorityLevel:     nstr(m["priority_level"]),
		PriorityReasons:   nstrs(m["priority_reasons"]),
		Summary:           nstr(m["summary"]),
		SuggestedResponse: nstr(m["suggested_response"]),
		RedactedSubject:   nstr(m["redacted_subject"]),
		RedactedBody:      nstr(m["redacted_body"]),
		Warnings:          nstrs(m["warnings"]),
		Attachments:       []Attachment{},
	}
	r.ID, _ = m["id"].(string)
	r.Region, _ = m["region"].(string)
	r.PipelineVersion, _ = m["pipeline_version"].(string)
	r.SourcePartition, _ = m["source_partition"].(int32)
	r.SourceOffset, _ = m["source_offset"].(int64)
	if t, ok := m["processed_at"].(time.Time); ok {
		r.ProcessedAt = t.UTC()
	}
	if t, ok := unwrap(m["received_at"]).(time.Time); ok {
		t = t.UTC()
		r.ReceivedAt = &t
	}
	if f, ok := unwrap(m["language_confidence"]).(float64); ok {
		r.LanguageConfidence = &f
	}
	if f, ok := unwrap(m["category_confidence"]).(float64); ok {
		r.CategoryConfidence = &f
	}
	if p, ok := unwrap(m["priority"]).(int32); ok {
		pi := int(p)
		r.Priority = &pi
	}
	if arr, ok := unwrap(m["pii"]).([]any); ok {
		r.PII = []PIICount{}
		for _, x := range arr {
			if pm, ok := x.(map[string]any); ok {
				t, _ := pm["type"].(string)
				c, _ := pm["count"].(int32)
				r.PII = append(r.PII, PIICount{Type: t, Count: int(c)})
			}
		}
	}
	if arr, ok := m["attachments"].([]any); ok {
		for _, x := range arr {
			if am, ok := x.(map[string]any); ok {
				a := Attachment{Filename: nstr(am["filename"])}
				a.ContentType, _ = am["content_type"].(string)
				a.Size, _ = am["size"].(int64)
				a.Inline, _ = am["inline"].(bool)
				r.Attachments = append(r.Attachments, a)
			}
		}
	}
	if fm, ok := m["flags"].(map[string]any); ok {
		r.Flags.IsReply, _ = fm["is_reply"].(bool)
		r.Flags.IsForward, _ = fm["is_forward"].(bool)
		r.Flags.IsAutoReply, _ = fm["is_auto_reply"].(bool)
		r.Flags.IsBulk, _ = fm["is_bulk"].(bool)
		r.Flags.HasAttachments, _ = fm["has_attachments"].(bool)
		r.Flags.HasCalendar, _ = fm["has_calendar"].(bool)
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	return r
}

// cut returns s cut to at most n bytes at a rune boundary.
func cut(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}
