package metrics

import (
	"fmt"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"
)

// KafkaNamespace prefixes franz-go's client metrics
// (triage_kafka_connects_total, triage_kafka_fetch_bytes_total, ...).
const KafkaNamespace = Namespace + "_kafka"

// KgoHooks returns the kgo option that installs franz-go's kprom metrics on
// one client, labelled client=<client>. kprom registers its collectors when
// the client is created and unregisters them when it is closed; two live
// clients may share this registry only under different names, because the
// registry rejects two collectors with identical label values. Passing a
// name already in use by a live client returns an error rather than a
// panic at client creation; the name is free again once its client closes.
func (m *Metrics) KgoHooks(client string) (kgo.Opt, error) {
	m.kafkaMu.Lock()
	defer m.kafkaMu.Unlock()
	if m.kafkaClient[client] {
		return nil, fmt.Errorf("metrics: kafka client name %q already has hooks", client)
	}
	m.kafkaClient[client] = true
	km := kprom.NewMetrics(KafkaNamespace,
		kprom.Registerer(m.kafkaReg), kprom.Gatherer(m.kafkaReg),
		kprom.WithStaticLabel(prometheus.Labels{"client": client}),
		kprom.FetchAndProduceDetail(kprom.Batches, kprom.Records, kprom.UncompressedBytes),
	)
	return kgo.WithHooks(km, releaseName{m, client}), nil
}

// kafkaGatherer gathers kprom's registry and fixes its naming: kprom
// exports the buffered-records gauges with a _total suffix, which
// Prometheus reserves for counters (promtool check metrics rejects it).
type kafkaGatherer struct{ g prometheus.Gatherer }

func (k kafkaGatherer) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := k.g.Gather()
	for _, mf := range mfs {
		if mf.GetType() != dto.MetricType_COUNTER && strings.HasSuffix(mf.GetName(), "_total") {
			mf.Name = proto.String(strings.TrimSuffix(mf.GetName(), "_total"))
		}
	}
	return mfs, err
}

// releaseName frees the client name when its client closes (after kprom
// has unregistered its collectors), so a restarted client can reuse it.
type releaseName struct {
	m    *Metrics
	name string
}

var _ kgo.HookClientClosed = releaseName{}

func (r releaseName) OnClientClosed(*kgo.Client) {
	r.m.kafkaMu.Lock()
	delete(r.m.kafkaClient, r.name)
	r.m.kafkaMu.Unlock()
}
