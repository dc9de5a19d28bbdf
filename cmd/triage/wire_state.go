package main

import (
	"log/slog"

	"github.com/triage-dev/triage/compliance"
	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/state"
	"github.com/triage-dev/triage/stream"
)

// openState opens the Pebble dedup store when dedup is enabled and points
// the stage config at it. The store is closed by the returned closer, after
// the processor has stopped.
func openState(c *config.Config, sc *stages.Config, log *slog.Logger) (*state.Store, error) {
	if !c.Dedup.Enabled {
		return nil, nil
	}
	st, err := state.Open(state.Options{Dir: c.State.Dir, CacheSize: c.State.CacheBytes, Logger: log.With("component", "state")})
	if err != nil {
		return nil, err
	}
	sc.Dedup = st
	return st, nil
}

// complianceSignals returns the per-email compliance hook.
func complianceSignals(sc *stages.Config) func(*email.Email) []stream.Violation {
	return func(e *email.Email) []stream.Violation {
		vs := compliance.EmailSignals(e, sc.Regions.Policy(e.Region))
		if len(vs) == 0 {
			return nil
		}
		out := make([]stream.Violation, len(vs))
		for i, v := range vs {
			out[i] = stream.Violation{Framework: v.Framework, Rule: v.Rule}
		}
		return out
	}
}
