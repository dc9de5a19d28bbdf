package main

import (
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/stages"
)

// configFlags are the flags every config-driven command shares. Each maps
// to a config key; only flags the user set override the file and env.
type configFlags struct {
	fs   *pflag.FlagSet
	path *string
	keys map[string]string // flag name -> config key
}

func addConfigFlags(fs *pflag.FlagSet) *configFlags {
	cf := &configFlags{fs: fs, keys: map[string]string{}}
	cf.path = fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file (env TRIAGE_CONFIG)")
	str := func(name, key, usage string) {
		fs.String(name, "", usage)
		cf.keys[name] = key
	}
	str("brokers", "kafka.brokers", "comma-separated seed brokers (env TRIAGE_KAFKA_BROKERS)")
	str("group", "kafka.group", "consumer group (default triage)")
	fs.StringArray("input-topic", nil, "input topic, repeatable (default emails.raw)")
	cf.keys["input-topic"] = "kafka.input_topics"
	str("instance-id", "kafka.instance_id", "static group membership id (e.g. the pod name)")
	str("mode", "kafka.mode", "exactly-once (default) or at-least-once")
	str("state-dir", "state.dir", "Pebble dedup state directory")
	str("admin-addr", "admin_addr", "metrics/health listen address, \"off\" to disable (env TRIAGE_ADMIN_ADDR, default :9090)")
	str("default-region", "default_region", "region for mail no rule routes")
	str("output-suffix", "output_suffix", "suffix for output topics (blue/green replay)")
	str("log-level", "log.level", "debug, info, warn, error")
	str("log-format", "log.format", "json, text or auto")
	fs.Bool("dev", false, "allow the built-in development HMAC secret (never in production)")
	cf.keys["dev"] = "dev"
	fs.Bool("no-dedup", false, "disable the dedup stage (replay with --state bypass)")
	cf.keys["no-dedup"] = "dedup.enabled"
	return cf
}

// load builds and validates the config.
func (cf *configFlags) load() (*config.Config, error) {
	over := map[string]any{}
	cf.fs.Visit(func(f *pflag.Flag) {
		key, ok := cf.keys[f.Name]
		if !ok {
			return
		}
		switch f.Name {
		case "dev":
			over[key] = f.Value.String() == "true"
		case "no-dedup":
			over[key] = f.Value.String() != "true"
		case "input-topic":
			v, _ := cf.fs.GetStringArray("input-topic")
			over[key] = v
		default:
			over[key] = f.Value.String()
		}
	})
	c, err := config.Load(*cf.path, over)
	if err != nil {
		return nil, err
	}
	return c, c.Validate()
}

// stageConfig maps the app config onto what stages need.
func stageConfig(c *config.Config) (*stages.Config, error) {
	secret, err := c.SecretBytes()
	if err != nil {
		return nil, err
	}
	reg, err := c.RegionRegistry()
	if err != nil {
		return nil, err
	}
	sc := &stages.Config{Secret: secret, Regions: reg, Disabled: c.Stages.Disabled}
	sc.PII.Style = c.PII.Style
	sc.PII.Level = c.PII.Level
	sc.Priority.VIPSenders = c.Priority.VIPSenders
	sc.Priority.VIPDomains = c.Priority.VIPDomains
	sc.Summary.MaxChars = c.Summary.MaxChars
	sc.Respond.Tone = c.Respond.Tone
	sc.Respond.Signature = c.Respond.Signature
	sc.Respond.TemplatesDir = c.Respond.TemplatesDir
	return sc, nil
}

// newLogger builds the process logger: JSON by default, text on a terminal.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	if format == "auto" || format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func init() {
	c := &command{
		name:    "config",
		summary: "print the effective config (secrets masked) or validate it",
		usage: "triage config print|validate [--config F] [flags]\n\nExamples:\n  triage config print --config triage.yaml\n" +
			"  TRIAGE_KAFKA_BROKERS=k1:9092 triage config validate --config triage.yaml",
	}
	c.run = runConfig(c)
	register(c)
}
