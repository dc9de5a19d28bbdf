package state

import (
	"encoding/binary"
	"encoding/hex"
	"testing"
	"time"

	"github.com/triage-dev/triage/stages"
)

func benchKey(i int) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(i)*0x9e3779b97f4a7c15)
	binary.BigEndian.PutUint64(b[8:], uint64(i))
	return hex.EncodeToString(b[:])
}

func benchStore(b *testing.B, n int) *Store {
	b.Helper()
	s, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	now := time.Now()
	for i := 0; i < n; i++ {
		m := stages.Mark{Key: benchKey(i), EmailID: benchKey(i), Region: "eu-west-1",
			Participants: []string{benchKey(i + 1)[:32], benchKey(i + 2)[:32]}, SeenAt: now, Expiry: now.Add(24 * time.Hour)}
		if _, _, err := s.CheckAndMark(m); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 || i == n-1 {
			s.TakePending()
			if err := s.Commit(nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	return s
}

// BenchmarkCheckAndMark measures the duplicate path (a committed key found
// in Pebble) against a new key (miss: a Pebble lookup plus a pending
// insert), on a store holding 100k marks on the real filesystem.
func BenchmarkCheckAndMark(b *testing.B) {
	const n = 100_000
	s := benchStore(b, n)
	now := time.Now()
	b.Run("hit_durable", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			dup, _, err := s.CheckAndMark(stages.Mark{Key: benchKey(i % n), SeenAt: now, Expiry: now.Add(time.Hour)})
			if err != nil || !dup {
				b.Fatal("want dup", err)
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if i%1000 == 999 {
				b.StopTimer()
				s.TakePending()
				s.Abort()
				b.StartTimer()
			}
			dup, _, err := s.CheckAndMark(stages.Mark{Key: benchKey(n + i), SeenAt: now, Expiry: now.Add(time.Hour)})
			if err != nil || dup {
				b.Fatal("want miss", err)
			}
		}
	})
	b.Run("hit_pending", func(b *testing.B) {
		s.CheckAndMark(stages.Mark{Key: benchKey(-1), SeenAt: now, Expiry: now.Add(time.Hour)})
		for b.Loop() {
			if dup, _, _ := s.CheckAndMark(stages.Mark{Key: benchKey(-1), SeenAt: now, Expiry: now.Add(time.Hour)}); !dup {
				b.Fatal("want dup")
			}
		}
	})
}

// BenchmarkCommit measures TakePending+Commit (one synced batch) for a
// transaction of 500 new marks; reported per mark via ns/op / 500.
func BenchmarkCommit500(b *testing.B) {
	s := benchStore(b, 0)
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		for j := 0; j < 500; j++ {
			s.CheckAndMark(stages.Mark{Key: benchKey(i*500 + j), Participants: []string{"p1", "p2"}, SeenAt: now, Expiry: now.Add(time.Hour)})
		}
		s.TakePending()
		if err := s.Commit(map[int32]int64{0: int64(i)}); err != nil {
			b.Fatal(err)
		}
	}
}
