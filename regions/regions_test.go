package regions

import (
	"strings"
	"testing"
)

func TestBuiltins(t *testing.T) {
	r := Default()
	cases := []struct {
		region, framework, level string
		days                     int
	}{
		{"us-east-1", "CCPA", LevelStandard, 365},
		{"eu-west-1", "GDPR", LevelStrict, 30},
		{"ap-southeast-1", "PDPA", LevelStandard, 30},
		{"ca-central-1", "PIPEDA", LevelStandard, 90},
		{"sa-east-1", "LGPD", LevelStandard, 90},
	}
	for _, c := range cases {
		p := r.Policy(c.region)
		if p == nil {
			t.Fatalf("%s: no policy", c.region)
		}
		if p.Framework != c.framework || p.RedactionLevel != c.level || p.RetentionDays != c.days {
			t.Errorf("%s: got %s/%s/%d", c.region, p.Framework, p.RedactionLevel, p.RetentionDays)
		}
		if LevelRank(p.RedactionLevel) < LevelRank(FrameworkMinimumLevel[p.Framework]) {
			t.Errorf("%s: built-in level below framework minimum", c.region)
		}
		cfg := p.TopicConfigs()
		if *cfg["cleanup.policy"] != "delete" || *cfg["retention.ms"] != itoa(int64(c.days)*86400000) {
			t.Errorf("%s: topic configs %s %s", c.region, *cfg["retention.ms"], *cfg["cleanup.policy"])
		}
		if p.StateRetention() != p.Retention() {
			t.Errorf("%s: state retention defaults to retention", c.region)
		}
	}
}

func itoa(v int64) string {
	var b []byte
	for v > 0 {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
	}
	return string(b)
}

func TestOverridesAndValidation(t *testing.T) {
	cases := []struct {
		name    string
		opts    Options
		wantErr []string
		check   func(t *testing.T, r *Registry)
	}{
		{name: "override retention keeps the rest",
			opts: Options{Policies: []Policy{{Region: "eu-west-1", RetentionDays: 14, StateRetentionDays: 7}}},
			check: func(t *testing.T, r *Registry) {
				p := r.Policy("eu-west-1")
				if p.RetentionDays != 14 || p.Framework != "GDPR" || p.StateRetentionDays != 7 {
					t.Errorf("got %+v", p)
				}
			}},
		{name: "new region",
			opts: Options{Policies: []Policy{{Region: "eu-central-1", Framework: "GDPR", RetentionDays: 30, RedactionLevel: LevelStrict, Domains: []string{"ch"}}}},
			check: func(t *testing.T, r *Registry) {
				if got := r.Resolve("", "", []string{"firma.ch"}); got.Region != "eu-central-1" || got.By != "domain" {
					t.Errorf("resolve: %+v", got)
				}
				if r.OutputTopic("eu-central-1") != "emails.triaged.eu-central-1" {
					t.Error(r.OutputTopic("eu-central-1"))
				}
			}},
		{name: "every problem reported",
			opts: Options{Policies: []Policy{
				{Region: "x-1", Framework: "HIPAA", RetentionDays: 0, RedactionLevel: "none"},
				{Region: "us-east-1", StateRetentionDays: 400, CleanupPolicy: "compact"},
			}},
			wantErr: []string{"regions.x-1.framework", "regions.x-1.retention_days", "regions.x-1.redaction_level",
				"regions.us-east-1.state_retention_days", "regions.us-east-1.cleanup_policy"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := New(c.opts)
			if len(c.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, r)
		})
	}
}

func TestResolve(t *testing.T) {
	r, err := New(Options{TopicRegion: map[string]string{"emails.br": "sa-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		hint, topic string
		domains     []string
		want        Resolution
	}{
		{"eu-west-1", "emails.br", nil, Resolution{Region: "eu-west-1", By: "header"}},
		{"", "emails.br", []string{"x.de"}, Resolution{Region: "sa-east-1", By: "topic"}},
		{"", "", []string{"shop.de"}, Resolution{Region: "eu-west-1", By: "domain"}},
		{"", "", []string{"example.sg"}, Resolution{Region: "ap-southeast-1", By: "domain"}},
		{"mars-1", "", nil, Resolution{Region: "us-east-1", By: "default", Unknown: true}},
		{"", "", []string{"example.invalid"}, Resolution{Region: "us-east-1", By: "default"}},
	}
	for _, c := range cases {
		if got := r.Resolve(c.hint, c.topic, c.domains); got != c.want {
			t.Errorf("Resolve(%q,%q,%v) = %+v, want %+v", c.hint, c.topic, c.domains, got, c.want)
		}
	}
}

func TestIsSensitive(t *testing.T) {
	p := Default().Policy("eu-west-1")
	if !p.IsSensitive("CREDIT_CARD") || !p.IsSensitive("HEALTH") || p.IsSensitive("EMAIL_ADDRESS") {
		t.Error("eu-west-1 sensitive types wrong")
	}
}
