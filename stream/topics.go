package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/triage-dev/triage/regions"
)

// EnsureTopics checks the input topics and creates every region's output
// and DLQ topic that is missing, with the input's partition count and the
// region policy's retention. Existing topics are left as they are (their
// configs are audited by `triage compliance-check`, not silently changed).
// An input topic that does not exist is an error unless CreateInputTopics.
func EnsureTopics(ctx context.Context, adm *kadm.Client, o Options, log *slog.Logger) (int32, error) {
	md, err := adm.ListTopics(ctx, o.InputTopics...)
	if err != nil {
		return 0, fmt.Errorf("stream: list input topics: %w", err)
	}
	partitions := int32(0)
	var missing []string
	for _, t := range o.InputTopics {
		td, ok := md[t]
		if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
			missing = append(missing, t)
			continue
		}
		if td.Err != nil {
			return 0, fmt.Errorf("stream: describe input topic %s: %w", t, td.Err)
		}
		if n := int32(len(td.Partitions)); n > partitions {
			partitions = n
		}
	}
	if len(missing) > 0 {
		if !o.CreateInputTopics {
			return 0, fmt.Errorf("input topic(s) %s do not exist (create them, or check kafka.input_topics)", strings.Join(missing, ", "))
		}
		resp, err := adm.CreateTopics(ctx, o.Partitions, -1, nil, missing...)
		if err := firstCreateErr(resp, err); err != nil {
			return 0, fmt.Errorf("stream: create input topics: %w", err)
		}
		if partitions == 0 {
			partitions = o.Partitions
		}
	}
	want := map[string]map[string]*string{}
	for _, name := range o.Regions.Names() {
		pol := o.Regions.Policy(name)
		cfg := TopicConfigs(pol)
		want[o.Regions.OutputTopic(name)] = cfg
		want[o.Regions.DLQTopic(name)] = cfg
	}
	names := make([]string, 0, len(want))
	for t := range want {
		names = append(names, t)
	}
	sort.Strings(names)
	existing, err := adm.ListTopics(ctx, names...)
	if err != nil {
		return 0, fmt.Errorf("stream: list output topics: %w", err)
	}
	for _, t := range names {
		if td, ok := existing[t]; ok && td.Err == nil {
			continue
		}
		resp, err := adm.CreateTopic(ctx, partitions, -1, want[t], t)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return 0, fmt.Errorf("stream: create topic %s: %w", t, err)
		}
		if err == nil {
			log.Info("created topic", "topic", t, "partitions", partitions, "retention_ms", deref(want[t]["retention.ms"]))
		}
	}
	return partitions, nil
}

// TopicConfigs returns the configs region topics are created with: the
// policy's retention and cleanup policy.
func TopicConfigs(p *regions.Policy) map[string]*string { return p.TopicConfigs() }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func firstCreateErr(resp kadm.CreateTopicResponses, err error) error {
	if err != nil {
		return err
	}
	for _, r := range resp.Sorted() {
		if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("%s: %w", r.Topic, r.Err)
		}
	}
	return nil
}
