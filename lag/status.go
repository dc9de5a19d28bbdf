package lag

import "time"

// Group statuses, judged by a Tracker over a window of samples.
const (
	// StatusOK: caught up, or lag is shrinking, or too few samples to say
	// otherwise.
	StatusOK = "ok"
	// StatusLagging: members are committing, but lag did not shrink over
	// the whole window.
	StatusLagging = "lagging"
	// StatusStalled: members exist and lag is positive, but no committed
	// offset moved over the whole window (a stuck processor).
	StatusStalled = "stalled"
	// StatusStopped: no member is running and there is lag.
	StatusStopped = "stopped"
	// StatusRewound: a committed offset went backwards within the window
	// (a replay or an offset reset).
	StatusRewound = "rewound"
	// StatusUnknown: the group could not be measured.
	StatusUnknown = "unknown"
)

// Statuses lists every status, for exporting one series per status.
var Statuses = []string{StatusOK, StatusLagging, StatusStalled, StatusStopped, StatusRewound, StatusUnknown}

type tp struct {
	topic     string
	partition int32
}

type sample struct {
	at        time.Time
	total     int64
	committed map[tp]int64
}

// Tracker judges each group's status over its last Window samples. It is
// not safe for concurrent use; the Exporter serialises calls.
type Tracker struct {
	// Window is the number of samples (including the current one) that
	// lagging and stalled are judged over. Default 5.
	Window  int
	samples map[string][]sample
}

// Observe records one measurement of groups and sets each group's Status.
func (t *Tracker) Observe(at time.Time, groups []Group) {
	if t.Window <= 0 {
		t.Window = 5
	}
	if t.samples == nil {
		t.samples = map[string][]sample{}
	}
	for i := range groups {
		g := &groups[i]
		if g.Err != nil {
			g.Status = StatusUnknown
			continue
		}
		s := sample{at: at, total: g.Total, committed: map[tp]int64{}}
		for _, p := range g.Partitions {
			if p.Err == nil || p.Committed >= 0 {
				s.committed[tp{p.Topic, p.Partition}] = p.Committed
			}
		}
		w := append(t.samples[g.Group], s)
		if len(w) > t.Window {
			w = w[len(w)-t.Window:]
		}
		t.samples[g.Group] = w
		g.Status = judge(w, g.Members, t.Window)
	}
}

func judge(w []sample, members, window int) string {
	for i := 1; i < len(w); i++ {
		for k, c := range w[i].committed {
			if prev, ok := w[i-1].committed[k]; ok && prev >= 0 && c >= 0 && c < prev {
				return StatusRewound
			}
		}
	}
	cur := w[len(w)-1]
	if cur.total == 0 {
		return StatusOK
	}
	if members == 0 {
		return StatusStopped
	}
	if len(w) < window {
		return StatusOK
	}
	for _, s := range w {
		if s.total == 0 {
			return StatusOK
		}
	}
	first := w[0]
	moved := false
	for k, c := range cur.committed {
		if first.committed[k] != c {
			moved = true
		}
	}
	if !moved {
		return StatusStalled
	}
	if cur.total >= first.total {
		return StatusLagging
	}
	return StatusOK
}
