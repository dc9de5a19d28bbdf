package stages

import (
	"slices"
	"testing"
)

// TestOrderInvariants pins the stage order. Changing it changes what
// leaves the process: summary and respond must only ever see redacted
// text, so pii must precede them; dedup must precede all expensive work.
func TestOrderInvariants(t *testing.T) {
	want := []string{"parse", "dedup", "language", "pii", "classify", "priority", "summary", "respond"}
	if !slices.Equal(Order, want) {
		t.Fatalf("stage order changed: %v", Order)
	}
	idx := func(s string) int { return slices.Index(Order, s) }
	for _, before := range [][2]string{{"parse", "dedup"}, {"pii", "summary"}, {"pii", "respond"}, {"dedup", "language"}, {"language", "pii"}} {
		if idx(before[0]) >= idx(before[1]) {
			t.Errorf("%s must run before %s", before[0], before[1])
		}
	}
}

func TestRegisteredNamesAreOrdered(t *testing.T) {
	for _, n := range Registered() {
		if !slices.Contains(Order, n) {
			t.Errorf("stage %q registered but not in Order", n)
		}
	}
}

func TestBuildFollowsOrder(t *testing.T) {
	built, err := Build(&Config{})
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for _, s := range built {
		i := slices.Index(Order, s.Name())
		if i <= last {
			t.Fatalf("built out of order: %s", s.Name())
		}
		last = i
	}
	if len(built) == 0 || built[0].Name() != "parse" {
		t.Fatal("parse stage must be linked in and first")
	}
}

func TestDisabledStageSkipped(t *testing.T) {
	built, err := Build(&Config{Disabled: []string{"language"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range built {
		if s.Name() == "language" {
			t.Fatal("disabled stage was built")
		}
	}
}
