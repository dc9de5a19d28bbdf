// Package ops holds the operator tools that act on a running deployment
// through Kafka alone: replaying a consumer group from a point in time or
// offset (replay.go) and listing, inspecting and redriving dead letters
// (dlq.go). The CLI commands `triage replay` and `triage dlq` are thin
// wrappers over it.
//
// Both tools are dry runs unless asked to execute, and both refuse to act
// when acting would race with live processing: a replay never moves the
// offsets of a group with active members (Kafka would reject or, worse,
// silently overwrite the commit at the members' next commit), and a redrive
// never re-injects a record that has already been redriven --max-redrives
// times, so a poison record cannot loop forever between the input topic and
// the DLQ.
package ops
