package metrics

import (
	"testing"
	"time"
)

func BenchmarkObserveStage(b *testing.B) {
	m := New(Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveStage("classify", 37*time.Microsecond, nil)
		}
	})
}

func BenchmarkProcessed(b *testing.B) {
	m := New(Options{Categories: []string{"support"}})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Processed("eu-west-1", "support", "de", 250*time.Millisecond)
		}
	})
}

// BenchmarkWithLabelValues is the baseline the child cache is measured
// against.
func BenchmarkWithLabelValues(b *testing.B) {
	m := New(Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.processed.WithLabelValues("eu-west-1", "support").Inc()
			m.languages.WithLabelValues("de").Inc()
			m.e2e.Observe(0.25)
		}
	})
}
