package k8s_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunbookCommandsExist extracts every `triage ...` command line from
// the fenced code blocks of docs/operations.md (and the command names in
// inline code spans of the form `triage <cmd> ...`) and checks the command
// is registered in cmd/triage and every --flag on the line is one of its
// flags. It lives next to the manifest test because both read the CLI
// surface from the same sources; the runbook's procedures themselves are
// exercised by the ops package tests against an in-process broker.
func TestRunbookCommandsExist(t *testing.T) {
	cli := readCLI(t)
	f, err := os.Open(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	inBlock := false
	lineNo, checked := 0, 0
	seen := map[string]bool{}
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		var candidates [][]string
		if inBlock {
			if i := strings.Index(line, "#"); i == 0 {
				continue
			}
			fields := strings.Fields(line)
			// Skip leading "$" prompts and VAR=value assignments.
			for len(fields) > 0 && (fields[0] == "$" || (strings.Contains(fields[0], "=") && !strings.HasPrefix(fields[0], "-"))) {
				fields = fields[1:]
			}
			if len(fields) > 0 && fields[0] == "triage" {
				candidates = append(candidates, fields)
			}
		} else {
			for _, span := range inlineCode(line) {
				fields := strings.Fields(span)
				if len(fields) >= 2 && fields[0] == "triage" {
					candidates = append(candidates, fields)
				}
			}
		}
		for _, fields := range candidates {
			checked++
			if len(fields) < 2 {
				t.Errorf("operations.md:%d: bare `triage`", lineNo)
				continue
			}
			cmd := fields[1]
			seen[cmd] = true
			if !cli.commands[cmd] {
				t.Errorf("operations.md:%d: `triage %s` is not a registered command", lineNo, cmd)
				continue
			}
			for _, f := range fields[2:] {
				if !strings.HasPrefix(f, "--") {
					continue
				}
				name, _, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
				if !cli.flags[cmd][name] {
					t.Errorf("operations.md:%d: `triage %s` has no flag --%s", lineNo, cmd, name)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d command lines found in the runbook", checked)
	}
	for _, must := range []string{"replay", "dlq", "serve", "health", "lag", "run", "config"} {
		if !seen[must] {
			t.Errorf("runbook never shows `triage %s`", must)
		}
	}
}

// inlineCode returns the contents of `...` spans on a line.
func inlineCode(line string) []string {
	var out []string
	for {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(line[i+1:], '`')
		if j < 0 {
			return out
		}
		out = append(out, line[i+1:i+1+j])
		line = line[i+2+j:]
	}
}
