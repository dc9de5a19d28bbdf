package stages

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/regions"
)

// memDedup is an in-memory DedupStore recording the marks it was given.
// The real store (package state) has its own tests; this one pins what the
// stage sends and how it reacts.
type memDedup struct {
	mu    sync.Mutex
	seen  map[string]string
	marks []Mark
	err   error
}

func (m *memDedup) CheckAndMark(mk Mark) (bool, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, "", m.err
	}
	m.marks = append(m.marks, mk)
	if of, ok := m.seen[mk.Key]; ok {
		return true, of, nil
	}
	m.seen[mk.Key] = mk.EmailID
	return false, "", nil
}

func TestDedupDisabledWithoutStore(t *testing.T) {
	s, err := newDedup(&Config{})
	if s != nil || err != nil {
		t.Fatalf("newDedup without store = %v, %v; want nil, nil", s, err)
	}
}

func TestDedupStage(t *testing.T) {
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	em := func(key, id, region string) *email.Email {
		return &email.Email{DedupKey: key, ID: id, Region: region, Participants: []string{"p1"},
			Source: email.Source{Topic: "emails.raw", Partition: 3, Offset: 9}}
	}
	tests := []struct {
		name       string
		prior      []*email.Email
		in         *email.Email
		storeErr   error
		wantDup    bool
		wantOf     string
		wantExpiry time.Duration
		wantErr    Class
		wantWarn   string
	}{
		{name: "first sighting", in: em("k1", "id1", "eu-west-1"), wantExpiry: 30 * 24 * time.Hour},
		{name: "duplicate", prior: []*email.Email{em("k1", "id1", "eu-west-1")}, in: em("k1", "id2", "eu-west-1"),
			wantDup: true, wantOf: "id1", wantExpiry: 30 * 24 * time.Hour},
		{name: "us retention", in: em("k2", "id", "us-east-1"), wantExpiry: 365 * 24 * time.Hour},
		{name: "unknown region uses default policy", in: em("k3", "id", "mars-1"), wantExpiry: 365 * 24 * time.Hour},
		{name: "no key: processed with a warning", in: em("", "id", "eu-west-1"), wantWarn: WarnNoDedupKey},
		{name: "store failure is transient", in: em("k4", "id", "eu-west-1"), storeErr: errors.New("disk"), wantErr: ClassRetry},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &memDedup{seen: map[string]string{}}
			st, err := newDedup(&Config{Dedup: store, Regions: regions.Default()})
			if err != nil {
				t.Fatal(err)
			}
			d := st.(*dedupStage)
			d.now = func() time.Time { return now }
			for _, p := range tc.prior {
				if err := d.Process(context.Background(), p); err != nil || p.Duplicate {
					t.Fatalf("prior: %v dup=%v", err, p.Duplicate)
				}
			}
			store.err = tc.storeErr
			err = d.Process(context.Background(), tc.in)
			if tc.storeErr != nil {
				if err == nil || Classify(err) != tc.wantErr || Reason(err) != "state_unavailable" {
					t.Fatalf("err = %v, want %v state_unavailable", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.in.Duplicate != tc.wantDup || tc.in.DuplicateOf != tc.wantOf {
				t.Fatalf("dup = %v of %q, want %v of %q", tc.in.Duplicate, tc.in.DuplicateOf, tc.wantDup, tc.wantOf)
			}
			if tc.wantWarn != "" {
				if len(tc.in.Warnings) != 1 || tc.in.Warnings[0] != tc.wantWarn || len(store.marks) != 0 {
					t.Fatalf("warnings %v marks %d", tc.in.Warnings, len(store.marks))
				}
				return
			}
			m := store.marks[len(store.marks)-1]
			if m.Key != tc.in.DedupKey || m.EmailID != tc.in.ID || m.Region != tc.in.Region || m.Partition != 3 ||
				m.Offset != 9 || m.Topic != "emails.raw" || len(m.Participants) != 1 || !m.SeenAt.Equal(now) ||
				m.Expiry.Sub(m.SeenAt) != tc.wantExpiry {
				t.Fatalf("mark = %+v", m)
			}
		})
	}
}

// TestDedupEndsPipeline: a duplicate stops the pipeline after dedup, so
// no later stage runs.
func TestDedupEndsPipeline(t *testing.T) {
	store := &memDedup{seen: map[string]string{"k": "first"}}
	d, _ := newDedup(&Config{Dedup: store, Regions: regions.Default()})
	ran := false
	later := stageFunc{"language", func(*email.Email) { ran = true }}
	p := NewPipeline([]Stage{d, later}, nil)
	e := &email.Email{DedupKey: "k", Region: "eu-west-1"}
	if err := p.Run(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if !e.Duplicate || e.DuplicateOf != "first" || ran {
		t.Fatalf("dup=%v of=%q later ran=%v", e.Duplicate, e.DuplicateOf, ran)
	}
}

type stageFunc struct {
	name string
	f    func(*email.Email)
}

func (s stageFunc) Name() string                                    { return s.name }
func (s stageFunc) Process(_ context.Context, e *email.Email) error { s.f(e); return nil }
