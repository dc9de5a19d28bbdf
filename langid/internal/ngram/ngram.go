// Package ngram holds the n-gram key function shared by the langid profile
// generator and the detector, so both sides hash n-grams identically.
package ngram

// Key returns the 64-bit FNV-1a hash of the runes. Different n-gram orders
// are different strings, so one table holds every order.
func Key(r []rune) uint64 {
	h := Seed
	for _, c := range r {
		h = Extend(h, c)
	}
	return h
}

// Seed is the key of the empty n-gram: Key(r) is Seed extended by each
// rune of r in turn.
const Seed uint64 = 14695981039346656037

// Extend returns the key of the n-gram with key h followed by c, so the
// keys of a word's prefixes cost one step each.
func Extend(h uint64, c rune) uint64 {
	u := uint32(c)
	for i := 0; i < 3; i++ {
		h ^= uint64(byte(u))
		h *= 1099511628211
		u >>= 8
	}
	return h
}
