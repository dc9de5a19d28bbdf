// Package email defines the model every stage works on: one raw message,
// where it came from, what parsing found, and what later stages derived.
//
// It has no dependencies on Kafka, Pebble or Avro so that stages, schemas
// and the CLI can share it without pulling each other in. The model is the
// boundary for personal data: only (*Email).LogValue may reach a log.
package email
