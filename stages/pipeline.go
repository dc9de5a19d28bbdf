package stages

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/triage-dev/triage/email"
)

// Observer is told about every stage call. The pipeline's metrics and
// tracing live behind it so that no stage carries instrumentation code.
// Implementations must be safe for concurrent use and cheap: ObserveStage
// is on the hot path.
type Observer interface {
	ObserveStage(stage string, d time.Duration, err error)
}

// Pipeline runs stages in order. It is safe for concurrent use by many
// goroutines, each with its own Email.
type Pipeline struct {
	stages []Stage
	obs    Observer
}

// NewPipeline wraps stages (already in registry order) with obs, which may
// be nil.
func NewPipeline(stages []Stage, obs Observer) *Pipeline {
	return &Pipeline{stages: stages, obs: obs}
}

// Stages returns the stage names in order.
func (p *Pipeline) Stages() []string {
	out := make([]string, len(p.stages))
	for i, s := range p.stages {
		out[i] = s.Name()
	}
	return out
}

// Run passes e through every stage. It returns nil when e should be emitted
// (or e.Duplicate is set and nothing should be emitted), or a classified
// error naming the failed stage. A panic inside a stage is recovered and
// returned as a permanent error: one poison message must not take down the
// process or block its partition.
func (p *Pipeline) Run(ctx context.Context, e *email.Email) error {
	for _, s := range p.stages {
		if err := ctx.Err(); err != nil {
			return &Error{Stage: s.Name(), Reason: "cancelled", Class: ClassRetry, Err: err}
		}
		start := time.Now()
		err := runOne(ctx, s, e)
		if p.obs != nil {
			p.obs.ObserveStage(s.Name(), time.Since(start), err)
		}
		if err != nil {
			return err
		}
		if e.Duplicate {
			return nil
		}
	}
	e.ProcessedAt = time.Now().UTC()
	return nil
}

func runOne(ctx context.Context, s Stage, e *email.Email) (err error) {
	defer func() {
		if r := recover(); r != nil {
			// The stack goes to the error, not the log line, and holds no
			// email content: only code locations.
			err = &Error{Stage: s.Name(), Reason: "panic", Class: ClassDLQ,
				Err: fmt.Errorf("recovered panic: %v\n%s", r, firstFrames(debug.Stack()))}
		}
	}()
	err = s.Process(ctx, e)
	if err == nil {
		return nil
	}
	// Attach the stage name so Classify's callers can report it.
	if se, ok := err.(*Error); ok {
		if se.Stage == "" {
			se.Stage = s.Name()
		}
		return se
	}
	return &Error{Stage: s.Name(), Reason: Reason(err), Class: Classify(err), Err: err}
}

func firstFrames(stack []byte) []byte {
	const max = 2048
	if len(stack) > max {
		return stack[:max]
	}
	return stack
}

// Close closes every stage that holds resources.
func (p *Pipeline) Close() error {
	var first error
	for _, s := range p.stages {
		if c, ok := s.(Closer); ok {
			if err := c.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}
