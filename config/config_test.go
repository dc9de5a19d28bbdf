package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fakeEnv(kv ...string) func() []string { return func() []string { return kv } }

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "triage.yaml")
	os.WriteFile(f, []byte("kafka:\n  group: from-file\n  brokers: [file:9092]\nlog:\n  level: debug\ndev: true\n"), 0o600)
	c, err := LoadEnv(f, map[string]any{"kafka.brokers": "flag:9092,flag2:9092"},
		fakeEnv("TRIAGE_KAFKA_GROUP=from-env", "TRIAGE_KAFKA_INPUT_TOPICS=a, b"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kafka.Group != "from-env" {
		t.Errorf("env must beat file: group=%q", c.Kafka.Group)
	}
	if strings.Join(c.Kafka.Brokers, ",") != "flag:9092,flag2:9092" {
		t.Errorf("flag must beat file: %v", c.Kafka.Brokers)
	}
	if strings.Join(c.Kafka.InputTopics, ",") != "a,b" {
		t.Errorf("env list: %v", c.Kafka.InputTopics)
	}
	if c.Log.Level != "debug" || c.Kafka.Mode != ModeExactlyOnce {
		t.Errorf("file/default: %+v", c.Log)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateReportsEverything(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "bad.yaml")
	os.WriteFile(f, []byte(`
kafka:
  brokers: [nohost]
  mode: twice
  sesion_timeout: 10s
log:
  level: loud
pii:
  style: blur
default_region: mars-1
`), 0o600)
	c, err := LoadEnv(f, nil, fakeEnv("TRIAGE_NOPE=1"))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, want := range []string{"kafka.brokers", "kafka.mode", "kafka.sesion_timeout: unknown key", "log.level", "pii.style", "default_region", "TRIAGE_NOPE", "secret:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Error("error must be one line")
	}
}

func TestMissingFile(t *testing.T) {
	_, err := LoadEnv("/nonexistent/triage.yaml", nil, fakeEnv())
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("got %v", err)
	}
}

func TestMaskedHidesSecrets(t *testing.T) {
	c, _ := LoadEnv("", nil, fakeEnv("TRIAGE_SECRET=supersecretvalue123", "TRIAGE_KAFKA_SASL_PASSWORD=hunter2hunter2"))
	m := c.Masked()
	if m.Secret != "***" || m.Kafka.SASL.Password != "***" {
		t.Fatalf("not masked: %+v", m)
	}
	if c.Secret != "supersecretvalue123" {
		t.Fatal("Masked must not modify the original")
	}
}

func TestRegionOverrides(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "r.yaml")
	os.WriteFile(f, []byte("dev: true\nregions:\n  eu-west-1:\n    retention_days: 14\n  me-central-1:\n    framework: gdpr\n    retention_days: 10\n    redaction_level: strict\n"), 0o600)
	c, err := LoadEnv(f, nil, fakeEnv())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	r, _ := c.RegionRegistry()
	if r.Policy("eu-west-1").RetentionDays != 14 || r.Policy("eu-west-1").Framework != "GDPR" {
		t.Errorf("override not merged: %+v", r.Policy("eu-west-1"))
	}
	if r.Policy("me-central-1") == nil {
		t.Error("new region missing")
	}
}
