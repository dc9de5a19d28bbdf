package metrics

import "sync"

// MaxSeries caps the distinct label tuples of one labelled family. Past it,
// new tuples are folded into a single overflow child whose label values are
// all "other".
const MaxSeries = 500

// overflow is the label value used once a family reaches MaxSeries.
const overflow = "other"

// children maps a label tuple to the resolved child metric. Reads take the
// read lock only, so concurrent workers do not serialise on a hot tuple;
// the first use of a tuple takes the write lock once.
type children[K comparable, V any] struct {
	mu      sync.RWMutex
	m       map[K]V
	resolve func(K) V
	// full builds the overflow key once the cap is reached.
	full func() K
}

func newChildren[K comparable, V any](resolve func(K) V, full func() K) *children[K, V] {
	return &children[K, V]{m: make(map[K]V), resolve: resolve, full: full}
}

func (c *children[K, V]) get(k K) V {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[k]; ok {
		return v
	}
	if len(c.m) >= MaxSeries {
		k = c.full()
		if v, ok := c.m[k]; ok {
			return v
		}
	}
	v = c.resolve(k)
	c.m[k] = v
	return v
}

// forget drops k from the cache; the caller deletes the series from the
// vector so that a revoked partition stops being exported.
func (c *children[K, V]) forget(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

type pair struct{ a, b string }

type partKey struct {
	topic     string
	partition int32
}

// orUnknown maps the empty label value (a stage did not run, a field was
// not computed) to "unknown", so that it is visible and not confused with
// a missing label.
func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
