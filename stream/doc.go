// Package stream is the Kafka side of triage: the consumer-group loop,
// transactions, dead letters, topic creation and changelog restore. It is
// the only package (besides the CLI's operator tools) that imports
// franz-go's client.
package stream
