// Package stages holds the processing steps an email goes through, one file
// per stage, and the ordered registry that fixes their order.
//
// A stage sees only the email model and small interfaces declared next to
// it (for example the dedup store); it knows nothing of Kafka, Pebble,
// Prometheus or logging. Metrics, timing and error classification come from
// one wrapper (Observed) applied to every stage by the pipeline.
//
// Order matters and is pinned by a test: parse first, dedup before any
// expensive work, PII detection and redaction before summary and suggested
// response, so those are built from redacted text only.
package stages
