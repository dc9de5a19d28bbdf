package state

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/stream"
)

// clock is an injected, settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)

type env struct {
	fs  vfs.FS
	clk *clock
}

func newEnv() *env { return &env{fs: vfs.NewMem(), clk: &clock{t: t0}} }

func (e *env) open(t testing.TB) *Store {
	t.Helper()
	s, err := Open(Options{Dir: "/state", FS: e.fs, Now: e.clk.Now, CacheSize: 1 << 20, SweepBatch: 100, RestoreFlush: 3})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

// mk builds a mark the way the dedup stage does.
func mk(e *env, key, id string, part int32, retention time.Duration, participants ...string) stages.Mark {
	now := e.clk.Now()
	return stages.Mark{Key: key, EmailID: id, Region: "eu-west-1", Participants: participants,
		Partition: part, Offset: 7, SeenAt: now, Expiry: now.Add(retention)}
}

const day = 24 * time.Hour

func mustCheck(t *testing.T, s *Store, m stages.Mark, wantDup bool, wantOf string) {
	t.Helper()
	dup, of, err := s.CheckAndMark(m)
	if err != nil {
		t.Fatalf("CheckAndMark(%s): %v", m.Key, err)
	}
	if dup != wantDup || of != wantOf {
		t.Fatalf("CheckAndMark(%s) = (%v, %q), want (%v, %q)", m.Key, dup, of, wantDup, wantOf)
	}
}

func commit(t *testing.T, s *Store) []stream.ChangelogEntry {
	t.Helper()
	es := s.TakePending()
	offs := map[int32]int64{}
	for i, e := range es {
		offs[e.Partition] = int64(i)
	}
	if err := s.Commit(offs); err != nil {
		t.Fatalf("commit: %v", err)
	}
	return es
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"ok", Options{Dir: "/x"}, nil},
		{"all bad", Options{CacheSize: -1, SweepBatch: -1, RestoreFlush: -2, DefaultRetention: -1, ErasureLogRetention: -1},
			[]string{"dir: required", "cache_size", "sweep_batch", "restore_flush", "default_retention", "erasure_log_retention"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.EnsureDefaults()
			err := o.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestExactlyOnce pins the invariant: a mark is durable only with its
// committed transaction. An aborted batch's email comes back and must be
// processed again; a committed one is a duplicate, including after reopen.
func TestExactlyOnce(t *testing.T) {
	tests := []struct {
		name    string
		run     func(t *testing.T, e *env, s *Store) *Store
		wantDup bool
		wantOf  string
	}{
		{"aborted transaction: redelivery is not a duplicate", func(t *testing.T, e *env, s *Store) *Store {
			mustCheck(t, s, mk(e, "aa01", "id1", 0, 30*day), false, "")
			if got := s.TakePending(); len(got) != 1 || got[0].Value == nil {
				t.Fatalf("TakePending = %+v", got)
			}
			s.Abort()
			return s
		}, false, ""},
		{"killed before commit: reopen forgets the mark", func(t *testing.T, e *env, s *Store) *Store {
			mustCheck(t, s, mk(e, "aa01", "id1", 0, 30*day), false, "")
			s.TakePending()
			s.Close() // no Commit: the process died between produce and commit
			return e.open(t)
		}, false, ""},
		{"committed: duplicate caught", func(t *testing.T, e *env, s *Store) *Store {
			mustCheck(t, s, mk(e, "aa01", "id1", 0, 30*day), false, "")
			commit(t, s)
			return s
		}, true, "id1"},
		{"committed then reopened: duplicate caught", func(t *testing.T, e *env, s *Store) *Store {
			mustCheck(t, s, mk(e, "aa01", "id1", 0, 30*day), false, "")
			commit(t, s)
			s.Close()
			return e.open(t)
		}, true, "id1"},
		{"same batch: pending mark catches it", func(t *testing.T, e *env, s *Store) *Store {
			mustCheck(t, s, mk(e, "aa01", "id1", 0, 30*day), false, "")
			return s
		}, true, "id1"},
		{"other partition: not a duplicate (dedup is per partition)", func(t *testing.T, e *env, s *Store) *Store {
			mustCheck(t, s, mk(e, "aa01", "id1", 1, 30*day), false, "")
			commit(t, s)
			return s
		}, false, ""},
		{"expired mark: not a duplicate even before the sweep", func(t *testing.T, e *env, s *Store) *Store {
			mustCheck(t, s, mk(e, "aa01", "id1", 0, day), false, "")
			commit(t, s)
			e.clk.Add(day + time.Second)
			return s
		}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			s := e.open(t)
			activate(t, s, 0, 1)
			s = tc.run(t, e, s)
			defer s.Close()
			mustCheck(t, s, mk(e, "aa01", "id2", 0, 30*day), tc.wantDup, tc.wantOf)
		})
	}
}

func TestFrozenRejectsCheckAndMark(t *testing.T) {
	e := newEnv()
	s := e.open(t)
	defer s.Close()
	s.TakePending()
	if _, _, err := s.CheckAndMark(mk(e, "bb", "id", 0, day)); !errors.Is(err, ErrFrozen) {
		t.Fatalf("err = %v, want ErrFrozen", err)
	}
	s.Abort()
	mustCheck(t, s, mk(e, "bb", "id", 0, day), false, "")
}

func TestCommitRecordsChangelogOffsets(t *testing.T) {
	e := newEnv()
	s := e.open(t)
	mustCheck(t, s, mk(e, "01", "a", 3, day), false, "")
	s.TakePending()
	if err := s.Commit(map[int32]int64{3: 41}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = e.open(t)
	defer s.Close()
	next, id, err := s.ChangelogPosition(3)
	if err != nil || next != 42 || id != "" {
		t.Fatalf("ChangelogPosition = %d %q %v, want 42", next, id, err)
	}
	if next, _, _ := s.ChangelogPosition(9); next != -1 {
		t.Fatalf("unknown partition next = %d, want -1", next)
	}
}

func activate(t *testing.T, s *Store, parts ...int32) {
	t.Helper()
	for _, p := range parts {
		next, id, err := s.ChangelogPosition(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishRestore(p, next, id); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRetentionAcrossReopen: a mark expires after its region's retention
// even when the process restarted in between, and the sweeper's deletion
// reaches the changelog as a tombstone.
func TestRetentionAcrossReopen(t *testing.T) {
	e := newEnv()
	s := e.open(t)
	activate(t, s, 0)
	mustCheck(t, s, mk(e, "c1", "short", 0, 30*day), false, "")
	mustCheck(t, s, mk(e, "c2", "long", 0, 365*day), false, "")
	commit(t, s)
	s.Close()

	e.clk.Add(31 * day)
	s = e.open(t)
	defer s.Close()
	activate(t, s, 0)
	res, err := s.Sweep(e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Tombstones != 1 || res.Local != 0 {
		t.Fatalf("sweep = %+v, want 1 tombstone", res)
	}
	es := commit(t, s)
	if len(es) != 1 || es[0].Value != nil || string(es[0].Key) != "\xc1" {
		t.Fatalf("changelog = %+v, want one tombstone for c1", es)
	}
	st, _ := s.Stats()
	if st.Entries != 1 {
		t.Fatalf("entries after sweep = %d, want 1", st.Entries)
	}
	mustCheck(t, s, mk(e, "c2", "x", 0, day), true, "long")
	mustCheck(t, s, mk(e, "c1", "again", 0, day), false, "")
	if res, _ := s.Sweep(e.clk.Now()); res.Tombstones != 0 {
		t.Fatalf("second sweep = %+v, want nothing", res)
	}
}

// TestSweepInactiveOwesTombstones: a partition this instance does not own
// is cleaned locally; its tombstone is produced once it is restored here,
// unless the restore brought a newer mark for the key.
func TestSweepInactiveOwesTombstones(t *testing.T) {
	e := newEnv()
	s := e.open(t)
	defer s.Close()
	mustCheck(t, s, mk(e, "d1", "a", 5, day), false, "")
	mustCheck(t, s, mk(e, "d2", "b", 5, day), false, "")
	commit(t, s)
	e.clk.Add(2 * day)
	res, err := s.Sweep(e.clk.Now())
	if err != nil || res.Local != 2 || res.Tombstones != 0 {
		t.Fatalf("sweep = %+v %v, want 2 local", res, err)
	}
	if got := s.TakePending(); len(got) != 0 {
		t.Fatalf("inactive sweep produced changelog %+v", got)
	}
	s.Abort()
	// Restore: the changelog brings a newer mark for d2.
	next, id, _ := s.ChangelogPosition(5)
	newer := &Value{SeenAt: e.clk.Now(), Expiry: e.clk.Now().Add(day), Region: "eu-west-1", EmailID: "b2"}
	if err := s.ApplyChangelog(5, 10, []byte{0xd2}, newer.encode()); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRestore(5, 11, id); err != nil {
		t.Fatal(err)
	}
	_ = next
	es := commit(t, s)
	if len(es) != 1 || es[0].Key[0] != 0xd1 || es[0].Value != nil {
		t.Fatalf("owed tombstones = %+v, want only d1", es)
	}
	mustCheck(t, s, mk(e, "d2", "z", 5, day), true, "b2")
	if st, _ := s.Stats(); st.Owed != 1 {
		// d2's owed marker stays until d2 itself is deleted; harmless.
		t.Logf("owed after restore: %d", st.Owed)
	}
}

func TestErase(t *testing.T) {
	secret := []byte("k")
	alice := ParticipantHash(secret, "Alice@Example.com ")
	bob := ParticipantHash(secret, "bob@example.com")
	if alice != ParticipantHash(secret, "alice@example.com") || len(alice) != 32 {
		t.Fatalf("ParticipantHash not normalised: %s", alice)
	}
	tests := []struct {
		name       string
		req        func(e *env) ErasureRequest
		wantGone   []string
		wantRemain []string
	}{
		{"every region", func(e *env) ErasureRequest {
			return ErasureRequest{SubjectHash: alice, RequestedAt: e.clk.Now(), Offset: -1}
		}, []string{"e1", "e3", "e4"}, []string{"e2", "e5"}},
		{"one region", func(e *env) ErasureRequest {
			return ErasureRequest{SubjectHash: alice, Region: "us-east-1", RequestedAt: e.clk.Now(), Offset: -1}
		}, []string{"e3"}, []string{"e1", "e2", "e4", "e5"}},
		{"marks after the request are kept", func(e *env) ErasureRequest {
			return ErasureRequest{SubjectHash: alice, RequestedAt: e.clk.Now().Add(-time.Hour), Offset: -1}
		}, []string{"e1", "e3"}, []string{"e2", "e4", "e5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			s := e.open(t)
			defer s.Close()
			activate(t, s, 0, 1)
			mustCheck(t, s, mk(e, "e1", "1", 0, 30*day, alice, bob), false, "")
			mustCheck(t, s, mk(e, "e2", "2", 0, 30*day, bob), false, "")
			m3 := mk(e, "e3", "3", 1, 30*day, alice)
			m3.Region = "us-east-1"
			mustCheck(t, s, m3, false, "")
			commit(t, s)
			e.clk.Add(2 * time.Hour)
			// e4 is pending (uncommitted) when the erasure arrives.
			mustCheck(t, s, mk(e, "e4", "4", 1, 30*day, alice), false, "")
			mustCheck(t, s, mk(e, "e5", "5", 1, 30*day), false, "")
			req := tc.req(e)
			res, err := s.Erase(req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Tombstones != len(tc.wantGone) {
				t.Fatalf("erase = %+v, want %d tombstones", res, len(tc.wantGone))
			}
			es := commit(t, s)
			tomb := map[string]bool{}
			for _, c := range es {
				if c.Value == nil {
					tomb[fmt.Sprintf("%x", c.Key)] = true
				}
			}
			for _, k := range tc.wantGone {
				if !tomb[k] {
					t.Errorf("no tombstone for %s in %+v", k, es)
				}
				for _, p := range []int32{0, 1} {
					mustCheck(t, s, mk(e, k, "new", p, day), false, "")
				}
			}
			if len(tomb) != len(tc.wantGone) {
				t.Errorf("tombstones %v, want %v", tomb, tc.wantGone)
			}
			s.TakePending()
			s.Abort()
			for _, k := range tc.wantRemain {
				dup := false
				for _, p := range []int32{0, 1} {
					d, _, _ := s.CheckAndMark(mk(e, k, "new", p, day))
					dup = dup || d
				}
				if !dup {
					t.Errorf("%s was erased, want kept", k)
				}
			}
			a := res.Audit(req, e.clk.Now())
			if a.SubjectHash != alice || a.Marks != len(tc.wantGone) || a.Scope == "" {
				t.Errorf("audit = %+v", a)
			}
		})
	}
}

// TestEraseReplayedOnRestore: an erasure processed while a partition was
// elsewhere is applied when the partition is restored here from a
// changelog that still holds the subject's mark.
func TestEraseReplayedOnRestore(t *testing.T) {
	e := newEnv()
	h := ParticipantHash([]byte("k"), "carol@example.com")
	s := e.open(t)
	defer s.Close()
	if _, err := s.Erase(ErasureRequest{SubjectHash: h, RequestedAt: e.clk.Now(), Partition: 0, Offset: 4}); err != nil {
		t.Fatal(err)
	}
	commit(t, s)
	if n, _ := s.ErasureNext(0); n != 5 {
		t.Fatalf("ErasureNext = %d, want 5", n)
	}
	_, _, _ = s.ChangelogPosition(2)
	old := &Value{SeenAt: e.clk.Now().Add(-time.Hour), Expiry: e.clk.Now().Add(day), Region: "eu-west-1", EmailID: "c", Participants: []string{h}}
	if err := s.ResetPartition(2, "topic-a"); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyChangelog(2, 0, []byte{0xcc}, old.encode()); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRestore(2, 1, "topic-a"); err != nil {
		t.Fatal(err)
	}
	es := commit(t, s)
	if len(es) != 1 || es[0].Value != nil || es[0].Partition != 2 {
		t.Fatalf("changelog after restore = %+v, want the erased mark's tombstone", es)
	}
	mustCheck(t, s, mk(e, "cc", "new", 2, day), false, "")
}

// TestAbortKeepsDeletions: deletions are not tied to input records, so an
// aborted transaction hands them to the next one.
func TestAbortKeepsDeletions(t *testing.T) {
	e := newEnv()
	s := e.open(t)
	defer s.Close()
	activate(t, s, 0)
	mustCheck(t, s, mk(e, "f1", "a", 0, time.Hour), false, "")
	commit(t, s)
	e.clk.Add(3 * time.Hour)
	if res, _ := s.Sweep(e.clk.Now()); res.Tombstones != 1 {
		t.Fatalf("sweep = %+v", res)
	}
	if es := s.TakePending(); len(es) != 1 {
		t.Fatalf("first take = %+v", es)
	}
	s.Abort()
	if es := commit(t, s); len(es) != 1 || es[0].Value != nil {
		t.Fatalf("after abort = %+v, want the tombstone again", es)
	}
}

// TestRestoreFromAnotherStore: the changelog one store produces rebuilds
// the same dedup memory in another (a partition moved).
func TestRestoreFromAnotherStore(t *testing.T) {
	a, b := newEnv(), newEnv()
	sa := a.open(t)
	defer sa.Close()
	sb := b.open(t)
	defer sb.Close()
	activate(t, sa, 4)
	var log []stream.ChangelogEntry
	for i := 0; i < 7; i++ {
		mustCheck(t, sa, mk(a, fmt.Sprintf("%02x", i), fmt.Sprint("id", i), 4, 30*day), false, "")
	}
	log = append(log, commit(t, sa)...)
	if _, err := sa.Erase(ErasureRequest{SubjectHash: "none", RequestedAt: a.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	a.clk.Add(31 * day)
	mustCheck(t, sa, mk(a, "ff", "late", 4, 30*day), false, "")
	sa.Sweep(a.clk.Now())
	log = append(log, commit(t, sa)...)

	b.clk.Add(31 * day)
	next, _, _ := sb.ChangelogPosition(4)
	if next != -1 {
		t.Fatalf("fresh store next = %d", next)
	}
	for i, c := range log {
		if err := sb.ApplyChangelog(4, int64(i), c.Key, c.Value); err != nil {
			t.Fatal(err)
		}
	}
	if err := sb.FinishRestore(4, int64(len(log)), "tid"); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, sb, mk(b, "ff", "x", 4, day), true, "late")
	mustCheck(t, sb, mk(b, "00", "x", 4, day), false, "") // expired and tombstoned
	st, err := sb.Stats()
	if err != nil {
		t.Fatal(err)
	}
	p := st.Partitions[0]
	if p.LastRestore == nil || p.LastRestore.Records != int64(len(log)) || p.ChangelogNext != int64(len(log)) || p.TopicID != "tid" {
		t.Fatalf("restore stats = %+v %+v", p, p.LastRestore)
	}
}

func TestStats(t *testing.T) {
	e := newEnv()
	s := e.open(t)
	defer s.Close()
	mustCheck(t, s, mk(e, "01", "a", 0, 30*day), false, "")
	m := mk(e, "02", "b", 1, 365*day)
	m.Region = "us-east-1"
	mustCheck(t, s, m, false, "")
	e.clk.Add(time.Hour)
	mustCheck(t, s, mk(e, "03", "c", 1, 30*day), false, "")
	mustCheck(t, s, mk(e, "03", "c", 1, 30*day), true, "c")
	commit(t, s)
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 3 || st.Regions["eu-west-1"] != 2 || st.Regions["us-east-1"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
	if !st.Oldest.Equal(t0) || !st.NextExpiry.Equal(t0.Add(30*day)) || st.Hits != 1 || st.Misses != 3 {
		t.Fatalf("stats times/hits = %v %v %d %d", st.Oldest, st.NextExpiry, st.Hits, st.Misses)
	}
	if len(st.Partitions) != 2 || st.Partitions[1].Entries != 2 || st.DiskBytes == 0 {
		t.Fatalf("partitions = %+v disk %d", st.Partitions, st.DiskBytes)
	}
}

func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(Options{Dir: dir, ReadOnly: true}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open err = %v, want ErrLocked", err)
	}
}

func TestValueRoundTrip(t *testing.T) {
	v := &Value{SeenAt: t0, Expiry: t0.Add(day), Region: "r", EmailID: "id", Offset: -1, Participants: []string{"a", "b"}}
	got, err := decodeValue(v.encode())
	if err != nil || !got.SeenAt.Equal(v.SeenAt) || !got.Expiry.Equal(v.Expiry) || got.Region != "r" ||
		got.EmailID != "id" || got.Offset != -1 || len(got.Participants) != 2 {
		t.Fatalf("round trip = %+v %v", got, err)
	}
	for _, bad := range [][]byte{nil, {2}, {1, 0x80}, v.encode()[:5]} {
		if _, err := decodeValue(bad); err == nil {
			t.Errorf("decode(%x) accepted", bad)
		}
	}
}

// TestConcurrentCheckAndMark: workers racing on the same keys in the same
// partition produce exactly one first sighting per key; other partitions
// proceed independently.
func TestConcurrentCheckAndMark(t *testing.T) {
	e := newEnv()
	s := e.open(t)
	defer s.Close()
	const workers, keys = 8, 50
	var mu sync.Mutex
	firsts := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := 0; k < keys; k++ {
				for _, p := range []int32{0, int32(1 + w%2)} {
					key := fmt.Sprintf("%04x", k)
					dup, _, err := s.CheckAndMark(mk(e, key, fmt.Sprint(w), p, day))
					if err != nil {
						t.Error(err)
						return
					}
					if !dup {
						mu.Lock()
						firsts[fmt.Sprint(p, key)]++
						mu.Unlock()
					}
				}
			}
		}(w)
	}
	wg.Wait()
	if len(firsts) != 3*keys {
		t.Fatalf("first sightings for %d keys, want %d", len(firsts), 3*keys)
	}
	for k, n := range firsts {
		if n != 1 {
			t.Fatalf("key %s first-seen %d times", k, n)
		}
	}
	if es := commit(t, s); len(es) != 3*keys {
		t.Fatalf("changelog entries = %d", len(es))
	}
}
