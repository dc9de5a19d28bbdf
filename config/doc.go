// Package config loads and validates the application configuration with
// koanf, in increasing precedence: built-in defaults, an optional YAML file
// (--config), environment variables with the TRIAGE_ prefix, then command
// line flags. Validate reports every problem at once, each with its key and
// a hint, so an operator fixes a bad config in one restart, not ten.
//
// Environment variables map to keys by matching the known key set rather
// than by blindly turning "_" into ".", because keys themselves contain
// underscores: TRIAGE_KAFKA_INPUT_TOPICS is kafka.input_topics, not
// kafka.input.topics. Variables that match no key are reported by Validate.
package config
