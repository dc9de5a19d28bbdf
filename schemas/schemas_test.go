package schemas

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/triage-dev/triage/email"
)

func sampleEmail() *email.Email {
	e := &email.Email{
		ID: "0123456789abcdef0123456789abcdef", MessageID: "abc@example.com",
		Region: "eu-west-1", Framework: "GDPR",
		Source:   email.Source{Topic: "emails.raw", Partition: 3, Offset: 42, Timestamp: time.UnixMilli(1700000000123)},
		Language: "de", LanguageConfidence: 0.93,
		Category: "support", CategoryConfidence: 0.8, CategoryReasons: []string{"cue:ticket"},
		Priority: 7, PriorityLevel: "high", PriorityReasons: []string{"cue:urgent"},
		Summary: "Drucker defekt", SuggestedResponse: "Danke",
		RedactedSubject: "Drucker", RedactedBody: "Bitte [EMAIL_REDACTED]", Redacted: true,
		PII:         []email.PIIFinding{{Type: "EMAIL_ADDRESS"}, {Type: "EMAIL_ADDRESS"}, {Type: "IBAN_CODE"}},
		Attachments: []email.Attachment{{Filename: "a.pdf", ContentType: "application/pdf", Size: 1234}},
		Flags:       email.Flags{IsReply: true, HasAttachments: true},
		Warnings:    []string{"missing_date"},
		ProcessedAt: time.UnixMilli(1700000001000).UTC(),
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	c, err := NewCodec()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		e    *email.Email
	}{
		{"full", sampleEmail()},
		{"stages-not-run", &email.Email{ID: "x", Region: "us-east-1", ProcessedAt: time.UnixMilli(5).UTC()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := FromEmail(tc.e)
			b, err := c.Encode(want)
			if err != nil {
				t.Fatal(err)
			}
			if b[0] != 0xC3 || b[1] != 0x01 {
				t.Fatalf("missing single-object marker: % x", b[:2])
			}
			got, err := c.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			wj, _ := json.Marshal(want)
			gj, _ := json.Marshal(got)
			if string(wj) != string(gj) {
				t.Fatalf("round trip mismatch\nwant %s\ngot  %s", wj, gj)
			}
		})
	}
}

func TestNullWhenStageAbsent(t *testing.T) {
	r := FromEmail(&email.Email{ID: "x", Region: "us-east-1", Subject: "secret subject", Body: "raw body"})
	if r.Language != nil || r.Category != nil || r.Priority != nil || r.Summary != nil || r.PII != nil {
		t.Fatalf("fields of stages that did not run must be null: %+v", r)
	}
	// Without the PII stage the raw text must not reach the record.
	if r.RedactedSubject != nil || r.RedactedBody != nil {
		t.Fatal("unredacted text leaked into record")
	}
}

func TestJSONFieldNames(t *testing.T) {
	b, err := JSON(sampleEmail())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Fields []struct{ Name string } `json:"fields"`
	}
	if err := json.Unmarshal([]byte(SchemaText()), &schema); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range schema.Fields {
		names = append(names, f.Name)
		if _, ok := m[f.Name]; !ok {
			t.Errorf("JSON lacks field %q", f.Name)
		}
	}
	if len(m) != len(names) {
		t.Errorf("JSON has %d keys, schema %d", len(m), len(names))
	}
}

// TestSchemaBackwardCompatible checks the current schema against every
// earlier version kept in testdata: a reader with the current schema must
// be able to resolve records written with an older one (Avro schema
// resolution rules, restricted to what we allow).
func TestSchemaBackwardCompatible(t *testing.T) {
	olds, _ := filepath.Glob("testdata/triaged_email.v*.avsc")
	if len(olds) == 0 {
		t.Fatal("no previous schema versions in testdata")
	}
	cur := parseFields(t, SchemaText())
	for _, path := range olds {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if problems := compatible(cur, parseFields(t, string(b))); len(problems) > 0 {
			t.Errorf("%s: current schema cannot read it: %v", path, problems)
		}
	}
}

func TestCompatibleDetectsBreaks(t *testing.T) {
	old := parseFields(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int"}]}`)
	for name, cur := range map[string]string{
		"type changed":          `{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"b","type":"int"}]}`,
		"new field w/o default": `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int"},{"name":"c","type":"int"}]}`,
	} {
		if len(compatible(parseFields(t, cur), old)) == 0 {
			t.Errorf("%s: not detected", name)
		}
	}
	ok := parseFields(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"c","type":["null","int"],"default":null}]}`)
	if p := compatible(ok, old); len(p) > 0 {
		t.Errorf("compatible change rejected: %v", p)
	}
}

type field struct {
	Type       json.RawMessage
	HasDefault bool
}

func parseFields(t *testing.T, s string) map[string]field {
	t.Helper()
	var sc struct {
		Fields []map[string]json.RawMessage `json:"fields"`
	}
	if err := json.Unmarshal([]byte(s), &sc); err != nil {
		t.Fatal(err)
	}
	out := map[string]field{}
	for _, f := range sc.Fields {
		var name string
		_ = json.Unmarshal(f["name"], &name)
		_, hasDefault := f["default"] // "default": null is a default
		out[name] = field{Type: f["type"], HasDefault: hasDefault}
	}
	return out
}

// compatible lists why a reader with schema cur cannot read data written
// with schema old: a shared field changed type, or a field only the reader
// has lacks a default. Removing a field is allowed (the reader skips it).
func compatible(cur, old map[string]field) []string {
	var problems []string
	for name, f := range cur {
		o, ok := old[name]
		if !ok {
			if !f.HasDefault {
				problems = append(problems, name+": new field without default")
			}
			continue
		}
		var a, b any
		_ = json.Unmarshal(f.Type, &a)
		_ = json.Unmarshal(o.Type, &b)
		if !reflect.DeepEqual(stripDocs(a), stripDocs(b)) {
			problems = append(problems, name+": type changed")
		}
	}
	return problems
}

func stripDocs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, vv := range x {
			if k == "doc" {
				continue
			}
			out[k] = stripDocs(vv)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = stripDocs(vv)
		}
		return out
	}
	return v
}

func BenchmarkEncode(b *testing.B) {
	c, _ := NewCodec()
	r := FromEmail(sampleEmail())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(r); err != nil {
			b.Fatal(err)
		}
	}
}

func TestOversizedTextIsCutAndFlagged(t *testing.T) {
	e := sampleEmail()
	e.RedactedBody = strings.Repeat("é", MaxBodyBytes) // 2 bytes per rune
	r := FromEmail(e)
	if len(*r.RedactedBody) > MaxBodyBytes || !utf8.ValidString(*r.RedactedBody) {
		t.Fatalf("body %d bytes, valid=%v", len(*r.RedactedBody), utf8.ValidString(*r.RedactedBody))
	}
	if !slices.Contains(r.Warnings, "redacted_body_truncated") {
		t.Fatalf("warnings %v", r.Warnings)
	}
	c, _ := NewCodec()
	b, err := c.Encode(r)
	if err != nil || len(b) > 900<<10 {
		t.Fatalf("encoded %d bytes, err %v", len(b), err)
	}
}
