package kafkaauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// SASL mechanisms accepted in SASLConfig.Mechanism.
const (
	MechanismPlain       = "PLAIN"
	MechanismScramSHA256 = "SCRAM-SHA-256"
	MechanismScramSHA512 = "SCRAM-SHA-512"
)

// Config is the kafka.tls / kafka.sasl part of the application config. The
// zero value means plaintext without authentication (a local broker).
type Config struct {
	TLS  TLSConfig  `koanf:"tls" json:"tls" yaml:"tls"`
	SASL SASLConfig `koanf:"sasl" json:"sasl" yaml:"sasl"`
}

// TLSConfig configures TLS to the brokers. TLS is on when Enabled is set or
// any file is given.
type TLSConfig struct {
	Enabled bool `koanf:"enabled" json:"enabled" yaml:"enabled"`
	// CAFile is a PEM bundle of CAs to trust instead of the system pool.
	CAFile string `koanf:"ca_file" json:"ca_file" yaml:"ca_file"`
	// CertFile and KeyFile are the client certificate for mutual TLS; both
	// or neither.
	CertFile string `koanf:"cert_file" json:"cert_file" yaml:"cert_file"`
	KeyFile  string `koanf:"key_file" json:"key_file" yaml:"key_file"`
	// ServerName overrides the name verified in the broker certificate
	// (default: the host part of each broker address).
	ServerName string `koanf:"server_name" json:"server_name" yaml:"server_name"`
	// InsecureSkipVerify disables certificate verification. Off by default;
	// only for throwaway test clusters.
	InsecureSkipVerify bool `koanf:"insecure_skip_verify" json:"insecure_skip_verify" yaml:"insecure_skip_verify"`
}

// SASLConfig configures SASL authentication. Empty Mechanism disables SASL.
type SASLConfig struct {
	Mechanism string `koanf:"mechanism" json:"mechanism" yaml:"mechanism"`
	Username  string `koanf:"username" json:"username" yaml:"username"`
	// Password should come from the environment (TRIAGE_KAFKA_SASL_PASSWORD);
	// PasswordFile wins when both are set.
	Password     Secret `koanf:"password" json:"password" yaml:"password"`
	PasswordFile string `koanf:"password_file" json:"password_file" yaml:"password_file"`
}

// Secret is a string that never prints: every fmt verb and every text
// marshaller (JSON, YAML) renders it as "***" when set and "" when empty.
type Secret string

const mask = "***"

func (s Secret) masked() string {
	if s == "" {
		return ""
	}
	return mask
}

// String implements fmt.Stringer.
func (s Secret) String() string { return s.masked() }

// GoString implements fmt.GoStringer, so %#v masks too.
func (s Secret) GoString() string { return strconv.Quote(s.masked()) }

// Format implements fmt.Formatter: %s, %v, %q, %x all see the mask.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprint(f, strconv.Quote(s.masked()))
	default:
		fmt.Fprint(f, s.masked())
	}
}

// MarshalText implements encoding.TextMarshaler (used by JSON and YAML).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.masked()), nil }

// UnmarshalText implements encoding.TextUnmarshaler so decoders that prefer
// it still receive the real value.
func (s *Secret) UnmarshalText(b []byte) error { *s = Secret(b); return nil }

// Reveal returns the secret value. Only the SASL mechanism calls it.
func (s Secret) Reveal() string { return string(s) }

// On reports whether TLS is configured.
func (c TLSConfig) On() bool {
	return c.Enabled || c.CAFile != "" || c.CertFile != "" || c.KeyFile != "" || c.ServerName != ""
}

// Validate reports every problem in cfg at once, naming config keys and
// never secret values.
func (c Config) Validate() error {
	var errs []string
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, "kafka.tls.cert_file and kafka.tls.key_file must be set together")
	}
	for key, path := range map[string]string{"kafka.tls.ca_file": c.TLS.CAFile, "kafka.tls.cert_file": c.TLS.CertFile, "kafka.tls.key_file": c.TLS.KeyFile, "kafka.sasl.password_file": c.SASL.PasswordFile} {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", key, err))
		}
	}
	switch strings.ToUpper(c.SASL.Mechanism) {
	case "":
		if c.SASL.Username != "" || c.SASL.Password != "" || c.SASL.PasswordFile != "" {
			errs = append(errs, "kafka.sasl.mechanism: required when a SASL username or password is set (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)")
		}
	case MechanismPlain, MechanismScramSHA256, MechanismScramSHA512:
		if c.SASL.Username == "" {
			errs = append(errs, "kafka.sasl.username: required with kafka.sasl.mechanism")
		}
		if c.SASL.Password == "" && c.SASL.PasswordFile == "" {
			errs = append(errs, "kafka.sasl.password: required with kafka.sasl.mechanism (set TRIAGE_KAFKA_SASL_PASSWORD or kafka.sasl.password_file)")
		}
	default:
		errs = append(errs, fmt.Sprintf("kafka.sasl.mechanism: %q is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.SASL.Mechanism))
	}
	if len(errs) > 0 {
		return fmt.Errorf("kafkaauth: %s", strings.Join(errs, "; "))
	}
	return nil
}

// Opts validates cfg and returns the kgo options that apply it: a dialer TLS
// config and a SASL mechanism, or nothing for a plaintext cluster.
func Opts(cfg Config) ([]kgo.Opt, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var opts []kgo.Opt
	if cfg.TLS.On() {
		tc, err := cfg.TLS.build()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if m := cfg.SASL.mechanism(); m != nil {
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

func (c TLSConfig) build() (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         c.ServerName,
		InsecureSkipVerify: c.InsecureSkipVerify, //nolint:gosec // operator opt-in, off by default
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafkaauth: kafka.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafkaauth: kafka.tls.ca_file %s: no PEM certificates found", c.CAFile)
		}
		tc.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafkaauth: kafka.tls.cert_file/key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// password returns the current password: the file is re-read on every call
// so rotated secrets apply to the next connection.
func (c SASLConfig) password() (string, error) {
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("kafkaauth: kafka.sasl.password_file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return c.Password.Reveal(), nil
}

func (c SASLConfig) mechanism() sasl.Mechanism {
	switch strings.ToUpper(c.Mechanism) {
	case MechanismPlain:
		return plain.Plain(func(context.Context) (plain.Auth, error) {
			p, err := c.password()
			return plain.Auth{User: c.Username, Pass: p}, err
		})
	case MechanismScramSHA256:
		return scram.Sha256(func(context.Context) (scram.Auth, error) {
			p, err := c.password()
			return scram.Auth{User: c.Username, Pass: p}, err
		})
	case MechanismScramSHA512:
		return scram.Sha512(func(context.Context) (scram.Auth, error) {
			p, err := c.password()
			return scram.Auth{User: c.Username, Pass: p}, err
		})
	}
	return nil
}

// ErrAuthFailed is returned (wrapped) by Explain when the brokers rejected
// the SASL credentials.
var ErrAuthFailed = errors.New("kafka SASL authentication failed")

// Explain turns a connection error into one an operator can act on: a SASL
// rejection names the mechanism, the user and the config keys to check
// (never the password); a TLS handshake failure names the TLS keys. Other
// errors are returned unchanged.
func Explain(err error, cfg Config) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.IllegalSaslState), errors.Is(err, kerr.UnsupportedSaslMechanism):
		return fmt.Errorf("%w: mechanism %s, user %q: check kafka.sasl.mechanism, kafka.sasl.username and the password (TRIAGE_KAFKA_SASL_PASSWORD or kafka.sasl.password_file): %v",
			ErrAuthFailed, strings.ToUpper(cfg.SASL.Mechanism), cfg.SASL.Username, err)
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) || strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:") {
		return fmt.Errorf("kafka TLS handshake failed: check kafka.tls.ca_file, kafka.tls.server_name and the client certificate: %w", err)
	}
	return err
}

// authWatch notices a broker closing the connection in answer to a SASL
// request. Real Kafka answers bad credentials with an error code (which
// kgo turns into kerr.SaslAuthenticationFailed), but some brokers and
// proxies just hang up, which surfaces as a bare EOF; the hook tells the
// two cases apart so Dial can still say "authentication failed".
type authWatch struct{ failed atomic.Bool }

func (w *authWatch) OnBrokerE2E(_ kgo.BrokerMetadata, key int16, e2e kgo.BrokerE2E) {
	if (key == saslHandshakeKey || key == saslAuthenticateKey) && (e2e.ReadErr != nil || e2e.WriteErr != nil) {
		w.failed.Store(true)
	}
}

var _ kgo.HookBrokerE2E = (*authWatch)(nil)

// Kafka API keys of the two SASL requests.
const (
	saslHandshakeKey    = 17
	saslAuthenticateKey = 36
)

// Dial builds a client with cfg's security options plus extra, and pings
// the cluster so a bad address, certificate or credential fails here, once,
// with an error naming the config keys to check, instead of as retries deep
// inside a command. The caller owns (and closes) the returned client.
func Dial(ctx context.Context, cfg Config, extra ...kgo.Opt) (*kgo.Client, error) {
	opts, err := Opts(cfg)
	if err != nil {
		return nil, err
	}
	w := &authWatch{}
	opts = append(opts, kgo.WithHooks(w))
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("kafkaauth: new client: %w", err)
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		if w.failed.Load() && cfg.SASL.Mechanism != "" && !errors.Is(err, ErrAuthFailed) {
			err = fmt.Errorf("%w: %v", kerr.SaslAuthenticationFailed, err)
		}
		return nil, Explain(err, cfg)
	}
	return cl, nil
}

// FromEnv reads the settings from TRIAGE_KAFKA_TLS_* and TRIAGE_KAFKA_SASL_*
// variables (ENABLED, CA_FILE, CERT_FILE, KEY_FILE, SERVER_NAME,
// INSECURE_SKIP_VERIFY; MECHANISM, USERNAME, PASSWORD, PASSWORD_FILE). The
// operator tools use it when no config file is given; the processor gets the
// same keys through the app config.
func FromEnv() Config {
	get := func(k string) string { return os.Getenv("TRIAGE_KAFKA_" + k) }
	b := func(k string) bool { v, _ := strconv.ParseBool(get(k)); return v }
	return Config{
		TLS: TLSConfig{
			Enabled:            b("TLS_ENABLED"),
			CAFile:             get("TLS_CA_FILE"),
			CertFile:           get("TLS_CERT_FILE"),
			KeyFile:            get("TLS_KEY_FILE"),
			ServerName:         get("TLS_SERVER_NAME"),
			InsecureSkipVerify: b("TLS_INSECURE_SKIP_VERIFY"),
		},
		SASL: SASLConfig{
			Mechanism:    get("SASL_MECHANISM"),
			Username:     get("SASL_USERNAME"),
			Password:     Secret(get("SASL_PASSWORD")),
			PasswordFile: get("SASL_PASSWORD_FILE"),
		},
	}
}
