package metrics

import (
	"time"

	"github.com/triage-dev/triage/stages"
)

// ObserveStage implements stages.Observer: the stage's duration, and for a
// failed call one triage_errors_total{stage,class}. Errors raised outside
// the pipeline (produce, commit, fetch) reach Error instead, so each error
// is counted once.
func (m *Metrics) ObserveStage(stage string, d time.Duration, err error) {
	m.stageC.get(stage).Observe(d.Seconds())
	if err != nil {
		m.errsC.get(pair{stage, stages.Classify(err).String()}).Inc()
	}
}

// Processed counts one email committed to its output topic. e2e is the time
// from the input record's timestamp to the commit; non-positive values
// (clock skew, unknown timestamp) are not observed.
func (m *Metrics) Processed(region, category, language string, e2e time.Duration) {
	m.processedC.get(pair{orUnknown(region), orUnknown(category)}).Inc()
	m.languagesC.get(orUnknown(language)).Inc()
	if e2e > 0 {
		m.e2e.Observe(e2e.Seconds())
	}
}

// PII adds n findings of typ.
func (m *Metrics) PII(region, typ string, n int) {
	if n <= 0 {
		return
	}
	m.piiC.get(pair{orUnknown(typ), orUnknown(region)}).Add(float64(n))
}

// Duplicate counts one dedup hit.
func (m *Metrics) Duplicate(region string) { m.dedupC.get(orUnknown(region)).Inc() }

// DeadLetter counts one record sent to the DLQ. The stage is not a label of
// triage_dlq_records_total (the reason already names the failure); the
// failing stage's error was counted by ObserveStage.
func (m *Metrics) DeadLetter(region, stage, reason string) {
	m.dlqC.get(pair{orUnknown(region), orUnknown(reason)}).Inc()
}

// Error counts an error outside the pipeline stages (stage is the loop
// step: "fetch", "produce", "commit", "restore", ...).
func (m *Metrics) Error(stage, class string) {
	m.errsC.get(pair{orUnknown(stage), orUnknown(class)}).Inc()
}

// Transaction counts one ended transaction and its duration.
func (m *Metrics) Transaction(outcome string, d time.Duration) {
	m.txnsC.get(orUnknown(outcome)).Inc()
	m.txnDur.Observe(d.Seconds())
}

// Rebalance counts one rebalance event.
func (m *Metrics) Rebalance(kind string) { m.rebalancesC.get(orUnknown(kind)).Inc() }

// PartitionsAssigned sets the number of assigned input partitions.
func (m *Metrics) PartitionsAssigned(n int) { m.assigned.Set(float64(n)) }

// Lag records, for an assigned partition, the records behind the last
// stable offset and the age of the oldest unprocessed record. The age is
// stored as that record's time, so the exported lag in seconds keeps
// growing between reports if the loop stalls.
func (m *Metrics) Lag(topic string, partition int32, records int64, age time.Duration) {
	m.lag.set(topic, partition, records, age)
}

// ForgetPartition drops the lag and restore series of a revoked or lost
// partition, so that a partition now owned by another process is not
// reported twice.
func (m *Metrics) ForgetPartition(topic string, partition int32) {
	m.lag.forget(topic, partition)
	m.restoreC.forget(partition)
	m.restoreRem.DeleteLabelValues(partitionLabel(partition))
}

// Restore reports restore progress for a partition; done marks the end,
// with d the restore's total duration.
func (m *Metrics) Restore(partition int32, remaining int64, done bool, d time.Duration) {
	if done {
		remaining = 0
		m.restoreDur.Observe(d.Seconds())
	}
	m.restoreC.get(partition).Set(float64(remaining))
}

// RestoreReset counts a full (non-incremental) restore of a partition;
// implements stream.RestoreResetObserver.
func (m *Metrics) RestoreReset(_ int32, reason string) {
	switch reason {
	case "empty", "truncated", "recreated":
	default:
		reason = "other"
	}
	m.resets.WithLabelValues(reason).Inc()
}

// ComplianceViolation counts one compliance signal.
func (m *Metrics) ComplianceViolation(framework, rule string) {
	m.complianceC.get(pair{orUnknown(framework), orUnknown(rule)}).Inc()
}

// MaxLag returns the largest lag in seconds over the assigned partitions,
// for the readiness check's optional lag threshold.
func (m *Metrics) MaxLag() time.Duration { return m.lag.max() }
