package pii

import (
	"strings"
	"testing"
)

// detCase: text and the values (substrings) expected for one type; an
// empty want means nothing of that type may be found.
type detCase struct {
	name string
	text string
	want []string
}

func runCases(t *testing.T, typ string, cases []detCase) {
	t.Helper()
	d := NewDetector()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range d.Detect(c.text, DetectOptions{Identity: typ == Person || typ == Address}) {
				if f.Type == typ {
					got = append(got, c.text[f.Start:f.End])
				}
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("%s in %q: got %q, want %q", typ, c.text, got, c.want)
			}
		})
	}
}
