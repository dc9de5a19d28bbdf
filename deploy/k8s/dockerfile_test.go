package k8s_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfile pins the container contract the manifests rely on: a
// static binary, a non-root user matching the pods' runAsUser, a
// HEALTHCHECK running a command that exists, and a build context that
// keeps the files go:embed needs.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	cli := readCLI(t)
	checks := []struct {
		name string
		ok   bool
	}{
		{"multi-stage", strings.Count(df, "\nFROM ") >= 2},
		{"static build", strings.Contains(df, "CGO_ENABLED=0")},
		{"distroless or scratch runtime", regexp.MustCompile(`(?m)^FROM (gcr.io/distroless/static|scratch)`).MatchString(df)},
		{"non-root user 65532 (pods run as 65532)", regexp.MustCompile(`(?m)^USER 65532`).MatchString(df)},
		{"entrypoint is the binary", strings.Contains(df, `ENTRYPOINT ["/usr/local/bin/triage"]`)},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("Dockerfile: %s", c.name)
		}
	}
	hc := regexp.MustCompile(`CMD \["/usr/local/bin/triage", "([a-z-]+)"([^\]]*)\]`).FindStringSubmatch(df[strings.Index(df, "HEALTHCHECK"):])
	if hc == nil || hc[1] != "health" || !cli.commands["health"] {
		t.Fatalf("HEALTHCHECK must run `triage health`: %v", hc)
	}
	for _, f := range regexp.MustCompile(`"--([a-z-]+)"`).FindAllStringSubmatch(hc[2], -1) {
		if !cli.flags["health"][f[1]] {
			t.Errorf("HEALTHCHECK uses unknown flag --%s", f[1])
		}
	}
	ign, err := os.ReadFile(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ign), "\n") {
		line = strings.TrimSpace(line)
		for _, need := range []string{"models", "corpus", "langid", "schemas", "cmd", "go.mod", "go.sum"} {
			if line == need || line == "/"+need {
				t.Errorf(".dockerignore excludes %s, which the build embeds or needs", need)
			}
		}
	}
}
