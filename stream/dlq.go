package stream

import (
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/stages"
)

// Dead-letter headers. The DLQ keeps the original record's key, value and
// headers untouched (it is region-scoped and retention-bound like the
// outputs), plus these. Their values never contain personal data: the
// message is the stage's error text, which stages build from fixed phrases.
const (
	HeaderErrorClass    = "triage-error-class"
	HeaderErrorStage    = "triage-error-stage"
	HeaderErrorReason   = "triage-error-reason"
	HeaderErrorMessage  = "triage-error-message"
	HeaderOrigTopic     = "triage-original-topic"
	HeaderOrigPartition = "triage-original-partition"
	HeaderOrigOffset    = "triage-original-offset"
	HeaderAttempts      = "triage-attempts"
	HeaderFirstFailure  = "triage-first-failure"
	HeaderRegion        = "triage-region-resolved"
	HeaderRedriveCount  = "triage-redrive-count"
	maxDLQMessageLen    = 512
)

var dlqHeaders = map[string]bool{
	HeaderErrorClass: true, HeaderErrorStage: true, HeaderErrorReason: true, HeaderErrorMessage: true,
	HeaderOrigTopic: true, HeaderOrigPartition: true, HeaderOrigOffset: true, HeaderAttempts: true,
	HeaderRegion: true,
}

// dlqRegion picks the region for a record whose parse may have failed: the
// resolved one if parsing got that far, else the header hint or topic map.
func (p *Processor) dlqRegion(e *email.Email) string {
	if e.Region != "" {
		return e.Region
	}
	return p.o.Regions.Resolve(e.RegionHint, e.Source.Topic, nil).Region
}

func (p *Processor) deadLetter(it *item, now time.Time) *kgo.Record {
	r := it.rec
	region := p.dlqRegion(it.e)
	msg := it.err.Error()
	if len(msg) > maxDLQMessageLen {
		msg = msg[:maxDLQMessageLen]
	}
	attempts := 1
	first := now.UTC().Format(time.RFC3339)
	var hs []kgo.RecordHeader
	for _, h := range r.Headers {
		switch {
		case h.Key == HeaderRedriveCount:
			if n, err := strconv.Atoi(string(h.Value)); err == nil {
				attempts = n + 1
			}
		case h.Key == HeaderFirstFailure:
			first = string(h.Value)
			continue
		case dlqHeaders[h.Key]:
			continue
		}
		hs = append(hs, h)
	}
	hs = append(hs,
		kgo.RecordHeader{Key: HeaderErrorClass, Value: []byte(stages.Classify(it.err).String())},
		kgo.RecordHeader{Key: HeaderErrorStage, Value: []byte(stageOr(it.err))},
		kgo.RecordHeader{Key: HeaderErrorReason, Value: []byte(stages.Reason(it.err))},
		kgo.RecordHeader{Key: HeaderErrorMessage, Value: []byte(msg)},
		kgo.RecordHeader{Key: HeaderOrigTopic, Value: []byte(r.Topic)},
		kgo.RecordHeader{Key: HeaderOrigPartition, Value: itoa(int64(r.Partition))},
		kgo.RecordHeader{Key: HeaderOrigOffset, Value: itoa(r.Offset)},
		kgo.RecordHeader{Key: HeaderAttempts, Value: itoa(int64(attempts))},
		kgo.RecordHeader{Key: HeaderFirstFailure, Value: []byte(first)},
		kgo.RecordHeader{Key: HeaderRegion, Value: []byte(region)},
	)
	return &kgo.Record{
		Topic:   p.o.Regions.DLQTopic(region),
		Key:     r.Key,
		Value:   r.Value,
		Headers: hs,
	}
}
