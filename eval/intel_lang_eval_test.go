//go:build eval

package eval

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/langid"
)

var evalLangs = []string{"en", "es", "fr", "de", "pt", "it", "nl", "sv", "pl", "ru", "ja", "zh", "ar"}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			out = append(out, s)
		}
	}
	return out
}

type langScore struct {
	ok, n int
	times []time.Duration
}

// evalLanguage scores the detector on the lang_sentences files of dir
// (sentences or word_pairs), restricted to evalLangs, and returns per
// language accuracy and the overall figure.
func evalLanguageFiles(t *testing.T, det *langid.Detector, dir string) (map[string]*langScore, *langScore) {
	per := map[string]*langScore{}
	all := &langScore{}
	for _, l := range evalLangs {
		s := &langScore{}
		per[l] = s
		for _, line := range readLines(t, filepath.Join(dir, l+".txt")) {
			t0 := time.Now()
			r := det.Detect(line)
			d := time.Since(t0)
			s.n++
			all.n++
			if r.Lang == l {
				s.ok++
				all.ok++
			}
			all.times = append(all.times, d)
		}
	}
	return per, all
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	c := append([]time.Duration(nil), ds...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	i := int(q * float64(len(c)-1))
	return c[i]
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Nanoseconds())/1000) }
