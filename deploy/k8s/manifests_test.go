package k8s_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/regions"
)

// obj is one Kubernetes object as a generic map.
type obj map[string]any

func (o obj) kind() string { s, _ := o["kind"].(string); return s }
func (o obj) name() string { s, _ := get(o, "metadata", "name").(string); return s }

// get walks maps by key and slices by int index.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				if o, ok2 := v.(obj); ok2 {
					m = o
				} else {
					return nil
				}
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func list(v any) []any { s, _ := v.([]any); return s }
func str(v any) string { s, _ := v.(string); return s }
func dict(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func decodeAll(t *testing.T, r io.Reader, where string) []obj {
	t.Helper()
	dec := yaml.NewDecoder(r)
	var out []obj
	for {
		var o map[string]any
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if o != nil {
			out = append(out, obj(o))
		}
	}
}

// TestEveryFileParses parses every YAML file and checks each kustomization
// names files that exist.
func TestEveryFileParses(t *testing.T) {
	n := 0
	err := filepath.Walk(".", func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		n++
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		docs := decodeAll(t, f, path)
		if len(docs) == 0 {
			t.Errorf("%s: empty", path)
		}
		base := filepath.Base(path)
		switch {
		case base == "kustomization.yaml":
			k := docs[0]
			var refs []string
			for _, key := range []string{"resources", "components"} {
				for _, r := range list(k[key]) {
					refs = append(refs, str(r))
				}
			}
			for _, g := range list(k["configMapGenerator"]) {
				for _, f := range list(dict(g)["files"]) {
					refs = append(refs, str(f))
				}
			}
			for _, r := range refs {
				if _, err := os.Stat(filepath.Join(filepath.Dir(path), r)); err != nil {
					t.Errorf("%s: references %s: %v", path, r, err)
				}
			}
		case base == "triage.yaml":
		default:
			for _, d := range docs {
				if d.kind() == "" || str(d["apiVersion"]) == "" || (d.name() == "" && d.kind() != "Component") {
					t.Errorf("%s: object without apiVersion, kind or name", path)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 15 {
		t.Fatalf("only %d YAML files found", n)
	}
}

// cliSurface is the set of commands and flag names defined in cmd/triage,
// read from the sources so the test needs no build.
type cliSurface struct {
	commands map[string]bool
	flags    map[string]map[string]bool // command -> flags (plus shared config flags)
}

var (
	reName   = regexp.MustCompile(`name:\s+"([a-z-]+)",`)
	reFlag   = regexp.MustCompile(`fs\.[A-Za-z0-9]+\("([a-z][a-z0-9-]*)"`)
	reHelper = regexp.MustCompile(`c\.run = ([A-Za-z0-9_]+)\(`)
	reShare  = regexp.MustCompile(`(?:str|fs\.[A-Za-z]+)\("([a-z][a-z0-9-]*)"`)
)

func readCLI(t *testing.T) cliSurface {
	t.Helper()
	dir := filepath.Join("..", "..", "cmd", "triage")
	shared := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(dir, "appconfig.go")); err == nil {
		for _, m := range reShare.FindAllStringSubmatch(string(b), -1) {
			shared[m[1]] = true
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	cs := cliSurface{commands: map[string]bool{}, flags: map[string]map[string]bool{}}
	// Function bodies by name, for commands whose run is a helper
	// (`c.run = runConfig(c)`).
	bodies := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, chunk := range strings.Split(string(b), "\nfunc ")[1:] {
			if i := strings.IndexByte(chunk, '('); i > 0 {
				bodies[chunk[:i]] = chunk
			}
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		// A file may register several commands: split it at each
		// command literal and give each part's flags to its command.
		parts := strings.Split(src, "&command{")
		for _, part := range parts[1:] {
			m := reName.FindStringSubmatch(part)
			if m == nil {
				continue
			}
			name := m[1]
			cs.commands[name] = true
			if h := reHelper.FindStringSubmatch(part); h != nil {
				part += bodies[h[1]]
			}
			fl := map[string]bool{"help": true}
			for _, m := range reFlag.FindAllStringSubmatch(part, -1) {
				fl[m[1]] = true
			}
			if strings.Contains(part, "addConfigFlags(") {
				for k := range shared {
					fl[k] = true
				}
			}
			cs.flags[name] = fl
		}
	}
	if len(cs.commands) < 5 {
		t.Fatalf("found only %d commands in %s", len(cs.commands), dir)
	}
	return cs
}

// render runs `kubectl kustomize` (offline; no cluster needed).
func render(t *testing.T, dir string) []obj {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed: rendering checks skipped (the parse and config checks still ran)")
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(kubectl, "kustomize", dir)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl kustomize %s: %v: %s", dir, err, errb.String())
	}
	return decodeAll(t, &out, dir)
}

// envKeys maps every TRIAGE_* variable the config package reads to its key.
func envKeys() map[string]string {
	m := map[string]string{}
	for k := range config.Defaults() {
		m["TRIAGE_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = k
	}
	return m
}

// extraEnv are TRIAGE_* variables read outside the config package.
var extraEnv = map[string]bool{"TRIAGE_API_KEYS_FILE": true}

// validateConfig loads a triage.yaml the way the binary does, with every
// file path it names redirected into a temp dir (after checking mounts
// cover them), and requires Validate to pass.
//
// unused lists path prefixes the command does not open (the lag exporter
// never touches the state directory or the HMAC key), which need no mount.
func validateConfig(t *testing.T, yml string, env []string, mounts []string, unused ...string) *config.Config {
	t.Helper()
	tmp := t.TempDir()
	var pathRe = regexp.MustCompile(`(/(?:var|etc)/[A-Za-z0-9_./-]+)`)
	rewritten := yml
	for _, p := range pathRe.FindAllString(yml, -1) {
		covered := false
		for _, m := range mounts {
			if strings.HasPrefix(p, strings.TrimSuffix(m, "/")+"/") {
				covered = true
			}
		}
		for _, u := range unused {
			if strings.HasPrefix(p, u) {
				covered = true
			}
		}
		if mounts != nil && !covered {
			t.Errorf("config names %s, which no volume mount of the container covers (mounts %v)", p, mounts)
		}
		local := filepath.Join(tmp, p)
		if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p, "/secrets/") || strings.HasSuffix(p, ".crt") {
			if err := os.WriteFile(local, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		rewritten = strings.ReplaceAll(rewritten, p, local)
	}
	f := filepath.Join(tmp, "triage.yaml")
	if err := os.WriteFile(f, []byte(rewritten), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadEnv(f, nil, func() []string { return env })
	if err != nil {
		t.Fatalf("config load: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("config invalid: %v", err)
	}
	return c
}

type overlay struct {
	dir, region string // region "" for the base
}

var overlays = []overlay{
	{"base", ""},
	{"overlays/us-east-1", "us-east-1"},
	{"overlays/eu-west-1", "eu-west-1"},
	{"overlays/ap-southeast-1", "ap-southeast-1"},
	{"overlays/us-east-1-hpa", "us-east-1"},
}

func TestRenderedManifestsCrossCheck(t *testing.T) {
	cli := readCLI(t)
	for _, ov := range overlays {
		t.Run(ov.dir, func(t *testing.T) {
			docs := render(t, ov.dir)
			checkRendered(t, ov, docs, cli)
		})
	}
}

func checkRendered(t *testing.T, ov overlay, docs []obj, cli cliSurface) {
	byKind := map[string]map[string]obj{}
	for _, d := range docs {
		if byKind[d.kind()] == nil {
			byKind[d.kind()] = map[string]obj{}
		}
		if _, dup := byKind[d.kind()][d.name()]; dup {
			t.Errorf("duplicate %s/%s", d.kind(), d.name())
		}
		byKind[d.kind()][d.name()] = d
		if ns := str(get(d, "metadata", "namespace")); ov.region != "" && ns != "triage-"+ov.region {
			t.Errorf("%s/%s in namespace %q, want triage-%s", d.kind(), d.name(), ns, ov.region)
		}
	}
	for _, want := range []string{"StatefulSet/triage-processor", "Deployment/triage-api", "Deployment/triage-lag",
		"Service/triage-processor", "Service/triage-api", "Service/triage-lag", "PodDisruptionBudget/triage-processor",
		"NetworkPolicy/triage-processor", "ServiceAccount/triage"} {
		k, n, _ := strings.Cut(want, "/")
		if byKind[k][n] == nil {
			t.Errorf("missing %s", want)
		}
	}
	if len(byKind["ConfigMap"]) != 1 {
		t.Fatalf("want exactly one ConfigMap, got %d", len(byKind["ConfigMap"]))
	}
	var cm obj
	for _, c := range byKind["ConfigMap"] {
		cm = c
	}
	yml := str(get(cm, "data", "triage.yaml"))
	if yml == "" {
		t.Fatal("ConfigMap has no triage.yaml")
	}
	// Raw key check: every key in the file must be one the binary reads.
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(yml), &raw); err != nil {
		t.Fatalf("triage.yaml: %v", err)
	}
	defaults := config.Defaults()
	for _, k := range flatten("", raw) {
		if _, ok := defaults[k]; !ok && !strings.HasPrefix(k, "regions.") && !strings.HasPrefix(k, "topic_regions.") {
			t.Errorf("triage.yaml key %s is not a config key", k)
		}
	}

	type podSpec struct {
		kind, name string
		labels     map[string]any
		spec       map[string]any
		claims     []any
	}
	var pods []podSpec
	for _, k := range []string{"StatefulSet", "Deployment"} {
		for n, d := range byKind[k] {
			pods = append(pods, podSpec{k, n, dict(get(d, "spec", "template", "metadata", "labels")), dict(get(d, "spec", "template", "spec")), list(get(d, "spec", "volumeClaimTemplates"))})
			sel := dict(get(d, "spec", "selector", "matchLabels"))
			if len(sel) == 0 || !subset(sel, dict(get(d, "spec", "template", "metadata", "labels"))) {
				t.Errorf("%s/%s: selector does not match its pod labels", k, n)
			}
		}
	}
	envToKey := envKeys()
	var cfg *config.Config
	for _, p := range pods {
		where := p.kind + "/" + p.name
		vols := map[string]map[string]any{}
		for _, v := range list(p.spec["volumes"]) {
			vols[str(dict(v)["name"])] = dict(v)
		}
		for _, c := range p.claims {
			vols[str(get(c, "metadata", "name"))] = map[string]any{"pvc": true}
		}
		for name, v := range vols {
			if cmName := str(get(v, "configMap", "name")); cmName != "" && byKind["ConfigMap"][cmName] == nil {
				t.Errorf("%s: volume %s references missing ConfigMap %s", where, name, cmName)
			}
			if s := str(get(v, "secret", "secretName")); s != "" && !documentedSecrets[s] {
				t.Errorf("%s: volume %s references undocumented Secret %s", where, name, s)
			}
		}
		if p.spec["automountServiceAccountToken"] != false || str(p.spec["serviceAccountName"]) != "triage" {
			t.Errorf("%s: must use ServiceAccount triage without a token", where)
		}
		if get(p.spec, "securityContext", "runAsNonRoot") != true {
			t.Errorf("%s: runAsNonRoot not set", where)
		}
		for _, c := range list(p.spec["containers"]) {
			c := dict(c)
			cw := where + "/" + str(c["name"])
			ports := map[string]int{}
			portNums := map[int]bool{}
			for _, pt := range list(c["ports"]) {
				n, _ := dict(pt)["containerPort"].(int)
				ports[str(dict(pt)["name"])] = n
				portNums[n] = true
			}
			var mounts []string
			for _, m := range list(c["volumeMounts"]) {
				m := dict(m)
				if vols[str(m["name"])] == nil {
					t.Errorf("%s: mount %s has no volume", cw, str(m["name"]))
				}
				mounts = append(mounts, str(m["mountPath"]))
			}
			if get(c, "securityContext", "readOnlyRootFilesystem") != true || get(c, "securityContext", "allowPrivilegeEscalation") != false {
				t.Errorf("%s: needs readOnlyRootFilesystem and no privilege escalation", cw)
			}
			// Command and flags exist; --config is mounted.
			args := list(c["args"])
			if len(args) == 0 {
				t.Fatalf("%s: no args", cw)
			}
			cmd := str(args[0])
			if !cli.commands[cmd] {
				t.Errorf("%s: triage %s is not a command", cw, cmd)
			}
			listen := ""
			for i, a := range args[1:] {
				s := str(a)
				if !strings.HasPrefix(s, "--") {
					continue
				}
				fl, _, _ := strings.Cut(strings.TrimPrefix(s, "--"), "=")
				if !cli.flags[cmd][fl] {
					t.Errorf("%s: triage %s has no flag --%s", cw, cmd, fl)
				}
				if (fl == "listen" || fl == "serve") && i+2 < len(args)+1 {
					listen = str(args[i+2])
				}
				if fl == "config" {
					path := str(args[i+2])
					dir, file := filepath.Split(path)
					if !contains(mounts, strings.TrimSuffix(dir, "/")) || file != "triage.yaml" {
						t.Errorf("%s: --config %s is not the mounted ConfigMap's triage.yaml", cw, path)
					}
				}
			}
			// Env vars are config keys (or documented extras).
			env := []string{}
			for _, e := range list(c["env"]) {
				e := dict(e)
				n := str(e["name"])
				if strings.HasPrefix(n, "TRIAGE_") && envToKey[n] == "" && !extraEnv[n] {
					t.Errorf("%s: env %s is read by nothing", cw, n)
				}
				if n == "TRIAGE_KAFKA_INSTANCE_ID" && str(get(e, "valueFrom", "fieldRef", "fieldPath")) != "metadata.name" {
					t.Errorf("%s: TRIAGE_KAFKA_INSTANCE_ID must come from metadata.name", cw)
				}
				if n == "TRIAGE_API_KEYS_FILE" && !underAny(str(e["value"]), mounts) {
					t.Errorf("%s: API keys file %s is not mounted", cw, str(e["value"]))
				}
				v := str(e["value"])
				if n == "TRIAGE_KAFKA_INSTANCE_ID" {
					v = "pod-0"
				}
				env = append(env, n+"="+v)
			}
			// Probes hit a declared port and a served path.
			for _, pr := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
				probe := dict(c[pr])
				if probe == nil {
					if pr != "startupProbe" {
						t.Errorf("%s: no %s", cw, pr)
					}
					continue
				}
				path := str(get(probe, "httpGet", "path"))
				if path != "/healthz" && path != "/readyz" {
					t.Errorf("%s: %s path %q is not /healthz or /readyz", cw, pr, path)
				}
				port := get(probe, "httpGet", "port")
				if ps, ok := port.(string); ok {
					if _, ok := ports[ps]; !ok {
						t.Errorf("%s: %s port %s is not a container port", cw, pr, ps)
					}
				} else if pn, _ := port.(int); !portNums[pn] {
					t.Errorf("%s: %s port %v is not a container port", cw, pr, port)
				}
			}
			if listen != "" && !portNums[atoiPort(listen)] {
				t.Errorf("%s: listens on %s but declares ports %v", cw, listen, ports)
			}
			switch cmd {
			case "run":
				cfg = validateConfig(t, yml, env, mounts)
				if cfg.AdminAddr == "" || !portNums[atoiPort(cfg.AdminAddr)] {
					t.Errorf("%s: admin_addr %q is not a container port", cw, cfg.AdminAddr)
				}
				if !underAny(cfg.State.Dir, mounts) {
					t.Errorf("%s: state.dir %s is not on a mounted volume", cw, cfg.State.Dir)
				}
				grace, _ := p.spec["terminationGracePeriodSeconds"].(int)
				if time.Duration(grace)*time.Second <= cfg.ShutdownTimeout+10*time.Second {
					t.Errorf("%s: terminationGracePeriodSeconds %d is not above shutdown_timeout %s plus margin", cw, grace, cfg.ShutdownTimeout)
				}
			case "serve":
				validateConfig(t, yml, env, mounts, "/var/lib/triage/")
			case "lag":
				validateConfig(t, yml, env, mounts, "/var/lib/triage/", "/var/run/secrets/triage/hmac/")
			}
		}
	}
	if cfg == nil {
		t.Fatal("no container runs `triage run`")
	}
	// The processor's PVC is mounted where state.dir lives.
	sts := byKind["StatefulSet"]["triage-processor"]
	if len(list(get(sts, "spec", "volumeClaimTemplates"))) == 0 {
		t.Error("processor has no PersistentVolumeClaim for its state")
	}
	svcName := str(get(sts, "spec", "serviceName"))
	if svc := byKind["Service"][svcName]; svc == nil || str(get(svc, "spec", "clusterIP")) != "None" {
		t.Errorf("StatefulSet serviceName %q is not a headless Service", svcName)
	}
	// Services, PDBs and NetworkPolicies select pods and named ports exist.
	for n, svc := range byKind["Service"] {
		sel := dict(get(svc, "spec", "selector"))
		var matched []podSpec
		for _, p := range pods {
			if subset(sel, p.labels) {
				matched = append(matched, p)
			}
		}
		if len(matched) == 0 {
			t.Errorf("Service/%s selects no pods", n)
			continue
		}
		for _, sp := range list(get(svc, "spec", "ports")) {
			tp := dict(sp)["targetPort"]
			if tps, ok := tp.(string); ok && !podHasPort(matched[0].spec, tps) {
				t.Errorf("Service/%s targetPort %s is not a port of %s", n, tps, matched[0].name)
			}
		}
	}
	for _, k := range []string{"PodDisruptionBudget", "NetworkPolicy"} {
		for n, d := range byKind[k] {
			sel := dict(get(d, "spec", "selector", "matchLabels"))
			if k == "NetworkPolicy" {
				sel = dict(get(d, "spec", "podSelector", "matchLabels"))
			}
			var matched *podSpec
			for i := range pods {
				if len(sel) > 0 && subset(sel, pods[i].labels) {
					matched = &pods[i]
				}
			}
			if matched == nil {
				t.Errorf("%s/%s selects no pods", k, n)
				continue
			}
			if k == "NetworkPolicy" {
				allowed := map[int]bool{}
				for _, in := range list(get(d, "spec", "ingress")) {
					for _, p := range list(dict(in)["ports"]) {
						n, _ := dict(p)["port"].(int)
						allowed[n] = true
					}
				}
				for _, c := range list(matched.spec["containers"]) {
					for _, p := range list(dict(c)["ports"]) {
						if n, _ := dict(p)["containerPort"].(int); !allowed[n] {
							t.Errorf("NetworkPolicy/%s blocks container port %d of %s", d.name(), n, matched.name)
						}
					}
				}
			}
		}
	}
	// Autoscaling: exactly one autoscaler, targeting the processor, capped
	// at the partition count.
	var maxes []int
	for _, so := range byKind["ScaledObject"] {
		if str(get(so, "spec", "scaleTargetRef", "name")) != "triage-processor" || str(get(so, "spec", "scaleTargetRef", "kind")) != "StatefulSet" {
			t.Error("ScaledObject does not target the processor StatefulSet")
		}
		m, _ := get(so, "spec", "maxReplicaCount").(int)
		maxes = append(maxes, m)
		md := dict(get(so, "spec", "triggers", 0, "metadata"))
		if str(get(so, "spec", "triggers", 0, "type")) != "kafka" || str(md["consumerGroup"]) != cfg.Kafka.Group ||
			!contains(cfg.Kafka.InputTopics, str(md["topic"])) || str(md["bootstrapServers"]) != strings.Join(cfg.Kafka.Brokers, ",") {
			t.Errorf("KEDA kafka trigger %v does not match the config (group %s, topics %v, brokers %v)", md, cfg.Kafka.Group, cfg.Kafka.InputTopics, cfg.Kafka.Brokers)
		}
		if str(md["allowIdleConsumers"]) != "false" {
			t.Error("KEDA trigger must not allow idle consumers")
		}
		ref := str(get(so, "spec", "triggers", 0, "authenticationRef", "name"))
		if byKind["TriggerAuthentication"][ref] == nil {
			t.Errorf("KEDA authenticationRef %q missing", ref)
		}
	}
	for _, h := range byKind["HorizontalPodAutoscaler"] {
		if str(get(h, "spec", "scaleTargetRef", "name")) != "triage-processor" {
			t.Error("HPA does not target the processor")
		}
		m, _ := get(h, "spec", "maxReplicas").(int)
		maxes = append(maxes, m)
		if str(get(h, "spec", "metrics", 0, "external", "metric", "name")) != "triage_group_lag_records" {
			t.Error("HPA must scale on triage_group_lag_records from the lag exporter")
		}
	}
	if len(maxes) != 1 {
		t.Fatalf("want exactly one autoscaler, got %d", len(maxes))
	}
	if maxes[0] != cfg.Kafka.Partitions {
		t.Errorf("autoscaler max %d != kafka.partitions %d", maxes[0], cfg.Kafka.Partitions)
	}
	if r, _ := get(sts, "spec", "replicas").(int); r > cfg.Kafka.Partitions || r < 1 {
		t.Errorf("processor replicas %d outside 1..%d partitions", r, cfg.Kafka.Partitions)
	}
	// Region policy: the overlay's default region and its policy match
	// the built-in policy table (framework) and are at least as strict.
	if ov.region != "" {
		if cfg.DefaultRegion != ov.region {
			t.Errorf("default_region %s, want %s", cfg.DefaultRegion, ov.region)
		}
		reg, err := cfg.RegionRegistry()
		if err != nil {
			t.Fatal(err)
		}
		got := reg.Policy(ov.region)
		var want regions.Policy
		for _, p := range regions.Builtin() {
			if p.Region == ov.region {
				want = p
			}
		}
		if got == nil || got.Framework != want.Framework || got.RetentionDays > want.RetentionDays ||
			regions.LevelRank(got.RedactionLevel) < regions.LevelRank(regions.FrameworkMinimumLevel[got.Framework]) {
			t.Errorf("region policy for %s = %+v, want framework %s, retention <= %d, redaction >= framework minimum", ov.region, got, want.Framework, want.RetentionDays)
		}
		if lbl := str(get(sts, "metadata", "labels", "topology.kubernetes.io/region")); lbl != ov.region {
			t.Errorf("region label %q", lbl)
		}
	}
}

// documentedSecrets are the Secrets the base kustomization documents.
var documentedSecrets = map[string]bool{"triage-kafka": true, "triage-hmac": true, "triage-api-keys": true}

func flatten(prefix string, m map[string]any) []string {
	var out []string
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			out = append(out, flatten(key, sub)...)
			continue
		}
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

func subset(sel, labels map[string]any) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func underAny(path string, mounts []string) bool {
	for _, m := range mounts {
		if path == m || strings.HasPrefix(path, strings.TrimSuffix(m, "/")+"/") {
			return true
		}
	}
	return false
}

func podHasPort(spec map[string]any, name string) bool {
	for _, c := range list(spec["containers"]) {
		for _, p := range list(dict(c)["ports"]) {
			if str(dict(p)["name"]) == name {
				return true
			}
		}
	}
	return false
}

func atoiPort(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	var n int
	fmt.Sscanf(addr[i+1:], "%d", &n)
	return n
}
