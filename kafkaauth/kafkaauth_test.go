package kafkaauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/kafkaauth"
)

func ping(t *testing.T, addrs []string, cfg kafkaauth.Config) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl, err := kafkaauth.Dial(ctx, cfg, kgo.SeedBrokers(addrs...), kgo.RetryTimeout(2*time.Second), kgo.RequestRetries(1))
	if err != nil {
		return err
	}
	cl.Close()
	return nil
}

func TestSASLAgainstKfake(t *testing.T) {
	for _, mech := range []string{kafkaauth.MechanismPlain, kafkaauth.MechanismScramSHA256, kafkaauth.MechanismScramSHA512} {
		t.Run(mech, func(t *testing.T) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(mech, "triage", "right-pass"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			dir := t.TempDir()
			pwFile := filepath.Join(dir, "pw")
			if err := os.WriteFile(pwFile, []byte("right-pass\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				name    string
				sasl    kafkaauth.SASLConfig
				wantErr bool
			}{
				{"env password", kafkaauth.SASLConfig{Mechanism: mech, Username: "triage", Password: "right-pass"}, false},
				{"password file", kafkaauth.SASLConfig{Mechanism: strings.ToLower(mech), Username: "triage", PasswordFile: pwFile}, false},
				{"wrong password", kafkaauth.SASLConfig{Mechanism: mech, Username: "triage", Password: "wrong-pass"}, true},
				{"wrong user", kafkaauth.SASLConfig{Mechanism: mech, Username: "nobody", Password: "right-pass"}, true},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					err := ping(t, c.ListenAddrs(), kafkaauth.Config{SASL: tc.sasl})
					if !tc.wantErr {
						if err != nil {
							t.Fatalf("ping: %v", err)
						}
						return
					}
					if err == nil {
						t.Fatal("ping succeeded with bad credentials")
					}
					if !errors.Is(err, kafkaauth.ErrAuthFailed) {
						t.Fatalf("error %q does not wrap ErrAuthFailed", err)
					}
					for _, leak := range []string{"wrong-pass", "right-pass"} {
						if strings.Contains(err.Error(), leak) {
							t.Fatalf("error leaks the password: %q", err)
						}
					}
					if !strings.Contains(err.Error(), "kafka.sasl.username") {
						t.Fatalf("error does not say what to check: %q", err)
					}
				})
			}
		})
	}
}

func TestNoSASLAgainstSASLCluster(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(kafkaauth.MechanismScramSHA256, "u", "p"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := ping(t, c.ListenAddrs(), kafkaauth.Config{}); err == nil {
		t.Fatal("unauthenticated client reached a SASL-only cluster")
	}
}

// writeCert writes a self-signed CA-capable certificate for 127.0.0.1 and
// "kafka.test" and returns the cert and key paths and the loaded pair.
func writeCert(t *testing.T, dir string) (string, string, tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kafka.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		DNSNames:              []string{"kafka.test"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath, pair
}

func TestTLSWithSCRAMAgainstKfake(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, pair := writeCert(t, dir)
	pool := x509.NewCertPool()
	pool.AddCert(pair.Leaf)
	c, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS12}),
		kfake.EnableSASL(), kfake.Superuser(kafkaauth.MechanismScramSHA512, "triage", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sasl := kafkaauth.SASLConfig{Mechanism: kafkaauth.MechanismScramSHA512, Username: "triage", Password: "pw"}
	tests := []struct {
		name    string
		tls     kafkaauth.TLSConfig
		wantErr string
	}{
		{"trusted CA", kafkaauth.TLSConfig{CAFile: certPath}, ""},
		{"mutual TLS with server name", kafkaauth.TLSConfig{CAFile: certPath, CertFile: certPath, KeyFile: keyPath, ServerName: "kafka.test"}, ""},
		{"system roots do not trust a private CA", kafkaauth.TLSConfig{Enabled: true}, "kafka TLS handshake failed"},
		{"wrong server name", kafkaauth.TLSConfig{CAFile: certPath, ServerName: "other.test"}, "kafka TLS handshake failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ping(t, c.ListenAddrs(), kafkaauth.Config{TLS: tc.tls, SASL: sasl})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ping: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  kafkaauth.Config
		want []string // substrings; empty = valid
	}{
		{"zero value is plaintext", kafkaauth.Config{}, nil},
		{"unknown mechanism", kafkaauth.Config{SASL: kafkaauth.SASLConfig{Mechanism: "GSSAPI", Username: "u", Password: "p"}}, []string{"kafka.sasl.mechanism"}},
		{"missing user and password", kafkaauth.Config{SASL: kafkaauth.SASLConfig{Mechanism: "PLAIN"}}, []string{"kafka.sasl.username", "kafka.sasl.password"}},
		{"password without mechanism", kafkaauth.Config{SASL: kafkaauth.SASLConfig{Password: "p"}}, []string{"kafka.sasl.mechanism: required"}},
		{"cert without key, missing CA", kafkaauth.Config{TLS: kafkaauth.TLSConfig{CertFile: "/nonexistent/c.pem", CAFile: "/nonexistent/ca.pem"}}, []string{"set together", "kafka.tls.ca_file", "kafka.tls.cert_file"}},
		{"missing password file", kafkaauth.Config{SASL: kafkaauth.SASLConfig{Mechanism: "PLAIN", Username: "u", PasswordFile: "/nonexistent/pw"}}, []string{"kafka.sasl.password_file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted a bad config")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestSecretNeverPrints(t *testing.T) {
	cfg := kafkaauth.Config{SASL: kafkaauth.SASLConfig{Mechanism: "PLAIN", Username: "u", Password: "hunter2"}}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", cfg),
		"%s": fmt.Sprintf("%s", cfg.SASL.Password), "%q": fmt.Sprintf("%q", cfg.SASL.Password), "%x": fmt.Sprintf("%x", cfg.SASL.Password),
		"json": string(js),
	}
	for name, out := range outs {
		if strings.Contains(out, "hunter2") || strings.Contains(out, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
		if !strings.Contains(out, "***") {
			t.Errorf("%s does not show the mask: %s", name, out)
		}
	}
	if cfg.SASL.Password.Reveal() != "hunter2" {
		t.Fatal("Reveal lost the value")
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv("TRIAGE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
	t.Setenv("TRIAGE_KAFKA_SASL_USERNAME", "svc")
	t.Setenv("TRIAGE_KAFKA_SASL_PASSWORD", "s3cret")
	t.Setenv("TRIAGE_KAFKA_TLS_ENABLED", "true")
	t.Setenv("TRIAGE_KAFKA_TLS_SERVER_NAME", "kafka.internal")
	cfg := kafkaauth.FromEnv()
	if cfg.SASL.Mechanism != "SCRAM-SHA-256" || cfg.SASL.Username != "svc" || cfg.SASL.Password.Reveal() != "s3cret" || !cfg.TLS.On() || cfg.TLS.ServerName != "kafka.internal" {
		t.Fatalf("FromEnv = %+v", cfg)
	}
}
