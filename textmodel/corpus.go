package textmodel

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Labelled is one corpus message with its label and subset name.
type Labelled struct {
	Path   string
	Spam   bool
	Subset string // e.g. easy_ham, hard_ham, spam
	Doc    Doc
}

// LoadCorpus reads a labels CSV with at least the columns path and label
// (ham|spam), and optionally subset, and parses each message under dir
// with ParseMail.
// Messages are returned sorted by path so folds and SGD order are
// reproducible.
func LoadCorpus(dir, labels string) ([]Labelled, error) {
	f, err := os.Open(labels)
	if err != nil {
		return nil, fmt.Errorf("textmodel: open labels: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("textmodel: read labels: %w", err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("textmodel: labels file has no rows")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	pi, ok1 := col["path"]
	li, ok2 := col["label"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("textmodel: labels file needs path and label columns")
	}
	si, hasSubset := col["subset"]
	var out []Labelled
	for n, r := range rows[1:] {
		if len(r) <= pi || len(r) <= li {
			return nil, fmt.Errorf("textmodel: labels row %d is short", n+2)
		}
		var spam bool
		switch r[li] {
		case "spam":
			spam = true
		case "ham":
		default:
			return nil, fmt.Errorf("textmodel: labels row %d: unknown label", n+2)
		}
		raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(r[pi])))
		if err != nil {
			return nil, fmt.Errorf("textmodel: read message of row %d: %w", n+2, err)
		}
		d, err := ParseMail(raw)
		if err != nil {
			return nil, fmt.Errorf("textmodel: parse message of row %d: %w", n+2, err)
		}
		l := Labelled{Path: r[pi], Spam: spam, Doc: d}
		if hasSubset && len(r) > si {
			l.Subset = r[si]
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
