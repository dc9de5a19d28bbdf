package compliance

import (
	"testing"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/regions"
)

func TestEmailSignals(t *testing.T) {
	reg := regions.Default()
	cases := []struct {
		name   string
		region string
		e      email.Email
		want   []string
	}{
		{"card in eu", "eu-west-1", email.Email{Region: "eu-west-1", PII: []email.PIIFinding{{Type: "CREDIT_CARD"}}}, []string{RuleSensitiveRestricted}},
		{"card in us (not restricted)", "us-east-1", email.Email{Region: "us-east-1", PII: []email.PIIFinding{{Type: "CREDIT_CARD"}}}, nil},
		{"email only in eu", "eu-west-1", email.Email{Region: "eu-west-1", PII: []email.PIIFinding{{Type: "EMAIL_ADDRESS"}}}, nil},
		{"health in eu", "eu-west-1", email.Email{Region: "eu-west-1", Redacted: true, RedactedBody: "Mein Arzt hat eine Diagnose gestellt"}, []string{RuleSensitiveRestricted}},
		{"health word inside another", "eu-west-1", email.Email{Region: "eu-west-1", Redacted: true, RedactedBody: "the patients' cancerous... no: impatient"}, nil},
		{"mismatch", "us-east-1", email.Email{Region: "us-east-1", RegionHint: "mars-1"}, []string{RuleRegionMismatch}},
		{"hint honoured", "sa-east-1", email.Email{Region: "sa-east-1", RegionHint: "sa-east-1", PII: []email.PIIFinding{{Type: "BR_CPF"}}}, []string{RuleSensitiveRestricted}},
	}
	for _, c := range cases {
		got := EmailSignals(&c.e, reg.Policy(c.region))
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i].Rule != c.want[i] || got[i].Framework != reg.Policy(c.region).Framework {
				t.Errorf("%s: got %v want %v", c.name, got, c.want)
			}
		}
	}
}

func TestCheckRegion(t *testing.T) {
	p := regions.Default().Policy("eu-west-1")
	good := func(name string) TopicConfig {
		return TopicConfig{Name: name, Exists: true, Configs: map[string]string{"retention.ms": "2592000000", "cleanup.policy": "delete"}}
	}
	cases := []struct {
		name     string
		in       Input
		failures int
	}{
		{"all good", Input{Policy: p, Output: good("o"), DLQ: good("d")}, 0},
		{"retention raised", Input{Policy: p, Output: TopicConfig{Name: "o", Exists: true, Configs: map[string]string{"retention.ms": "2592000001", "cleanup.policy": "delete"}}, DLQ: good("d")}, 1},
		{"infinite and compacted", Input{Policy: p, Output: TopicConfig{Name: "o", Exists: true, Configs: map[string]string{"retention.ms": "-1", "cleanup.policy": "compact"}}, DLQ: good("d")}, 2},
		{"dlq missing", Input{Policy: p, Output: good("o"), DLQ: TopicConfig{Name: "d"}}, 1},
		{"state too long", Input{Policy: p, Output: good("o"), DLQ: good("d"), StateRetentionDays: 31}, 1},
	}
	for _, c := range cases {
		fails := 0
		for _, ch := range CheckRegion(c.in) {
			if !ch.Pass {
				fails++
			}
		}
		if fails != c.failures {
			t.Errorf("%s: %d failures, want %d: %+v", c.name, fails, c.failures, CheckRegion(c.in))
		}
	}
	weak := *p
	weak.RedactionLevel = regions.LevelStandard
	if v := CheckRegion(Input{Policy: &weak, Output: good("o"), DLQ: good("d")}); v[len(v)-1].Pass {
		t.Error("GDPR with standard redaction passed")
	}
}
