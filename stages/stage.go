package stages

import (
	"context"
	"errors"
	"fmt"

	"github.com/triage-dev/triage/email"
)

// Stage is one processing step.
//
// Process mutates e in place. Returning nil means the email continues to the
// next stage (unless the stage set e.Duplicate, which ends the pipeline with
// no output). Returning an error stops the pipeline for this email; how the
// error is handled depends on its class (see Classify): permanent errors
// send the original record to the dead-letter queue, transient errors are
// retried and never commit. A stage must not keep e after returning.
//
// Stages are called concurrently for different emails, so Process must be
// safe for concurrent use.
type Stage interface {
	Name() string
	Process(ctx context.Context, e *email.Email) error
}

// Closer is implemented by stages that hold resources.
type Closer interface {
	Close() error
}

// Class says what the pipeline does with a failed email. It is decided in
// exactly one place, Classify.
type Class int

const (
	// ClassRetry: a transient failure (a dependency was unavailable, the
	// context was cancelled). The batch is not committed; the record will be
	// processed again.
	ClassRetry Class = iota
	// ClassDLQ: the input itself is bad. The original record goes to the
	// region's dead-letter topic with the reason, and the partition moves on.
	ClassDLQ
	// ClassDrop: nothing is wrong but no output should be produced (an
	// already-processed duplicate). Counted, never silent.
	ClassDrop
)

func (c Class) String() string {
	switch c {
	case ClassRetry:
		return "retry"
	case ClassDLQ:
		return "dlq"
	case ClassDrop:
		return "drop"
	}
	return "unknown"
}

// Error is a classified stage error. Reason is a short, fixed,
// snake_case phrase safe for metric labels and DLQ headers ("unreadable_mime",
// "too_large"); Err carries detail for the DLQ message header and logs and
// must never contain personal data.
type Error struct {
	Stage  string
	Reason string
	Class  Class
	Err    error
}

func (e *Error) Error() string {
	if e.Stage == "" {
		return fmt.Sprintf("%s: %v", e.Reason, e.Err)
	}
	return fmt.Sprintf("stage %s: %s: %v", e.Stage, e.Reason, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent marks err as caused by the input: the email goes to the DLQ.
func Permanent(reason string, err error) error {
	return &Error{Reason: reason, Class: ClassDLQ, Err: err}
}

// Transient marks err as worth retrying: the batch is not committed.
func Transient(reason string, err error) error {
	return &Error{Reason: reason, Class: ClassRetry, Err: err}
}

// Classify is the one place that decides what a failure means. Unknown
// errors are treated as transient: retrying a bug costs throughput and shows
// in metrics, whereas dead-lettering on an unknown error could send a whole
// topic to the DLQ when, say, a disk fills. Panics in stages are converted to
// permanent errors by the pipeline before they reach here, so a poison
// message cannot wedge a partition.
func Classify(err error) Class {
	if err == nil {
		return ClassDrop
	}
	var se *Error
	if errors.As(err, &se) {
		return se.Class
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassRetry
	}
	return ClassRetry
}

// Reason returns the label-safe reason of a classified error, or "internal".
func Reason(err error) string {
	var se *Error
	if errors.As(err, &se) && se.Reason != "" {
		return se.Reason
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "cancelled"
	}
	return "internal"
}

// StageOf returns the stage that failed, or "".
func StageOf(err error) string {
	var se *Error
	if errors.As(err, &se) {
		return se.Stage
	}
	return ""
}
