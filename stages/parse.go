package stages

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/mailparse"
	"github.com/triage-dev/triage/regions"
)

func init() { register("parse", newParse) }

// Warnings the parse stage adds on top of the parser's.
const (
	WarnMissingMessageID = "missing_message_id"
	WarnUnknownRegion    = "unknown_region_hint"
)

// parseStage parses the raw message, derives the keyed identity of the
// email (id, dedup key, participant hashes) and resolves its region. It is
// first in Order: every other stage reads what it fills.
type parseStage struct {
	ids      *idHasher
	regions  *regions.Registry
	maxBytes int
}

func newParse(cfg *Config) (Stage, error) {
	if len(cfg.Secret) == 0 || cfg.Regions == nil {
		return nil, errors.New("parse: config without secret or regions (EnsureDefaults not called)")
	}
	return &parseStage{ids: newIDHasher(cfg.Secret), regions: cfg.Regions, maxBytes: cfg.Parse.MaxBytes}, nil
}

func (s *parseStage) Name() string { return "parse" }

// Process fills the parsed fields of e. Oversized input fails permanently
// as too_large, input with no mail structure as unreadable_mime; every other
// defect is a warning on e.
func (s *parseStage) Process(_ context.Context, e *email.Email) error {
	if s.maxBytes > 0 && len(e.Raw) > s.maxBytes {
		return Permanent("too_large", fmt.Errorf("parse: message of %d bytes exceeds limit of %d", len(e.Raw), s.maxBytes))
	}
	m, err := mailparse.Parse(e.Raw, mailparse.Options{MaxBytes: s.maxBytes})
	if err != nil {
		if errors.Is(err, mailparse.ErrTooLarge) {
			return Permanent("too_large", fmt.Errorf("parse: %w", err))
		}
		return Permanent("unreadable_mime", fmt.Errorf("parse: %w", err))
	}
	e.Headers = m.Headers
	e.From = m.From
	e.Sender = m.Sender
	e.ReplyTo = m.ReplyTo
	e.To = m.To
	e.Cc = m.Cc
	e.Subject = m.Subject
	e.Date = m.Date
	e.Body = m.Body
	e.NewText = m.NewText
	e.Attachments = m.Attachments
	e.Links = m.Links
	e.Flags = m.Flags
	e.ThreadDepth = m.ThreadDepth
	for _, w := range m.Warnings {
		e.Warn(w)
	}

	e.MessageID = NormalizeMessageID(m.MessageID)
	var material string
	if e.MessageID != "" {
		material = e.MessageID
	} else {
		e.Warn(WarnMissingMessageID)
		material = idFallbackMaterial(e, m.Headers)
	}
	e.ID = s.ids.hex("id", material, 16)
	e.DedupKey = s.ids.hex("dedup", material, sha256.Size)
	e.Participants = participantHashes(s.ids, e)

	res := s.regions.Resolve(e.RegionHint, e.Source.Topic, recipientDomainsOf(e))
	e.Region = res.Region
	if p := s.regions.Policy(res.Region); p != nil {
		e.Framework = p.Framework
	}
	if res.Unknown {
		e.Warn(WarnUnknownRegion)
	}
	return nil
}

// EmailID is the id the parse stage gives an email with this Message-ID
// (raw or normalized) under secret. Tools that erase or replay by
// Message-ID use it to find the email's state and output records.
func EmailID(secret []byte, messageID string) string {
	if len(secret) == 0 {
		secret = devSecret
	}
	return newIDHasher(secret).hex("id", NormalizeMessageID(messageID), 16)
}

// NormalizeMessageID trims spaces and angle brackets and lower-cases the
// domain part (the local part is case-sensitive in principle, and some
// generators do use case there).
func NormalizeMessageID(id string) string {
	id = strings.TrimSpace(id)
	// Some generators append a comment or a second id; keep the first.
	if strings.HasPrefix(id, "<") {
		if end := strings.IndexByte(id, '>'); end > 0 {
			id = id[1:end]
		} else {
			id = id[1:]
		}
	}
	id = strings.TrimSpace(strings.Trim(id, "<>"))
	if at := strings.LastIndexByte(id, '@'); at >= 0 {
		id = id[:at+1] + strings.ToLower(id[at+1:])
	}
	return id
}

// idFallbackMaterial identifies an email without a Message-ID by what a
// resend keeps: sender, date, subject and a digest of the body text.
func idFallbackMaterial(e *email.Email, h map[string][]string) string {
	date := ""
	if !e.Date.IsZero() {
		date = e.Date.UTC().Format(time.RFC3339)
	} else if v := h["Date"]; len(v) > 0 {
		date = v[0]
	}
	sum := sha256.Sum256([]byte(e.Body))
	return e.From.Address + "\x00" + date + "\x00" + e.Subject + "\x00" + hex.EncodeToString(sum[:])
}

// idHasher computes HMAC-SHA256(secret, domain NUL material), truncated
// and hex encoded; the domain separates the uses of the one secret. Keyed
// hashes are pooled: hmac.New re-derives the key pads on every call, which
// cost more than the parse of a small message.
type idHasher struct{ pool sync.Pool }

func newIDHasher(secret []byte) *idHasher {
	key := append([]byte(nil), secret...)
	h := &idHasher{}
	h.pool.New = func() any { return hmac.New(sha256.New, key) }
	return h
}

func (h *idHasher) hex(domain, material string, n int) string {
	m := h.pool.Get().(hash.Hash)
	m.Reset()
	io.WriteString(m, domain)
	m.Write([]byte{0})
	io.WriteString(m, material)
	var buf [sha256.Size]byte
	sum := m.Sum(buf[:0])
	h.pool.Put(m)
	return hex.EncodeToString(sum[:n])
}

// participantHashes hashes the From, To and Cc addresses, deduplicated, in that
// order.
func participantHashes(ids *idHasher, e *email.Email) []string {
	var out []string
	seen := make([]string, 0, 1+len(e.To)+len(e.Cc))
	add := func(a email.Address) {
		addr := strings.ToLower(a.Address)
		if addr == "" {
			return
		}
		for _, x := range seen {
			if x == addr {
				return
			}
		}
		seen = append(seen, addr)
		out = append(out, ids.hex("addr", addr, 16))
	}
	add(e.From)
	for _, a := range e.To {
		add(a)
	}
	for _, a := range e.Cc {
		add(a)
	}
	return out
}

// recipientDomainsOf lists the To and Cc domains, deduplicated, in order.
func recipientDomainsOf(e *email.Email) []string {
	var out []string
	for _, list := range [][]email.Address{e.To, e.Cc} {
		for _, a := range list {
			d := a.Domain()
			if d == "" {
				continue
			}
			dup := false
			for _, x := range out {
				if x == d {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, d)
			}
		}
	}
	return out
}
