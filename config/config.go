package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"

	"github.com/triage-dev/triage/regions"
)

// EnvPrefix prefixes every environment variable the config reads.
const EnvPrefix = "TRIAGE_"

// Modes of the processing loop.
const (
	ModeExactlyOnce = "exactly-once"
	ModeAtLeastOnce = "at-least-once"
)

// Config is the whole application configuration.
type Config struct {
	Kafka     Kafka  `koanf:"kafka"`
	AdminAddr string `koanf:"admin_addr"`
	State     State  `koanf:"state"`
	// Secret keys ids, dedup keys, participant hashes and pseudonyms. Prefer
	// SecretFile; never printed.
	Secret     string `koanf:"secret"`
	SecretFile string `koanf:"secret_file"`
	// Dev allows running with the built-in development secret.
	Dev bool `koanf:"dev"`

	DefaultRegion       string                  `koanf:"default_region"`
	Regions             map[string]RegionPolicy `koanf:"regions"`
	TopicRegions        map[string]string       `koanf:"topic_regions"`
	OutputTopicTemplate string                  `koanf:"output_topic_template"`
	DLQTopicTemplate    string                  `koanf:"dlq_topic_template"`
	// OutputSuffix is appended to output topic names for blue/green replays
	// ("v2" -> emails.triaged.eu-west-1.v2).
	OutputSuffix string `koanf:"output_suffix"`

	Log             Log           `koanf:"log"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	Workers         int           `koanf:"workers"`

	Stages   StagesCfg `koanf:"stages"`
	PII      PII       `koanf:"pii"`
	Priority Priority  `koanf:"priority"`
	Summary  Summary   `koanf:"summary"`
	Respond  Respond   `koanf:"respond"`
	Dedup    Dedup     `koanf:"dedup"`

	// unknown holds file keys and environment variables that matched no
	// config key; Validate reports them with the other problems.
	unknown []string
}

// Kafka is the connection and consumer-group configuration.
type Kafka struct {
	Brokers     []string `koanf:"brokers"`
	InputTopics []string `koanf:"input_topics"`
	Group       string   `koanf:"group"`
	// InstanceID enables static membership (KIP-345): a restarted pod with
	// the same id gets its partitions back without a rebalance.
	InstanceID string `koanf:"instance_id"`
	ClientID   string `koanf:"client_id"`
	Mode       string `koanf:"mode"`
	// Partitions is used when triage creates the input topic itself (demo,
	// broker); outputs always copy the input's partition count.
	Partitions         int           `koanf:"partitions"`
	FetchMaxBytes      int32         `koanf:"fetch_max_bytes"`
	MaxBufferedRecords int           `koanf:"max_buffered_records"`
	BatchMaxRecords    int           `koanf:"batch_max_records"`
	SessionTimeout     time.Duration `koanf:"session_timeout"`
	TransactionTimeout time.Duration `koanf:"transaction_timeout"`
	DialTimeout        time.Duration `koanf:"dial_timeout"`
	TLS                TLS           `koanf:"tls"`
	SASL               SASL          `koanf:"sasl"`
}

// TLS configures encrypted connections to the brokers.
type TLS struct {
	Enabled    bool   `koanf:"enabled"`
	CAFile     string `koanf:"ca_file"`
	CertFile   string `koanf:"cert_file"`
	KeyFile    string `koanf:"key_file"`
	ServerName string `koanf:"server_name"`
}

// SASL configures broker authentication. The password comes from
// Password (env TRIAGE_KAFKA_SASL_PASSWORD) or PasswordFile; never printed.
type SASL struct {
	Mechanism    string `koanf:"mechanism"` // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
	Username     string `koanf:"username"`
	Password     string `koanf:"password"`
	PasswordFile string `koanf:"password_file"`
}

// State configures the Pebble dedup store.
type State struct {
	Dir        string `koanf:"dir"`
	CacheBytes int64  `koanf:"cache_bytes"`
	// SweepInterval is how often expired dedup marks are deleted.
	SweepInterval time.Duration `koanf:"sweep_interval"`
}

// Dedup configures duplicate handling.
type Dedup struct {
	Enabled bool `koanf:"enabled"`
	// Marker emits a small duplicate_of record for each dropped duplicate.
	Marker bool `koanf:"marker"`
}

// RegionPolicy overrides or adds a region policy.
type RegionPolicy struct {
	Framework          string   `koanf:"framework"`
	RetentionDays      int      `koanf:"retention_days"`
	RedactionLevel     string   `koanf:"redaction_level"`
	Classification     string   `koanf:"classification"`
	SensitiveTypes     []string `koanf:"sensitive_types"`
	RestrictedHandling bool     `koanf:"restricted_handling"`
	Domains            []string `koanf:"domains"`
	OutputTopic        string   `koanf:"output_topic"`
	DLQTopic           string   `koanf:"dlq_topic"`
	StateRetentionDays int      `koanf:"state_retention_days"`
	CleanupPolicy      string   `koanf:"cleanup_policy"`
}

// Log configures slog.
type Log struct {
	Level  string `koanf:"level"`  // debug, info, warn, error
	Format string `koanf:"format"` // json, text, auto (text on a terminal)
}

// StagesCfg enables and disables stages.
type StagesCfg struct {
	Disabled []string `koanf:"disabled"`
}

// PII configures redaction.
type PII struct {
	Style string `koanf:"style"` // placeholder, pseudonym
	Level string `koanf:"level"` // "" (region policy), basic, standard, strict
}

// Priority configures priority scoring.
type Priority struct {
	VIPSenders []string `koanf:"vip_senders"`
	VIPDomains []string `koanf:"vip_domains"`
}

// Summary configures summaries.
type Summary struct {
	MaxChars int `koanf:"max_chars"`
}

// Respond configures suggested responses.
type Respond struct {
	Tone         string `koanf:"tone"`
	Signature    string `koanf:"signature"`
	TemplatesDir string `koanf:"templates_dir"`
}

// Defaults returns the built-in defaults as a flat key map.
func Defaults() map[string]any {
	return map[string]any{
		"kafka.brokers":              []string{"127.0.0.1:9092"},
		"kafka.input_topics":         []string{"emails.raw"},
		"kafka.group":                "triage",
		"kafka.instance_id":          "",
		"kafka.client_id":            "triage",
		"kafka.mode":                 ModeExactlyOnce,
		"kafka.partitions":           6,
		"kafka.fetch_max_bytes":      int32(50 << 20),
		"kafka.max_buffered_records": 10000,
		"kafka.batch_max_records":    2000,
		"kafka.session_timeout":      "45s",
		"kafka.transaction_timeout":  "40s",
		"kafka.dial_timeout":         "10s",
		"kafka.tls.enabled":          false,
		"kafka.tls.ca_file":          "",
		"kafka.tls.cert_file":        "",
		"kafka.tls.key_file":         "",
		"kafka.tls.server_name":      "",
		"kafka.sasl.mechanism":       "",
		"kafka.sasl.username":        "",
		"kafka.sasl.password":        "",
		"kafka.sasl.password_file":   "",
		"admin_addr":                 ":9090",
		"state.dir":                  "./triage-state",
		"state.cache_bytes":          int64(64 << 20),
		"state.sweep_interval":       "1m",
		"secret":                     "",
		"secret_file":                "",
		"dev":                        false,
		"default_region":             "us-east-1",
		"output_topic_template":      "emails.triaged.{region}",
		"dlq_topic_template":         "emails.dlq.{region}",
		"output_suffix":              "",
		"log.level":                  "info",
		"log.format":                 "auto",
		"shutdown_timeout":           "30s",
		"workers":                    0,
		"stages.disabled":            []string{},
		"pii.style":                  "placeholder",
		"pii.level":                  "",
		"priority.vip_senders":       []string{},
		"priority.vip_domains":       []string{},
		"summary.max_chars":          200,
		"respond.tone":               "neutral",
		"respond.signature":          "",
		"respond.templates_dir":      "",
		"dedup.enabled":              true,
		"dedup.marker":               false,
	}
}

// listKeys are split on commas when they come from the environment or a
// flag string.
var listKeys = map[string]bool{}

func init() {
	for k, v := range Defaults() {
		if _, ok := v.([]string); ok {
			listKeys[k] = true
		}
	}
}

// Load builds the config from defaults, the YAML file at path (optional,
// "" for none), the environment, and overrides (flag values keyed by config
// key; only flags the user set should be passed). It does not validate.
func Load(path string, overrides map[string]any) (*Config, error) {
	return LoadEnv(path, overrides, os.Environ)
}

// LoadEnv is Load with an injectable environment, for tests.
func LoadEnv(path string, overrides map[string]any, environ func() []string) (*Config, error) {
	k := koanf.New(".")
	defaults := Defaults()
	if err := k.Load(confmap.Provider(defaults, "."), nil); err != nil {
		return nil, fmt.Errorf("config: defaults: %w", err)
	}
	var unknown []string
	if path != "" {
		fk := koanf.New(".")
		if err := fk.Load(file.Provider(path), yaml.Parser()); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("config: file %s does not exist", path)
			}
			return nil, fmt.Errorf("config: read %s: %v", path, err)
		}
		for _, key := range fk.Keys() {
			if !known(key, defaults) {
				unknown = append(unknown, fmt.Sprintf("%s: unknown key in %s (check spelling; see 'triage config print' for all keys)", key, path))
			}
		}
		if err := k.Merge(fk); err != nil {
			return nil, fmt.Errorf("config: merge %s: %w", path, err)
		}
	}
	// Environment: TRIAGE_KAFKA_INPUT_TOPICS -> kafka.input_topics.
	byEnv := map[string]string{}
	for key := range defaults {
		byEnv[strings.ToUpper(EnvPrefix+strings.NewReplacer(".", "_").Replace(key))] = key
	}
	ep := env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: environ,
		TransformFunc: func(name, v string) (string, any) {
			key, ok := byEnv[name]
			if !ok {
				switch name {
				// Variables read by other parts of the binary, not config keys.
				case "TRIAGE_CONFIG", "TRIAGE_DATA", "TRIAGE_REQUIRE_KAFKA", "TRIAGE_KAFKA_CACHE", "TRIAGE_API_KEYS_FILE":
				default:
					unknown = append(unknown, fmt.Sprintf("%s: environment variable matches no config key", name))
				}
				return "", nil
			}
			if listKeys[key] {
				return key, splitList(v)
			}
			return key, v
		},
	})
	if err := k.Load(ep, nil); err != nil {
		return nil, fmt.Errorf("config: environment: %w", err)
	}
	for key, v := range overrides {
		if s, ok := v.(string); ok && listKeys[key] {
			v = splitList(s)
		}
		if err := k.Set(key, v); err != nil {
			return nil, fmt.Errorf("config: flag for %s: %w", key, err)
		}
	}
	var c Config
	if err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return nil, fmt.Errorf("config: %v", err)
	}
	c.unknown = unknown
	return &c, nil
}

func known(key string, defaults map[string]any) bool {
	if _, ok := defaults[key]; ok {
		return true
	}
	for _, p := range []string{"regions.", "topic_regions."} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate reports every problem at once, one "key: problem (hint)" each,
// joined with "; " so the CLI prints them on one line.
func (c *Config) Validate() error {
	p := append([]string{}, c.unknown...)
	add := func(format string, a ...any) { p = append(p, fmt.Sprintf(format, a...)) }
	if len(c.Kafka.Brokers) == 0 {
		add("kafka.brokers: empty (set --brokers or TRIAGE_KAFKA_BROKERS, e.g. 127.0.0.1:9092)")
	}
	for _, b := range c.Kafka.Brokers {
		if _, port, err := net.SplitHostPort(b); err != nil || port == "" {
			add("kafka.brokers: %q is not host:port", b)
		}
	}
	if len(c.Kafka.InputTopics) == 0 {
		add("kafka.input_topics: empty (default emails.raw)")
	}
	for _, t := range c.Kafka.InputTopics {
		if !validTopic(t) {
			add("kafka.input_topics: %q is not a valid topic name (letters, digits, '.', '_', '-', at most 249)", t)
		}
	}
	if c.Kafka.Group == "" {
		add("kafka.group: empty (default triage)")
	}
	if c.Kafka.Mode != ModeExactlyOnce && c.Kafka.Mode != ModeAtLeastOnce {
		add("kafka.mode: %q is not exactly-once or at-least-once", c.Kafka.Mode)
	}
	if c.Kafka.Partitions < 1 {
		add("kafka.partitions: must be >= 1")
	}
	if c.Kafka.FetchMaxBytes < 1<<20 {
		add("kafka.fetch_max_bytes: %d is below 1 MiB; a single large email could not be fetched", c.Kafka.FetchMaxBytes)
	}
	if c.Kafka.MaxBufferedRecords < 1 {
		add("kafka.max_buffered_records: must be >= 1")
	}
	if c.Kafka.BatchMaxRecords < 1 {
		add("kafka.batch_max_records: must be >= 1")
	}
	if c.Kafka.SessionTimeout < 6*time.Second {
		add("kafka.session_timeout: %s is below the broker minimum of 6s", c.Kafka.SessionTimeout)
	}
	if c.Kafka.TransactionTimeout <= 0 || c.Kafka.TransactionTimeout >= c.Kafka.SessionTimeout {
		// franz-go's GroupTransactSession doc: a transaction that outlives the
		// session can commit after the group moved our partitions.
		add("kafka.transaction_timeout: %s must be > 0 and below kafka.session_timeout (%s)", c.Kafka.TransactionTimeout, c.Kafka.SessionTimeout)
	}
	switch c.Kafka.SASL.Mechanism {
	case "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		add("kafka.sasl.mechanism: %q is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.Kafka.SASL.Mechanism)
	}
	if c.Kafka.SASL.Mechanism != "" && c.Kafka.SASL.Username == "" {
		add("kafka.sasl.username: required with kafka.sasl.mechanism")
	}
	if c.Kafka.SASL.Password != "" && c.Kafka.SASL.PasswordFile != "" {
		add("kafka.sasl.password_file: set either password or password_file, not both")
	}
	if (c.Kafka.TLS.CertFile == "") != (c.Kafka.TLS.KeyFile == "") {
		add("kafka.tls.cert_file/key_file: set both or neither")
	}
	for _, f := range []struct{ key, path string }{
		{"kafka.tls.ca_file", c.Kafka.TLS.CAFile}, {"kafka.tls.cert_file", c.Kafka.TLS.CertFile},
		{"kafka.tls.key_file", c.Kafka.TLS.KeyFile}, {"kafka.sasl.password_file", c.Kafka.SASL.PasswordFile},
		{"secret_file", c.SecretFile},
	} {
		if f.path != "" {
			if _, err := os.Stat(f.path); err != nil {
				add("%s: cannot read %s", f.key, f.path)
			}
		}
	}
	if c.AdminAddr != "" && c.AdminAddr != "off" {
		if _, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
			add("admin_addr: %q is not [host]:port (or \"off\")", c.AdminAddr)
		}
	}
	if c.State.Dir == "" && c.Dedup.Enabled {
		add("state.dir: empty while dedup.enabled (set --state-dir)")
	}
	if c.State.CacheBytes < 0 {
		add("state.cache_bytes: must be >= 0")
	}
	if c.Secret != "" && c.SecretFile != "" {
		add("secret_file: set either secret or secret_file, not both")
	}
	if c.Secret == "" && c.SecretFile == "" && !c.Dev {
		add("secret: no HMAC secret (set secret_file or TRIAGE_SECRET; or dev: true / --dev for local use only)")
	}
	if c.Secret != "" && len(c.Secret) < 16 {
		add("secret: shorter than 16 bytes; use at least 32 random bytes")
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		add("log.level: %q is not debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text", "auto":
	default:
		add("log.format: %q is not json, text or auto", c.Log.Format)
	}
	if c.ShutdownTimeout <= 0 {
		add("shutdown_timeout: must be > 0")
	}
	if c.Workers < 0 {
		add("workers: must be >= 0 (0 = GOMAXPROCS)")
	}
	switch c.PII.Style {
	case "placeholder", "pseudonym":
	default:
		add("pii.style: %q is not placeholder or pseudonym", c.PII.Style)
	}
	if c.PII.Level != "" && regions.LevelRank(c.PII.Level) < 0 {
		add("pii.level: %q is not basic, standard or strict", c.PII.Level)
	}
	if c.Summary.MaxChars < 20 {
		add("summary.max_chars: %d is too small (>= 20)", c.Summary.MaxChars)
	}
	switch c.Respond.Tone {
	case "neutral", "formal", "friendly":
	default:
		add("respond.tone: %q is not neutral, formal or friendly", c.Respond.Tone)
	}
	if c.Respond.TemplatesDir != "" {
		if st, err := os.Stat(c.Respond.TemplatesDir); err != nil || !st.IsDir() {
			add("respond.templates_dir: %s is not a readable directory", c.Respond.TemplatesDir)
		}
	}
	if _, err := c.RegionRegistry(); err != nil {
		add("%v", err)
	}
	if len(p) == 0 {
		return nil
	}
	sort.Strings(p)
	return fmt.Errorf("invalid config (%d problems): %s", len(p), strings.Join(p, "; "))
}

func validTopic(t string) bool {
	if t == "" || len(t) > 249 || t == "." || t == ".." {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// RegionRegistry builds the region policies from the config.
func (c *Config) RegionRegistry() (*regions.Registry, error) {
	opts := regions.Options{
		DefaultRegion:  c.DefaultRegion,
		TopicRegion:    c.TopicRegions,
		OutputTemplate: c.OutputTopicTemplate,
		DLQTemplate:    c.DLQTopicTemplate,
	}
	if c.OutputSuffix != "" {
		opts.OutputTemplate += "." + c.OutputSuffix
	}
	names := make([]string, 0, len(c.Regions))
	for n := range c.Regions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := c.Regions[n]
		opts.Policies = append(opts.Policies, regions.Policy{
			Region: n, Framework: strings.ToUpper(r.Framework), RetentionDays: r.RetentionDays,
			RedactionLevel: r.RedactionLevel, Classification: r.Classification,
			SensitiveTypes: r.SensitiveTypes, RestrictedHandling: r.RestrictedHandling,
			Domains: r.Domains, OutputTopic: r.OutputTopic, DLQTopic: r.DLQTopic,
			StateRetentionDays: r.StateRetentionDays, CleanupPolicy: r.CleanupPolicy,
		})
	}
	return regions.New(opts)
}

// SecretBytes returns the HMAC secret from Secret or SecretFile, or nil in
// dev mode (the stages then use their development key).
func (c *Config) SecretBytes() ([]byte, error) {
	if c.Secret != "" {
		return []byte(c.Secret), nil
	}
	if c.SecretFile != "" {
		b, err := os.ReadFile(c.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("config: secret_file: %w", err)
		}
		s := strings.TrimSpace(string(b))
		if len(s) < 16 {
			return nil, fmt.Errorf("config: secret_file %s holds fewer than 16 bytes", c.SecretFile)
		}
		return []byte(s), nil
	}
	return nil, nil
}

// Masked returns a copy safe to print: secrets replaced by "***".
func (c *Config) Masked() *Config {
	m := *c
	if m.Secret != "" {
		m.Secret = "***"
	}
	if m.Kafka.SASL.Password != "" {
		m.Kafka.SASL.Password = "***"
	}
	m.unknown = nil
	return &m
}

// AsMap returns the config as nested maps keyed by koanf names, for
// printing. Call it on Masked().
func (c *Config) AsMap() map[string]any {
	return structMap(reflect.ValueOf(*c))
}

func structMap(v reflect.Value) map[string]any {
	out := map[string]any{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("koanf")
		if tag == "" || !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.Struct:
			out[tag] = structMap(fv)
		case reflect.Map:
			m := map[string]any{}
			for _, k := range fv.MapKeys() {
				e := fv.MapIndex(k)
				if e.Kind() == reflect.Struct {
					m[k.String()] = structMap(e)
				} else {
					m[k.String()] = e.Interface()
				}
			}
			out[tag] = m
		default:
			if d, ok := fv.Interface().(time.Duration); ok {
				out[tag] = d.String()
			} else {
				out[tag] = fv.Interface()
			}
		}
	}
	return out
}
