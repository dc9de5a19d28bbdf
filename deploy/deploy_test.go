package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.yaml.in/yaml/v3"

	"github.com/triage-dev/triage/lag"
	"github.com/triage-dev/triage/metrics"
	"github.com/triage-dev/triage/stages"
)

// exported scrapes, over HTTP, a processor's registry after one of every
// event and the lag exporter after one poll, and returns every metric
// family name (histograms also as _bucket/_sum/_count).
func exported(t *testing.T) map[string]bool {
	t.Helper()
	m := metrics.New(metrics.Options{Categories: []string{"support"}})
	m.ObserveStage("parse", time.Millisecond, stages.Permanent("too_large", errors.New("x")))
	m.Processed("eu-west-1", "support", "en", time.Second)
	m.PII("eu-west-1", "EMAIL_ADDRESS", 1)
	m.Duplicate("eu-west-1")
	m.DeadLetter("eu-west-1", "parse", "too_large")
	m.Transaction("committed", time.Millisecond)
	m.Rebalance("assigned")
	m.PartitionsAssigned(1)
	m.Lag("emails.raw", 0, 1, time.Second)
	m.Restore(0, 10, false, 0)
	m.Restore(0, 0, true, time.Second)
	m.ComplianceViolation("GDPR", "special_category")
	m.SetState(metrics.StateFuncs{Entries: func() int64 { return 1 }, Bytes: func() int64 { return 1 }, Deletions: func() uint64 { return 1 }})

	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "emails.raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("emails.raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	var os kadm.Offsets
	os.AddOffset("emails.raw", 0, 0, -1)
	if err := kadm.NewClient(cl).CommitAllOffsets(ctx, "triage", os); err != nil {
		t.Fatal(err)
	}
	exp := lag.NewExporter(lag.NewMeasurer(cl), []string{"triage"}, 3)
	if _, err := exp.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	lagReg := prometheus.NewRegistry()
	lagReg.MustRegister(exp)

	names := map[string]bool{}
	for _, h := range []*httptest.Server{
		httptest.NewServer(m.Handler()),
		httptest.NewServer(promhttp.HandlerFor(lagReg, promhttp.HandlerOpts{})),
	} {
		resp, err := h.Client().Get(h.URL)
		if err != nil {
			t.Fatal(err)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		mfs, err := parser.TextToMetricFamilies(resp.Body)
		resp.Body.Close()
		h.Close()
		if err != nil {
			t.Fatal(err)
		}
		for n, mf := range mfs {
			names[n] = true
			if mf.GetType().String() == "HISTOGRAM" {
				for _, s := range []string{"_bucket", "_sum", "_count"} {
					names[n+s] = true
				}
			}
		}
	}
	return names
}

var metricName = regexp.MustCompile(`\b((?:triage|process|go)_[a-zA-Z0-9_]+)`)

type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Record string `yaml:"record"`
			Alert  string `yaml:"alert"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestRulesAndDashboardUseExportedMetrics fails when a rule or dashboard
// expression names a metric the binary does not export (a renamed metric
// would otherwise leave a silent, never-firing alert or an empty panel).
func TestRulesAndDashboardUseExportedMetrics(t *testing.T) {
	have := exported(t)
	recorded := map[string]bool{}
	type use struct{ file, expr string }
	var exprs []use

	rules, _ := filepath.Glob("prometheus/triage_*.yml")
	for _, f := range rules {
		if strings.HasSuffix(f, "_test.yml") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rf ruleFile
		if err := yaml.Unmarshal(b, &rf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					recorded[r.Record] = true
				}
				exprs = append(exprs, use{f, r.Expr})
			}
		}
	}
	if len(exprs) < 10 {
		t.Fatalf("only %d rule expressions found", len(exprs))
	}

	b, err := os.ReadFile("grafana/dashboards/triage.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, use{"dashboard", tg.Expr})
			n++
		}
	}
	for _, v := range dash.Templating.List {
		exprs = append(exprs, use{"dashboard variable", v.Definition})
	}
	if n < 20 {
		t.Fatalf("only %d dashboard targets found", n)
	}

	missing := map[string]string{}
	for _, u := range exprs {
		expr := u.expr
		for r := range recorded {
			if strings.Contains(r, ":") { // job:triage_inputs:rate5m is a rule output
				expr = strings.ReplaceAll(expr, r, "")
			}
		}
		for _, mm := range metricName.FindAllStringSubmatch(expr, -1) {
			name := mm[1]
			if !have[name] && !recorded[name] {
				missing[name] = u.file
			}
		}
	}
	var out []string
	for n, f := range missing {
		out = append(out, n+" ("+f+")")
	}
	sort.Strings(out)
	if len(out) > 0 {
		t.Errorf("expressions use metrics the binary does not export:\n  %s", strings.Join(out, "\n  "))
	}
}

// TestPromtool runs promtool's rule and config checks and the rule unit
// tests when promtool is installed (make check-deploy installs it).
func TestPromtool(t *testing.T) {
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (make check-deploy installs it)")
	}
	tests := [][]string{
		{"check", "rules", "triage_recording.yml", "triage_alerts.yml"},
		{"check", "config", "prometheus.yml"},
		{"test", "rules", "triage_rules_test.yml"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args[:2], "_"), func(t *testing.T) {
			cmd := exec.Command(path, args...)
			cmd.Dir = "prometheus"
			if out, err := cmd.CombinedOutput(); err != nil {
				sc := bufio.NewScanner(strings.NewReader(string(out)))
				var lines []string
				for sc.Scan() {
					lines = append(lines, sc.Text())
				}
				t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, strings.Join(lines, "\n"))
			}
		})
	}
}
