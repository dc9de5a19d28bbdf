package stream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Erasure topics. Requests carry only the subject's keyed hash (see
// state.ErasureRequest); every processor instance reads every request,
// because each holds the state of its own partitions. Audit records
// (state.ErasureAudit) are written by each instance for what it erased.
const (
	ErasureTopic      = "emails.erasure"
	ErasureAuditTopic = "emails.erasure.audit"
)

// ErasureTopicConfigs keep requests and audit records for 400 days: at
// least the longest state retention, so an instance started later still
// replays every request that could apply to a mark it restores.
func ErasureTopicConfigs() map[string]*string {
	s := func(v string) *string { return &v }
	return map[string]*string{"cleanup.policy": s("delete"), "retention.ms": s("34560000000")}
}

// ChangelogTopic is the dedup state changelog's name for a consumer group.
func ChangelogTopic(group string) string { return group + ".dedup-changelog" }

// ChangelogConfigs are the configs a new changelog topic is created with.
//
// cleanup.policy=compact keeps the latest record per key, so the topic
// holds exactly the live marks plus recent tombstones. The rest bounds how
// long a deleted mark physically survives in the changelog after the
// sweeper or an erasure tombstoned it:
//
//   - max.compaction.lag.ms=24h: a record superseded by a tombstone is
//     compacted away within a day, even in a quiet partition;
//   - segment.ms=1h: the active segment, which the cleaner never touches,
//     rolls hourly, so that bound is not extended by an idle segment;
//   - delete.retention.ms=24h: the tombstone itself stays a day after
//     compaction, long enough for any restore in progress to see it;
//   - min.compaction.lag.ms=0: nothing forces old records to linger.
//
// So a mark is gone from the changelog at most about expiry + 1h (expiry
// bucket) + one sweep interval + 24h (compaction lag) + cleaner scheduling,
// and its tombstone at most 24h later. Erasure has the same bound, counted
// from the request.
func ChangelogConfigs() map[string]*string {
	s := func(v string) *string { return &v }
	return map[string]*string{
		"cleanup.policy":        s("compact"),
		"max.compaction.lag.ms": s("86400000"),
		"min.compaction.lag.ms": s("0"),
		"delete.retention.ms":   s("86400000"),
		"segment.ms":            s("3600000"),
	}
}

// EnsureChangelog creates the changelog topic with ChangelogConfigs and
// partitions partitions if it does not exist, or checks that an existing
// one is co-partitioned with the input (same partition count) and
// compacted. It returns the topic id (base64), which the restore compares
// with the id the store was built from.
//
// A mismatch is a startup error, never fixed silently: changing the
// partition count would scatter every key's history across partitions.
func EnsureChangelog(ctx context.Context, adm *kadm.Client, topic string, partitions int32) (string, error) {
	if partitions <= 0 {
		return "", fmt.Errorf("stream: changelog %s: input partition count %d", topic, partitions)
	}
	md, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return "", fmt.Errorf("stream: list changelog %s: %w", topic, err)
	}
	td, ok := md[topic]
	if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
		resp, err := adm.CreateTopic(ctx, partitions, -1, ChangelogConfigs(), topic)
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return "", fmt.Errorf("stream: create changelog %s: %w", topic, err)
		}
		if err == nil && resp.ID != (kadm.TopicID{}) {
			return resp.ID.String(), nil
		}
		// Created concurrently by another instance, or an old broker
		// without ids in the create response: check what is there, giving
		// metadata (brokers' and the client's cache) time to catch up.
		var id string
		for i := 0; i < 40; i++ {
			if id, err = checkChangelog(ctx, adm, topic, partitions); err == nil || !errors.Is(err, kerr.UnknownTopicOrPartition) {
				return id, err
			}
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
		}
		return "", err
	}
	if td.Err != nil {
		return "", fmt.Errorf("stream: describe changelog %s: %w", topic, td.Err)
	}
	return checkChangelog(ctx, adm, topic, partitions)
}

func checkChangelog(ctx context.Context, adm *kadm.Client, topic string, partitions int32) (string, error) {
	md, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return "", fmt.Errorf("stream: list changelog %s: %w", topic, err)
	}
	td, ok := md[topic]
	if !ok || td.Err != nil {
		return "", fmt.Errorf("stream: describe changelog %s: %w", topic, td.Err)
	}
	var problems []string
	if n := int32(len(td.Partitions)); n != partitions {
		problems = append(problems, fmt.Sprintf("has %d partitions but the input has %d; the changelog must be co-partitioned with the input (delete it to let triage recreate it: state is then rebuilt from nothing and duplicates already seen may pass once)", n, partitions))
	}
	rc, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return "", fmt.Errorf("stream: describe changelog %s configs: %w", topic, err)
	}
	for _, r := range rc {
		if r.Err != nil {
			return "", fmt.Errorf("stream: describe changelog %s configs: %w", topic, r.Err)
		}
		for _, c := range r.Configs {
			if c.Key == "cleanup.policy" && (c.Value == nil || !strings.Contains(*c.Value, "compact")) {
				v := "<unset>"
				if c.Value != nil {
					v = *c.Value
				}
				problems = append(problems, fmt.Sprintf("cleanup.policy is %q, must include compact (otherwise marks are lost when segments expire)", v))
			}
		}
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("stream: changelog %s: %s", topic, strings.Join(problems, "; "))
	}
	return td.ID.String(), nil
}
