package integration

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/triage-dev/triage/config"
)

// composeFile is the part of the Compose spec the checks read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       *composeBuild     `yaml:"build"`
	Command     []string          `yaml:"command"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   any               `yaml:"depends_on"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(repoFile("docker-compose.kafka.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(false)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.kafka.yml: %v", err)
	}
	return c
}

// shellDefault reads NAME="${NAME:-value}" from scripts/kafka/env.sh.
func shellDefault(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(repoFile("scripts", "kafka", "env.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + `="\$\{` + name + `:-(.*)\}"$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("scripts/kafka/env.sh: no default for %s", name)
	}
	return string(m[1])
}

// harnessProperties reads scripts/kafka/server.properties.in.
func harnessProperties(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(repoFile("scripts", "kafka", "server.properties.in"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("server.properties.in: bad line %q", line)
		}
		props[k] = v
	}
	return props
}

// TestComposeFile checks docker-compose.kafka.yml, which cannot be run on
// machines without a Docker engine: the services exist and are wired to
// each other and to the deploy/ configs, the broker is configured like the
// Docker-free harness, and triage only gets environment variables its
// config knows (it refuses to start on unknown TRIAGE_* variables).
func TestComposeFile(t *testing.T) {
	c := loadCompose(t)

	t.Run("services", func(t *testing.T) {
		for _, name := range []string{"kafka", "kafka-init", "triage-service", "triage-lag", "prometheus", "grafana"} {
			if _, ok := c.Services[name]; !ok {
				t.Errorf("service %s missing", name)
			}
		}
		for name, s := range c.Services {
			if s.Image == "" && s.Build == nil {
				t.Errorf("%s: neither image nor build", name)
			}
			for _, v := range s.Volumes {
				src, _, _ := strings.Cut(v, ":")
				switch {
				case strings.HasPrefix(src, "./"):
					if _, err := os.Stat(repoFile(src)); err != nil {
						t.Errorf("%s: bind mount %s: %v", name, src, err)
					}
				default:
					if _, ok := c.Volumes[src]; !ok {
						t.Errorf("%s: named volume %s not declared", name, src)
					}
				}
			}
			for _, p := range s.Ports {
				if !strings.HasPrefix(p, "127.0.0.1:") {
					t.Errorf("%s: port %s is published on every interface; bind it to 127.0.0.1", name, p)
				}
			}
		}
	})

	t.Run("kafka matches the harness", func(t *testing.T) {
		k := c.Services["kafka"]
		version := shellDefault(t, "KAFKA_VERSION")
		if k.Image != "apache/kafka:"+version {
			t.Errorf("kafka image %q, want apache/kafka:%s (scripts/kafka/env.sh)", k.Image, version)
		}
		pom, err := os.ReadFile(repoFile("scripts", "kafka", "pom.xml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(pom), "<kafka.version>"+version+"</kafka.version>") {
			t.Errorf("scripts/kafka/pom.xml does not pin kafka.version %s", version)
		}
		if init := c.Services["kafka-init"]; init.Image != k.Image {
			t.Errorf("kafka-init image %q differs from kafka %q", init.Image, k.Image)
		}
		port := shellDefault(t, "KAFKA_PORT")
		if !slices.Contains(k.Ports, "127.0.0.1:"+port+":"+port) {
			t.Errorf("kafka ports %v: want 127.0.0.1:%s:%s, the harness's bootstrap address", k.Ports, port, port)
		}
		if !strings.Contains(k.Environment["KAFKA_ADVERTISED_LISTENERS"], "127.0.0.1:"+port) {
			t.Errorf("KAFKA_ADVERTISED_LISTENERS %q does not advertise 127.0.0.1:%s", k.Environment["KAFKA_ADVERTISED_LISTENERS"], port)
		}
		if got, want := k.Environment["KAFKA_HEAP_OPTS"], shellDefault(t, "KAFKA_HEAP_OPTS"); got != want {
			t.Errorf("KAFKA_HEAP_OPTS %q, harness uses %q", got, want)
		}
		// Listener layout and the harness's log tuning legitimately differ.
		skip := map[string]bool{"listeners": true, "advertised.listeners": true, "listener.security.protocol.map": true,
			"controller.quorum.voters": true, "log.dirs": true, "log.segment.bytes": true, "log.retention.check.interval.ms": true}
		for prop, want := range harnessProperties(t) {
			if skip[prop] {
				continue
			}
			env := "KAFKA_" + strings.ToUpper(strings.ReplaceAll(prop, ".", "_"))
			if got, ok := k.Environment[env]; !ok || got != want {
				t.Errorf("%s = %q (set %v), harness has %s=%s", env, got, ok, prop, want)
			}
		}
	})

	t.Run("triage services", func(t *testing.T) {
		known := map[string]bool{}
		for key := range config.Defaults() {
			known[config.EnvPrefix+strings.ToUpper(strings.ReplaceAll(key, ".", "_"))] = true
		}
		ts := c.Services["triage-service"]
		if ts.Build == nil || ts.Build.Context != "." || ts.Build.Dockerfile != "Dockerfile" {
			t.Errorf("triage-service must build the repo's Dockerfile, got %+v", ts.Build)
		} else if _, err := os.Stat(repoFile(ts.Build.Dockerfile)); err != nil {
			t.Errorf("triage-service builds %s: %v", ts.Build.Dockerfile, err)
		}
		if len(ts.Command) == 0 || ts.Command[0] != "run" {
			t.Errorf("triage-service command %v does not start with run", ts.Command)
		}
		for name, want := range map[string]string{"triage-service": "run", "triage-lag": "lag"} {
			s := c.Services[name]
			if s.Image != ts.Image {
				t.Errorf("%s image %q, want the built %q", name, s.Image, ts.Image)
			}
			if len(s.Command) == 0 || s.Command[0] != want {
				t.Errorf("%s command %v, want %s ...", name, s.Command, want)
			}
			if b := flagValue(s.Command, "--brokers"); b != "kafka:9092" {
				t.Errorf("%s --brokers %q, want kafka:9092 (the in-network listener)", name, b)
			}
			for env := range s.Environment {
				if strings.HasPrefix(env, config.EnvPrefix) && !known[env] {
					t.Errorf("%s: %s matches no triage config key; triage would refuse to start", name, env)
				}
			}
		}
	})

	t.Run("prometheus and grafana wiring", func(t *testing.T) {
		// Every scrape target must be a compose service listening on that
		// port inside the network.
		listen := map[string]string{
			"triage-service": flagValue(c.Services["triage-service"].Command, "--admin-addr"),
			"triage-lag":     flagValue(c.Services["triage-lag"].Command, "--serve"),
			"prometheus":     ":9090",
		}
		var prom struct {
			ScrapeConfigs []struct {
				JobName       string `yaml:"job_name"`
				StaticConfigs []struct {
					Targets []string `yaml:"targets"`
				} `yaml:"static_configs"`
			} `yaml:"scrape_configs"`
		}
		readYAML(t, repoFile("deploy", "prometheus", "prometheus.yml"), &prom)
		if len(prom.ScrapeConfigs) == 0 {
			t.Fatal("deploy/prometheus/prometheus.yml has no scrape configs")
		}
		for _, sc := range prom.ScrapeConfigs {
			for _, st := range sc.StaticConfigs {
				for _, target := range st.Targets {
					host, port, _ := strings.Cut(target, ":")
					if _, ok := c.Services[host]; !ok {
						t.Errorf("scrape job %s targets %s: no such compose service", sc.JobName, target)
					} else if listen[host] != ":"+port {
						t.Errorf("scrape job %s targets %s but %s listens on %q", sc.JobName, target, host, listen[host])
					}
				}
			}
		}
		var ds struct {
			Datasources []struct {
				Type string `yaml:"type"`
				URL  string `yaml:"url"`
			} `yaml:"datasources"`
		}
		readYAML(t, repoFile("deploy", "grafana", "provisioning", "datasources", "prometheus.yml"), &ds)
		for _, d := range ds.Datasources {
			u, err := url.Parse(d.URL)
			if err != nil {
				t.Errorf("grafana datasource url %q: %v", d.URL, err)
				continue
			}
			if listen[u.Hostname()] != ":"+u.Port() {
				t.Errorf("grafana datasource %s points at %s, which no compose service serves", d.Type, d.URL)
			}
		}
	})
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, fmt.Errorf("yaml: %w", err))
	}
}
