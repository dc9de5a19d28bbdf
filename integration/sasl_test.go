package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/kafkaauth"
)

// The SCRAM listener of the harness (scripts/kafka: SASL_PLAINTEXT on
// KAFKA_PORT+2 with one user created at format time). Like the other test
// variables these lack the TRIAGE_ prefix, which triage's config reserves.
const (
	envSASLBrokers  = "INTEGRATION_KAFKA_SASL_BROKERS"
	envSASLUser     = "INTEGRATION_KAFKA_SASL_USER"
	envSASLPassword = "INTEGRATION_KAFKA_SASL_PASSWORD"
)

// saslTarget is a SCRAM-enabled listener and a user it knows.
type saslTarget struct {
	seeds    []string
	user     string
	password string
}

// saslListener returns the SCRAM listener or skips (fails in CI).
func saslListener(t testing.TB) saslTarget {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(envSASLBrokers))
	s := saslTarget{seeds: splitList(v), user: os.Getenv(envSASLUser), password: os.Getenv(envSASLPassword)}
	if len(s.seeds) == 0 || s.user == "" || s.password == "" {
		unavailable(t, "%s, %s and %s are not all set: run `make test-kafka`, or point them at a SASL_PLAINTEXT listener with SCRAM-SHA-256/512 (see docs/testing.md)",
			envSASLBrokers, envSASLUser, envSASLPassword)
	}
	return s
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s saslTarget) config(mech, password string) kafkaauth.Config {
	return kafkaauth.Config{SASL: kafkaauth.SASLConfig{Mechanism: mech, Username: s.user, Password: kafkaauth.Secret(password)}}
}

// saslClient is a test client authenticated with mech; closed with the test.
func saslClient(t testing.TB, s saslTarget, mech string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	sec, err := kafkaauth.Opts(s.config(mech, s.password))
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, s.seeds, append(sec, opts...)...)
}

// TestSCRAM drives kafkaauth against Apache Kafka's SCRAM implementation
// (the unit tests only have kfake's): both mechanisms authenticate, create a
// topic, produce and read back a record; bad credentials fail fast with
// the error that names the settings to check, never hang.
func TestSCRAM(t *testing.T) {
	s := saslListener(t)
	for _, mech := range []string{kafkaauth.MechanismScramSHA256, kafkaauth.MechanismScramSHA512} {
		t.Run(mech, func(t *testing.T) {
			t.Run("round trip", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cl, err := kafkaauth.Dial(ctx, s.config(mech, s.password), kgo.SeedBrokers(s.seeds...))
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				defer cl.Close()
				topic := "it.sasl." + strings.ToLower(mech) + "." + nonce()
				createTopic(t, kadm.NewClient(cl), topic, 1)
				want := "scram round trip " + topic
				if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(want)}).FirstErr(); err != nil {
					t.Fatalf("produce over %s: %v", mech, err)
				}
				cons := saslClient(t, s, mech, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
				for {
					fs := cons.PollFetches(ctx)
					if ctx.Err() != nil {
						t.Fatalf("record not read back over %s within a minute", mech)
					}
					if err := fs.Err0(); err != nil {
						t.Fatalf("fetch over %s: %v", mech, err)
					}
					if recs := fs.Records(); len(recs) > 0 {
						if got := string(recs[0].Value); got != want {
							t.Fatalf("read back %q, want %q", got, want)
						}
						return
					}
				}
			})
			bad := []struct {
				name string
				cfg  kafkaauth.Config
			}{
				{"wrong password", s.config(mech, "not-"+s.password)},
				{"unknown user", kafkaauth.Config{SASL: kafkaauth.SASLConfig{Mechanism: mech, Username: "nobody-" + nonce(), Password: kafkaauth.Secret(s.password)}}},
			}
			for _, tc := range bad {
				t.Run(tc.name, func(t *testing.T) {
					// The bound is the test: a client that retried
					// authentication until its context ended would fail
					// with a deadline instead of ErrAuthFailed.
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					start := time.Now()
					cl, err := kafkaauth.Dial(ctx, tc.cfg, kgo.SeedBrokers(s.seeds...))
					if err == nil {
						cl.Close()
						t.Fatal("dial succeeded with bad credentials")
					}
					took := time.Since(start)
					if !errors.Is(err, kafkaauth.ErrAuthFailed) {
						t.Fatalf("after %v: error %q does not wrap kafkaauth.ErrAuthFailed", took, err)
					}
					if strings.Contains(err.Error(), s.password) {
						t.Fatalf("error leaks the password: %q", err)
					}
					for _, hint := range []string{"kafka.sasl.username", mech} {
						if !strings.Contains(err.Error(), hint) {
							t.Errorf("error %q does not mention %s", err, hint)
						}
					}
					if took > 20*time.Second {
						t.Errorf("bad credentials took %v to fail", took)
					}
				})
			}
		})
	}
}

// TestSCRAMEndToEnd runs the real binary over SCRAM-SHA-512: `triage
// produce`, `triage run` and `triage consume` all take the listener, user
// and mechanism from a config file and the password from
// TRIAGE_KAFKA_SASL_PASSWORD, as an operator would deploy them.
func TestSCRAMEndToEnd(t *testing.T) {
	s := saslListener(t)
	bin := triageBin(t)
	const mech = kafkaauth.MechanismScramSHA512
	run := nonce()
	input, group, suffix := "it.sasl."+run, "it-sasl-"+run, "s"+run
	adm := kadm.NewClient(saslClient(t, s, mech))
	createTopic(t, adm, input, 2)

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "triage.yaml")
	cfg := fmt.Sprintf("kafka:\n  brokers: [%s]\n  sasl:\n    mechanism: %s\n    username: %s\n",
		strings.Join(s.seeds, ", "), mech, s.user)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	emails := makeEmails("sasl"+run, 10, 11)
	mail := filepath.Join(dir, "mail")
	if err := os.MkdirAll(mail, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, e := range emails {
		if err := os.WriteFile(filepath.Join(mail, fmt.Sprintf("%02d.eml", i)), e.Raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := func(password string) []string {
		return append(triageEnv(), "TRIAGE_KAFKA_SASL_PASSWORD="+password)
	}
	// cli runs a short-lived triage command, bounded so a client stuck
	// retrying authentication fails the test instead of hanging it.
	cli := func(password string, args ...string) (stdout, stderr string, err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env(password)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		if ctx.Err() != nil {
			err = fmt.Errorf("triage %s did not finish within 90s", args[0])
		}
		return o.String(), e.String(), err
	}

	t.Run("produce with a wrong password", func(t *testing.T) {
		_, stderr, err := cli("not-"+s.password, "produce", "--config", cfgPath, "--topic", input, mail)
		if err == nil {
			t.Fatal("produce succeeded with a wrong password")
		}
		if !strings.Contains(stderr, "SASL authentication failed") || !strings.Contains(stderr, "kafka.sasl.username") {
			t.Errorf("stderr does not explain the failure: %s", stderr)
		}
		if strings.Contains(stderr, s.password) {
			t.Errorf("stderr leaks the password: %s", stderr)
		}
	})

	if _, stderr, err := cli(s.password, "produce", "--config", cfgPath, "--topic", input, mail); err != nil {
		t.Fatalf("triage produce over SASL: %v: %s", err, stderr)
	}

	logf, err := os.Create(filepath.Join(dir, "run.log"))
	if err != nil {
		t.Fatal(err)
	}
	p := &triageProc{opts: runOpts{Name: "sasl", Group: group, Input: input, Suffix: suffix}, done: make(chan struct{}), logPath: logf.Name()}
	p.cmd = exec.Command(bin, "run", "--config", cfgPath, "--group", group, "--input-topic", input,
		"--state-dir", filepath.Join(dir, "state"), "--admin-addr", "127.0.0.1:0", "--output-suffix", suffix)
	p.cmd.Env = env(s.password)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start triage run: %v", err)
	}
	go func() {
		err := p.cmd.Wait()
		logf.Close()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	waitGroupCaughtUp(t, adm, group, input, 3*time.Minute, p)
	if err := p.stop(30 * time.Second); err != nil {
		t.Errorf("graceful stop: %v; log:\n%s", err, p.tail(20))
	}

	args := []string{"consume", "--config", cfgPath, "--from-beginning", "--max", fmt.Sprint(len(emails)), "--timeout", "30s"}
	for _, rd := range regionDomains {
		args = append(args, "--topic", outputTopic(rd.region, suffix))
	}
	stdout, stderr, err := cli(s.password, args...)
	if err != nil {
		t.Fatalf("triage consume over SASL: %v: %s", err, stderr)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			MessageID string `json:"message_id"`
			Region    string `json:"region"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("consume printed a line that is not a JSON record: %v", err)
		}
		got[rec.MessageID] = rec.Region
	}
	for _, e := range emails {
		region, ok := got[e.MessageID]
		switch {
		case !ok:
			t.Errorf("%s: not read back by triage consume", e.MessageID)
		case region != e.Region:
			t.Errorf("%s: region %q, want %q", e.MessageID, region, e.Region)
		}
	}
	if len(got) != len(emails) {
		t.Errorf("consume returned %d distinct emails, want %d", len(got), len(emails))
	}
}
