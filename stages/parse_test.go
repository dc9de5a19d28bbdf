package stages

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/regions"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files in testdata")

var parseTestSecret = []byte("parse-test-secret")

func newParseForTest(t testing.TB, opts ...func(*Config)) Stage {
	t.Helper()
	cfg := &Config{Secret: parseTestSecret}
	for _, o := range opts {
		o(cfg)
	}
	cfg.EnsureDefaults()
	s, err := newParse(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// parseGolden is the view of a parsed email pinned by the golden files:
// everything the parse stage fills, with the headers reduced to their keys
// (values repeat what the decoded fields show).
type parseGolden struct {
	ID           string             `json:"id"`
	MessageID    string             `json:"message_id"`
	DedupKey     string             `json:"dedup_key"`
	Participants int                `json:"participants"`
	Region       string             `json:"region"`
	Framework    string             `json:"framework"`
	HeaderKeys   []string           `json:"header_keys"`
	From         email.Address      `json:"from"`
	Sender       email.Address      `json:"sender"`
	ReplyTo      []email.Address    `json:"reply_to"`
	To           []email.Address    `json:"to"`
	Cc           []email.Address    `json:"cc"`
	Subject      string             `json:"subject"`
	Date         string             `json:"date"`
	Body         string             `json:"body"`
	NewText      string             `json:"new_text"`
	Attachments  []email.Attachment `json:"attachments"`
	Links        []email.Link       `json:"links"`
	Flags        email.Flags        `json:"flags"`
	ThreadDepth  int                `json:"thread_depth"`
	Warnings     []string           `json:"warnings"`
}

func goldenView(e *email.Email) parseGolden {
	g := parseGolden{
		ID: e.ID, MessageID: e.MessageID, DedupKey: e.DedupKey, Participants: len(e.Participants),
		Region: e.Region, Framework: e.Framework,
		From: e.From, Sender: e.Sender, ReplyTo: e.ReplyTo, To: e.To, Cc: e.Cc,
		Subject: e.Subject, Body: e.Body, NewText: e.NewText,
		Attachments: e.Attachments, Links: e.Links, Flags: e.Flags, ThreadDepth: e.ThreadDepth,
		Warnings: e.Warnings,
	}
	if !e.Date.IsZero() {
		g.Date = e.Date.Format(time.RFC3339)
	}
	for k := range e.Headers {
		g.HeaderKeys = append(g.HeaderKeys, k)
	}
	sortStrings(g.HeaderKeys)
	return g
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestParseGolden parses every testdata/parse/*.eml and compares the result
// with its .golden.json. Regenerate with
// `go test ./stages -run TestParseGolden -update` and review the diff.
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/parse/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	s := newParseForTest(t)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			e := &email.Email{Raw: raw}
			if err := s.Process(context.Background(), e); err != nil {
				t.Fatalf("process: %v", err)
			}
			got, err := json.MarshalIndent(goldenView(e), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			gf := strings.TrimSuffix(f, ".eml") + ".golden.json"
			if *updateGolden {
				if err := os.WriteFile(gf, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(gf)
			if err != nil {
				t.Fatalf("missing golden file (run with -update): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (rerun with -update and review the diff)\ngot:\n%s", gf, got)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		raw    []byte
		max    int
		reason string
	}{
		{"empty", nil, 0, "unreadable_mime"},
		{"whitespace", []byte(" \r\n\t\n"), 0, "unreadable_mime"},
		{"binary", bytes.Repeat([]byte{0, 1, 2, 3, 0xff, 0x10}, 200), 0, "unreadable_mime"},
		{"too large", []byte("Subject: x\r\n\r\n" + strings.Repeat("a", 200)), 100, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newParseForTest(t, func(c *Config) { c.Parse.MaxBytes = tt.max })
			err := s.Process(context.Background(), &email.Email{Raw: tt.raw})
			if err == nil {
				t.Fatal("want error")
			}
			if Classify(err) != ClassDLQ || Reason(err) != tt.reason {
				t.Errorf("got class %v reason %q, want dlq %q (%v)", Classify(err), Reason(err), tt.reason, err)
			}
		})
	}
}

func TestParseIdentity(t *testing.T) {
	msg := func(id, from, subject, body string) []byte {
		var b strings.Builder
		b.WriteString("From: " + from + "\r\nTo: r@example.com\r\nSubject: " + subject + "\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n")
		if id != "" {
			b.WriteString("Message-ID: " + id + "\r\n")
		}
		b.WriteString("\r\n" + body + "\r\n")
		return []byte(b.String())
	}
	s := newParseForTest(t)
	run := func(raw []byte) *email.Email {
		e := &email.Email{Raw: raw}
		if err := s.Process(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	tests := []struct {
		name    string
		a, b    []byte
		sameID  bool
		warnMID bool
	}{
		{"same id, different case in domain and brackets",
			msg("<abc@EXAMPLE.com>", "a@example.com", "s", "x"), msg(" abc@example.COM ", "b@example.com", "t", "y"), true, false},
		{"local part is case-sensitive",
			msg("<ABC@example.com>", "a@example.com", "s", "x"), msg("<abc@example.com>", "a@example.com", "s", "x"), false, false},
		{"no id: same sender, date, subject, body",
			msg("", "a@example.com", "s", "x"), msg("", "A@Example.com", "s", "x"), true, true},
		{"no id: different body",
			msg("", "a@example.com", "s", "x"), msg("", "a@example.com", "s", "y"), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ea, eb := run(tt.a), run(tt.b)
			if (ea.ID == eb.ID) != tt.sameID || (ea.DedupKey == eb.DedupKey) != tt.sameID {
				t.Errorf("ids %s %s / dedup %s %s: want same=%v", ea.ID, eb.ID, ea.DedupKey, eb.DedupKey, tt.sameID)
			}
			if len(ea.ID) != 32 || len(ea.DedupKey) != 64 {
				t.Errorf("id %q dedup %q: want 32 and 64 hex chars", ea.ID, ea.DedupKey)
			}
			has := false
			for _, w := range ea.Warnings {
				has = has || w == WarnMissingMessageID
			}
			if has != tt.warnMID {
				t.Errorf("missing_message_id warning = %v, want %v", has, tt.warnMID)
			}
			if !tt.warnMID && EmailID(parseTestSecret, ea.MessageID) != ea.ID {
				t.Errorf("EmailID disagrees with the stage")
			}
		})
	}
	// The id is keyed: another secret gives another id.
	if EmailID([]byte("other"), "abc@example.com") == EmailID(parseTestSecret, "abc@example.com") {
		t.Error("EmailID ignores the secret")
	}
	if EmailID(parseTestSecret, "<abc@EXAMPLE.COM>") != EmailID(parseTestSecret, "abc@example.com") {
		t.Error("EmailID does not normalize")
	}
}

func TestParseParticipantsAndRegion(t *testing.T) {
	raw := []byte("From: A <A@example.com>\r\nTo: b@firma.example.de, a@example.com\r\nCc: C <b@FIRMA.example.de>, d@example.fr\r\n" +
		"Subject: x\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <p@example.com>\r\n\r\nbody\r\n")
	tests := []struct {
		name, hint, topic string
		topicMap          map[string]string
		region, fw        string
		unknown           bool
	}{
		{"domain decides", "", "", nil, "eu-west-1", "GDPR", false},
		{"hint wins", "sa-east-1", "", nil, "sa-east-1", "LGPD", false},
		{"unknown hint falls through with warning", "mars-1", "", nil, "eu-west-1", "GDPR", true},
		{"topic map", "", "in.ca", map[string]string{"in.ca": "ca-central-1"}, "ca-central-1", "PIPEDA", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newParseForTest(t, func(c *Config) {
				if tt.topicMap != nil {
					r, err := regionsWithTopics(tt.topicMap)
					if err != nil {
						t.Fatal(err)
					}
					c.Regions = r
				}
			})
			e := &email.Email{Raw: raw, RegionHint: tt.hint, Source: email.Source{Topic: tt.topic}}
			if err := s.Process(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if e.Region != tt.region || e.Framework != tt.fw {
				t.Errorf("region %s/%s, want %s/%s", e.Region, e.Framework, tt.region, tt.fw)
			}
			warned := false
			for _, w := range e.Warnings {
				warned = warned || w == WarnUnknownRegion
			}
			if warned != tt.unknown {
				t.Errorf("unknown_region_hint warning = %v, want %v", warned, tt.unknown)
			}
			// a@example.com, b@firma.example.de, d@example.fr: three
			// distinct addresses, case-insensitively.
			if len(e.Participants) != 3 {
				t.Errorf("participants = %d, want 3", len(e.Participants))
			}
			for _, p := range e.Participants {
				if len(p) != 32 || strings.Contains(p, "@") {
					t.Errorf("participant %q is not a 16-byte hex hash", p)
				}
			}
		})
	}
}

func BenchmarkParseStage(b *testing.B) {
	raw, err := os.ReadFile("testdata/parse/shape-reply-gmail-depth3.eml")
	if err != nil {
		b.Fatal(err)
	}
	s := newParseForTest(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		e := &email.Email{Raw: raw}
		if err := s.Process(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
}

func regionsWithTopics(m map[string]string) (*regions.Registry, error) {
	return regions.New(regions.Options{TopicRegion: m})
}
