package main

import (
	"context"
	"log/slog"

	"github.com/triage-dev/triage/compliance"
	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/stream"
)

// openState opens the dedup store when dedup is enabled. It returns the
// stream.State, the restore function for assignments, the changelog topic
// and a closer.
func openState(c *config.Config, sc *stages.Config, log *slog.Logger) (stream.State, func(context.Context, []int32) error, string, func() error, error) {
	// Wired once package state lands.
	return nil, nil, "", nil, nil
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
