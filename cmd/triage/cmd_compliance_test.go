package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/triage-dev/triage/regions"
)

// TestComplianceCheckKfake creates region topics on an in-process cluster
// with the policy's configs, then raises one topic's retention beyond the
// policy and expects exactly that check to fail.
func TestComplianceCheckKfake(t *testing.T) {
	_, cl := emptyCluster(t)
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reg := regions.Default()
	p := reg.Policy("eu-west-1")
	for _, topic := range []string{reg.OutputTopic("eu-west-1"), reg.DLQTopic("eu-west-1")} {
		if _, err := adm.CreateTopic(ctx, 1, 1, p.TopicConfigs(), topic); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name      string
		framework string
		region    string
		mutate    func()
		wantFail  []string
		wantErr   string
	}{
		{name: "created by policy passes", framework: "gdpr"},
		{name: "other region missing topics", region: "us-east-1", wantFail: []string{"output topic exists", "dlq topic exists"}},
		{name: "unknown region", region: "mars-1", wantErr: "no region matches"},
		{name: "retention raised", region: "eu-west-1", mutate: func() {
			v := "2678400000"
			if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "retention.ms", Value: &v}}, reg.OutputTopic("eu-west-1")); err != nil {
				t.Fatal(err)
			}
		}, wantFail: []string{"output retention.ms (retention_exceeds_policy)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.mutate != nil {
				tc.mutate()
			}
			checks, err := complianceChecks(ctx, adm, reg, tc.framework, tc.region)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			failed := printChecks(&buf, checks)
			var got []string
			for _, ch := range checks {
				if !ch.Pass {
					got = append(got, ch.Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.wantFail, ",") || failed != len(tc.wantFail) {
				t.Errorf("failures %q, want %q\n%s", got, tc.wantFail, buf.String())
			}
			if !strings.Contains(buf.String(), "RESULT") {
				t.Errorf("no table header:\n%s", buf.String())
			}
		})
	}
}
