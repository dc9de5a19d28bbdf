package langid

import (
	"encoding/binary"
	"math/bits"
)

// table maps n-gram keys to their per-language quantised costs. It replaces
// a Go map from key to an offset into a separate value array: scoring does
// up to four lookups per letter, and most miss the profile, so what matters
// is one cache line per lookup. Open addressing with linear probing over
// slots that hold the key and the values side by side gives that; at
// under half full an absent key is found absent after one or two slots.
// The memory is about what the map and value array took together.
type table struct {
	slots  []byte // stride bytes per slot: the key (little-endian), then one byte per language
	stride int
	shift  uint   // slot index = (key * golden) >> shift
	mask   int    // number of slots - 1
	empty  uint64 // key marking an empty slot: one the profile does not hold
	zeros  []byte // values returned for an absent key: all zero (= absent in every language)
}

// golden spreads FNV keys over the slots (Fibonacci hashing): the high
// bits of the product depend on every bit of the key.
const golden = 0x9e3779b97f4a7c15

// newTable sizes a table for n keys of nl languages each, at most half
// full.
func newTable(n, nl int, keys func(yield func(uint64) bool)) *table {
	size := 1 << bits.Len(uint(2*n))
	t := &table{stride: (8 + nl + 7) &^ 7, mask: size - 1, shift: uint(64 - bits.TrailingZeros(uint(size))), zeros: make([]byte, nl)}
	// The empty marker must differ from every real key; try 0, 1, 2, ...
	used := map[uint64]bool{}
	for k := range keys {
		if k < 64 {
			used[k] = true
		}
	}
	for used[t.empty] {
		t.empty++
	}
	t.slots = make([]byte, size*t.stride)
	if t.empty != 0 {
		for i := 0; i < size; i++ {
			binary.LittleEndian.PutUint64(t.slots[i*t.stride:], t.empty)
		}
	}
	return t
}

func (t *table) home(k uint64) int { return int((k * golden) >> t.shift) }

// put stores vals under k, replacing an earlier value (as a map would).
func (t *table) put(k uint64, vals []byte) {
	for i := t.home(k); ; i = (i + 1) & t.mask {
		s := t.slots[i*t.stride:]
		switch binary.LittleEndian.Uint64(s) {
		case t.empty:
			binary.LittleEndian.PutUint64(s, k)
			copy(s[8:], vals)
			return
		case k:
			copy(s[8:], vals)
			return
		}
	}
}

// get returns the per-language values of k, all zero when the profile does
// not hold k. A zero value means "absent" for that language, so callers
// need not tell a missing key from one absent in every language.
func (t *table) get(k uint64) []byte {
	for i := t.home(k); ; i = (i + 1) & t.mask {
		s := t.slots[i*t.stride : i*t.stride+t.stride]
		switch binary.LittleEndian.Uint64(s) {
		case k:
			return s[8:]
		case t.empty:
			return t.zeros
		}
	}
}
