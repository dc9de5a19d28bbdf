package stages

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/triage-dev/triage/corpus"
	"github.com/triage-dev/triage/email"
)

// values in testdata/pii/full.txt, by the level that must redact them.
var piiValues = map[string][]string{
	"basic":    {"4111 1111 1111 1111", "536-90-4399", "54362315-K", "390.533.447-05"},
	"standard": {"DE89 3704 0044 0532 0130 00", "+44 20 7123 4567", "maria.garcia@example.com", "192.168.10.20"},
	"strict":   {"Maria Garcia", "221B Baker Street"},
}

// keep must survive every level: dates, prices, tracking numbers.
var piiKeep = []string{"2024-05-12", "$1234.50", "1Z999AA10123456784"}

func TestPIIStageLevels(t *testing.T) {
	raw, err := os.ReadFile("testdata/pii/full.txt")
	if err != nil {
		t.Fatal(err)
	}
	body := string(raw)
	newText := body[:strings.Index(body, "Best regards")]
	cases := []struct {
		name, region, level string
		redacted            []string
		wantCounts          map[string]int
	}{
		{"us region standard", "us-east-1", "", []string{"basic", "standard"},
			map[string]int{"CREDIT_CARD": 1, "US_SSN": 1, "ES_NIF": 1, "BR_CPF": 1, "IBAN_CODE": 1, "PHONE_NUMBER": 1, "EMAIL_ADDRESS": 1, "IP_ADDRESS": 1}},
		{"eu region strict", "eu-west-1", "", []string{"basic", "standard", "strict"},
			map[string]int{"PERSON": 2, "STREET_ADDRESS": 1, "CREDIT_CARD": 1}},
		{"override basic", "eu-west-1", "basic", []string{"basic"},
			map[string]int{"CREDIT_CARD": 1, "EMAIL_ADDRESS": 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &Config{}
			cfg.PII.Level = c.level
			cfg.EnsureDefaults()
			st, err := newPII(cfg)
			if err != nil {
				t.Fatal(err)
			}
			e := &email.Email{Region: c.region, Subject: "Card 4111 1111 1111 1111 for maria.garcia@example.com", Body: body, NewText: newText}
			if err := st.Process(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if !e.Redacted {
				t.Error("Redacted not set")
			}
			out := e.RedactedSubject + "\n" + e.RedactedBody + "\n" + e.NewText
			for lvl, vals := range piiValues {
				want := false
				for _, r := range c.redacted {
					want = want || r == lvl
				}
				for _, v := range vals {
					if got := !strings.Contains(out, v); got != want {
						t.Errorf("%q redacted=%v, want %v", v, got, want)
					}
				}
			}
			for _, v := range piiKeep {
				if !strings.Contains(e.RedactedBody, v) {
					t.Errorf("%q was redacted but is not personal data", v)
				}
			}
			counts := map[string]int{}
			for _, f := range e.PII {
				if f.Field == "body" {
					counts[f.Type]++
				}
				if f.Field == "body" && (f.End > len(e.Body) || f.Start >= f.End) {
					t.Errorf("bad span %+v", f)
				}
			}
			for typ, n := range c.wantCounts {
				if counts[typ] != n {
					t.Errorf("%s count %d, want %d (all %v)", typ, counts[typ], n, counts)
				}
			}
		})
	}
}

func TestPIIStagePseudonym(t *testing.T) {
	cfg := &Config{Secret: []byte("k1")}
	cfg.PII.Style = "pseudonym"
	cfg.EnsureDefaults()
	st, err := newPII(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &email.Email{Region: "us-east-1", Subject: "from a@example.com", Body: "reply to A@example.com please"}
	if err := st.Process(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	tok := e.RedactedSubject[len("from "):]
	if !strings.HasPrefix(tok, "[EMAIL:") || !strings.Contains(e.RedactedBody, tok) || e.NewText != e.RedactedBody {
		t.Errorf("subject %q body %q newtext %q", e.RedactedSubject, e.RedactedBody, e.NewText)
	}
}

func TestPIIStageBadConfig(t *testing.T) {
	for _, c := range []struct{ style, level string }{{"bogus", ""}, {"", "max"}} {
		cfg := &Config{}
		cfg.PII.Style, cfg.PII.Level = c.style, c.level
		cfg.EnsureDefaults()
		if _, err := newPII(cfg); err == nil {
			t.Errorf("style %q level %q accepted", c.style, c.level)
		}
	}
}

func BenchmarkPIIStage(b *testing.B) {
	raw, err := os.ReadFile("testdata/pii/typical.txt")
	if err != nil {
		b.Fatal(err)
	}
	cfg := &Config{}
	cfg.EnsureDefaults()
	st, _ := newPII(cfg)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := &email.Email{Region: "us-east-1", Language: "en", Subject: "Re: delayed shipment for order 88231", Body: string(raw)}
		_ = st.Process(context.Background(), e)
	}
}

// TestPIIRedactionDeterministic pins a bug: values found in several fields
// were replaced in map order, so when one value contained another
// ("Klaus Becker" and "Becker") the output differed from run to run
// ("An: Klaus [PERSON_REDACTED]" or "An: [PERSON_REDACTED]"). Longest
// values now go first, in a fixed order.
func TestPIIRedactionDeterministic(t *testing.T) {
	s, ok := corpus.Get("21-de-rechnung-outlook.eml")
	if !ok {
		t.Fatal("corpus sample missing")
	}
	built, err := Build(&Config{Disabled: []string{"dedup", "language", "classify", "priority", "summary", "respond"}})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPipeline(built, nil)
	var first string
	for i := 0; i < 30; i++ {
		e := &email.Email{Raw: s.Raw}
		if err := p.Run(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		got := e.RedactedSubject + "\x00" + e.RedactedBody + "\x00" + e.NewText
		if i == 0 {
			first = got
			continue
		}
		if got != first {
			t.Fatalf("run %d redacted differently", i)
		}
	}
}
