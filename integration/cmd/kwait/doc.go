// Command kwait waits until a Kafka cluster answers metadata requests with
// at least one registered broker, so scripts/kafka/kafka-up.sh returns only
// once the harness broker can serve clients. It exits 0 when ready and 1
// with a one-line reason on timeout or when the watched broker process
// (-pid) has exited, which is the usual sign of a bad config or a port in
// use.
package main
