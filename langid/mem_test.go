package langid

import (
	"runtime"
	"testing"
)

// TestProfileMemory pins the detector's memory budget (30 MB): the heap
// growth from loading the embedded profile.
func TestProfileMemory(t *testing.T) {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	p, err := parseProfile(profileData)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&b)
	runtime.KeepAlive(p)
	mb := float64(b.HeapAlloc-a.HeapAlloc) / (1 << 20)
	t.Logf("profile heap: %.1f MB", mb)
	if mb > 30 {
		t.Fatalf("profile uses %.1f MB, budget 30 MB", mb)
	}
}
