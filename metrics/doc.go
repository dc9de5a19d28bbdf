// Package metrics is triage's Prometheus instrumentation: one explicit
// registry holding every triage_* metric, the Go and process collectors and
// (per Kafka client) franz-go's kprom metrics.
//
// Metrics implements stream.Observer (the Kafka loop's events) and
// stages.Observer (per-stage timing), so neither the loop nor any stage
// carries instrumentation code.
//
// Conventions, as in the Prometheus naming guide: base units (seconds,
// bytes), counters end in _total, and every label has a bounded value set.
// Label values come from the loop and stages (regions, categories, stage
// names, fixed reasons), never from email content. As a second line of
// defence each labelled family caps its number of distinct label tuples
// (MaxSeries); values past the cap are counted under "other", so a bug that
// passes an unbounded value cannot blow up the time-series database.
//
// The Observer methods are on the hot path (several calls per email). They
// resolve label tuples through a read-locked map of pre-resolved children
// instead of calling WithLabelValues, which hashes the values and takes
// the vector's lock on every call; see BenchmarkObserveStage and
// BenchmarkProcessed.
package metrics
