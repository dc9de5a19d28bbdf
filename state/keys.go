package state

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Key prefixes; see the package doc for the layout.
const (
	pfxMark     = 'm'
	pfxExpiry   = 'x'
	pfxPart     = 'p'
	pfxOwed     = 't'
	pfxMeta     = 'c'
	pfxErasure  = 'e'
	pfxErasePos = 'E'
)

// bucketWidth is the expiry index granularity: the sweeper removes whole
// buckets, so a mark outlives its expiry by at most this plus one sweep
// interval.
const bucketWidth = time.Hour

// keyBytes turns the hex dedup key from the parse stage into the bytes
// stored (half the size). A key that is not hex is stored as given: the
// parse stage always produces hex, so the two forms never meet.
func keyBytes(k string) []byte {
	if len(k)%2 == 0 {
		if b, err := hex.DecodeString(k); err == nil {
			return b
		}
	}
	return []byte(k)
}

// partPrefix is "<prefix>/<partition BE32>/".
func partPrefix(prefix byte, p int32) []byte {
	b := make([]byte, 0, 7)
	b = append(b, prefix, '/')
	b = binary.BigEndian.AppendUint32(b, uint32(p))
	return append(b, '/')
}

// prefixEnd returns the smallest key greater than every key with prefix.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // no upper bound
}

func markKey(p int32, k []byte) []byte { return append(partPrefix(pfxMark, p), k...) }
func owedKey(p int32, k []byte) []byte { return append(partPrefix(pfxOwed, p), k...) }

func bucketOf(t time.Time) uint64 {
	s := t.Unix()
	if s < 0 {
		return 0
	}
	return uint64(s) / uint64(bucketWidth/time.Second)
}

func expiryKey(p int32, expiry time.Time, k []byte) []byte {
	b := binary.BigEndian.AppendUint64(partPrefix(pfxExpiry, p), bucketOf(expiry))
	return append(b, k...)
}

// expiryKeyParse returns the bucket and dedup key of an expiry index key.
func expiryKeyParse(key []byte) (uint64, []byte, bool) {
	if len(key) < 7+8 {
		return 0, nil, false
	}
	return binary.BigEndian.Uint64(key[7:15]), key[15:], true
}

func participantPrefix(p int32, hash string) []byte {
	b := append(partPrefix(pfxPart, p), byte(len(hash)))
	return append(b, hash...)
}

func participantKey(p int32, hash string, k []byte) []byte {
	return append(participantPrefix(p, hash), k...)
}

func metaKey(p int32) []byte {
	b := []byte{pfxMeta, '/'}
	return binary.BigEndian.AppendUint32(b, uint32(p))
}

func erasePosKey(p int32) []byte {
	b := []byte{pfxErasePos, '/'}
	return binary.BigEndian.AppendUint32(b, uint32(p))
}

// erasureKey is e/<hash>\x00<region>: one entry per subject and region
// scope (region "" is every region).
func erasureKey(hash, region string) []byte {
	b := append([]byte{pfxErasure, '/'}, hash...)
	b = append(b, 0)
	return append(b, region...)
}

// partitionOf returns the partition of any per-partition key.
func partitionOf(key []byte) int32 {
	return int32(binary.BigEndian.Uint32(key[2:6]))
}

// Value is one mark as stored in Pebble and carried by the changelog.
type Value struct {
	SeenAt       time.Time
	Expiry       time.Time
	Region       string
	EmailID      string
	Offset       int64 // input offset of the first email, -1 if unknown
	Participants []string
}

const valueVersion = 1

var errCorrupt = errors.New("state: corrupt value")

// encode is the stored and changelog form: a version byte, then varints and
// length-prefixed strings. It is compact because the changelog carries one
// per email.
func (v *Value) encode() []byte {
	b := make([]byte, 0, 32+len(v.Region)+len(v.EmailID)+len(v.Participants)*34)
	b = append(b, valueVersion)
	b = binary.AppendVarint(b, v.SeenAt.UnixNano())
	b = binary.AppendVarint(b, v.Expiry.UnixNano())
	b = appendString(b, v.Region)
	b = appendString(b, v.EmailID)
	b = binary.AppendVarint(b, v.Offset)
	b = binary.AppendUvarint(b, uint64(len(v.Participants)))
	for _, p := range v.Participants {
		b = appendString(b, p)
	}
	return b
}

func decodeValue(b []byte) (*Value, error) {
	if len(b) == 0 || b[0] != valueVersion {
		return nil, fmt.Errorf("%w: unknown version", errCorrupt)
	}
	d := decoder{b: b[1:]}
	v := &Value{}
	v.SeenAt = time.Unix(0, d.varint()).UTC()
	v.Expiry = time.Unix(0, d.varint()).UTC()
	v.Region = d.string()
	v.EmailID = d.string()
	v.Offset = d.varint()
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		return nil, errCorrupt
	}
	for i := uint64(0); i < n; i++ {
		v.Participants = append(v.Participants, d.string())
	}
	if d.err != nil {
		return nil, d.err
	}
	return v, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// meta is the per-partition changelog bookkeeping (c/P).
type meta struct {
	Next        int64 // next changelog offset to read; -1 none
	TopicID     string
	RestoredAt  time.Time // zero: never restored
	Records     int64     // records applied by the last restore
	Duration    time.Duration
	FullRestore bool
}

func (m *meta) encode() []byte {
	b := []byte{valueVersion}
	b = binary.AppendVarint(b, m.Next)
	b = appendString(b, m.TopicID)
	var at int64
	if !m.RestoredAt.IsZero() {
		at = m.RestoredAt.UnixNano()
	}
	b = binary.AppendVarint(b, at)
	b = binary.AppendVarint(b, m.Records)
	b = binary.AppendVarint(b, int64(m.Duration))
	full := byte(0)
	if m.FullRestore {
		full = 1
	}
	return append(b, full)
}

func decodeMeta(b []byte) (*meta, error) {
	if len(b) == 0 || b[0] != valueVersion {
		return nil, fmt.Errorf("%w: unknown meta version", errCorrupt)
	}
	d := decoder{b: b[1:]}
	m := &meta{}
	m.Next = d.varint()
	m.TopicID = d.string()
	if at := d.varint(); at != 0 {
		m.RestoredAt = time.Unix(0, at).UTC()
	}
	m.Records = d.varint()
	m.Duration = time.Duration(d.varint())
	m.FullRestore = d.byte() == 1
	return m, d.err
}

// erasureLog is one remembered erasure (e/<hash>\x00<region>). Hash is
// taken from the key, not encoded in the value.
type erasureLog struct {
	Hash        string
	RequestedAt time.Time
	Region      string
}

func (e erasureLog) encode() []byte {
	b := []byte{valueVersion}
	b = binary.AppendVarint(b, e.RequestedAt.UnixNano())
	return appendString(b, e.Region)
}

func decodeErasureLog(b []byte) (erasureLog, error) {
	if len(b) == 0 || b[0] != valueVersion {
		return erasureLog{}, fmt.Errorf("%w: unknown erasure log version", errCorrupt)
	}
	d := decoder{b: b[1:]}
	e := erasureLog{RequestedAt: time.Unix(0, d.varint()).UTC(), Region: d.string()}
	return e, d.err
}
