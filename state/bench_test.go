package state

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/email"
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

// benchEmail is a synthetic business email of typical size (about 1.5 KB).
func benchEmail(id int) []byte {
	body := strings.Repeat("Hello team, please find the quarterly figures attached and let me know "+
		"if the meeting on Thursday still works for everyone. Call me at +1 415 555 0100. ", 8)
	return []byte(fmt.Sprintf("From: Alice Example <alice@example.com>\r\nTo: bob@example.de, carol@example.fr\r\n"+
		"Subject: Quarterly figures\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <bench-%d@example.com>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\nBest regards,\r\nAlice\r\n", id, body))
}

// BenchmarkPipeline compares a full pass (a new email: every stage runs,
// dedup misses) with the duplicate path (parse, dedup hit, stop) through
// the real stages and a real store.
func BenchmarkPipeline(b *testing.B) {
	s := benchStore(b, 0)
	built, err := stages.Build(&stages.Config{Dedup: s})
	if err != nil {
		// Another area's stage failing to build must not hide this
		// figure; say which stages the full pass lacked.
		b.Logf("full pipeline unavailable (%v); measuring without classify", err)
		if built, err = stages.Build(&stages.Config{Dedup: s, Disabled: []string{"classify"}}); err != nil {
			b.Fatal(err)
		}
	}
	names := make([]string, len(built))
	for i, st := range built {
		names[i] = st.Name()
	}
	b.Logf("stages: %v", names)
	p := stages.NewPipeline(built, nil)
	ctx := context.Background()
	run := func(raw []byte, part int32) *email.Email {
		e := &email.Email{Raw: raw, Source: email.Source{Topic: "emails.raw", Partition: part, Offset: 1}}
		if err := p.Run(ctx, e); err != nil {
			b.Fatal(err)
		}
		return e
	}
	b.Run("full", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if e := run(benchEmail(i), 0); e.Duplicate {
				b.Fatal("unexpected duplicate")
			}
			if i%500 == 499 {
				b.StopTimer()
				s.TakePending()
				s.Commit(nil)
				b.StartTimer()
			}
		}
	})
	dup := benchEmail(-1)
	run(dup, 1)
	s.TakePending()
	s.Commit(nil)
	b.Run("duplicate", func(b *testing.B) {
		for b.Loop() {
			if e := run(dup, 1); !e.Duplicate {
				b.Fatal("want duplicate")
			}
		}
	})
}
