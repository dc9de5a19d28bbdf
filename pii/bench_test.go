package pii

import (
	"os"
	"testing"
)

// BenchmarkDetectTypical runs the detector over the stage's typical 4.6 KB
// email (prose, a date, an amount, an order number and a signature with a
// phone number and an email address).
func BenchmarkDetectTypical(b *testing.B) {
	raw, err := os.ReadFile("../stages/testdata/pii/typical.txt")
	if err != nil {
		b.Skip(err)
	}
	text := string(raw)
	d := NewDetector()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Detect(text, DetectOptions{PhoneRegions: []string{"US"}})
	}
}

// BenchmarkDetectNoAnchors is the floor: prose with no digit and no '@'.
func BenchmarkDetectNoAnchors(b *testing.B) {
	text := ""
	for len(text) < 5000 {
		text += "The quick brown fox jumps over the lazy dog, again and again. "
	}
	d := NewDetector()
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		d.Detect(text, DetectOptions{})
	}
}
