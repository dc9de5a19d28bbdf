// Package ngram holds the n-gram key function shared by the langid profile
// generator and the detector, so both sides hash n-grams identically.
package ngram

// Key returns the 64-bit FNV-1a hash of the runes. Different n-gram orders
// are different strings, so one table holds every order.
func Key(r []rune) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range r {
		u := uint32(c)
		for i := 0; i < 3; i++ {
			h ^= uint64(byte(u))
			h *= 1099511628211
			u >>= 8
		}
	}
	return h
}
