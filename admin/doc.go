// Package admin serves triage's operator HTTP endpoints on --admin-addr:
// /metrics (Prometheus), /healthz (liveness) and /readyz (readiness).
//
// The two probes answer different questions, and confusing them causes
// restart loops:
//
//   - /healthz asks "is the process loop alive?". It fails only when the
//     loop's heartbeat is older than the liveness timeout. It deliberately
//     passes while partitions are restoring state: a restore of a large
//     changelog can take longer than any probe timeout, and killing the
//     process would restart the restore from scratch, so it would never
//     finish. A stuck restore is an alert (TriageRestoreStuck), not a kill.
//   - /readyz asks "should this instance count as serving?": broker
//     reachable, consumer group joined, assigned partitions restored and,
//     optionally, lag under a threshold.
//
// The Kafka loop feeds Health through setters (Beat, SetJoined,
// SetRestoring); the package knows nothing of Kafka.
package admin
