package stages

import (
	"fmt"
	"sort"
)

// Order is the one place that fixes which stages run and in what order.
// registry_test.go pins it. The invariants:
//   - parse is first: every other stage reads the parsed model;
//   - dedup is second: a duplicate skips all expensive work;
//   - pii runs before summary and respond, which must see only redacted
//     text, and before classify/priority so their reasons are built from
//     redacted text too.
var Order = []string{
	"parse",
	"dedup",
	"language",
	"pii",
	"classify",
	"priority",
	"summary",
	"respond",
}

// Constructor builds a stage from the shared config. It returns (nil, nil)
// when the stage is disabled by that config (for example dedup without a
// store), and an error when the config is unusable.
type Constructor func(cfg *Config) (Stage, error)

var constructors = map[string]Constructor{}

// register is called from each stage file's init. Registering a name that is
// not in Order is a programming error caught by the registry test.
func register(name string, c Constructor) {
	if _, dup := constructors[name]; dup {
		panic("stages: duplicate registration of " + name)
	}
	constructors[name] = c
}

// Registered returns the names that have a constructor, sorted; used by
// tests and `triage version`.
func Registered() []string {
	out := make([]string, 0, len(constructors))
	for n := range constructors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Build constructs the enabled stages in Order. A stage whose constructor is
// not linked in, or that is disabled by config, is skipped; its output
// fields stay null.
func Build(cfg *Config) ([]Stage, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	cfg.EnsureDefaults()
	var out []Stage
	for _, name := range Order {
		c, ok := constructors[name]
		if !ok || cfg.disabled(name) {
			continue
		}
		s, err := c(cfg)
		if err != nil {
			return nil, fmt.Errorf("stages: build %s: %w", name, err)
		}
		if s == nil {
			continue
		}
		if s.Name() != name {
			return nil, fmt.Errorf("stages: constructor for %s built a stage named %s", name, s.Name())
		}
		out = append(out, s)
	}
	return out, nil
}
