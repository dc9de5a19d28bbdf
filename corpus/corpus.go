package corpus

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed emails/*.eml
var files embed.FS

// Sample is one embedded email.
type Sample struct {
	Name string // file name without directory, e.g. "01-en-outage-urgent.eml"
	Raw  []byte
}

// All returns every sample, sorted by name. Each call returns fresh
// slices the caller may modify.
func All() []Sample {
	entries, err := fs.ReadDir(files, "emails")
	if err != nil {
		panic("corpus: embedded directory missing: " + err.Error()) // build-time invariant
	}
	out := make([]Sample, 0, len(entries))
	for _, e := range entries {
		b, err := files.ReadFile("emails/" + e.Name())
		if err != nil {
			panic("corpus: embedded file unreadable: " + err.Error())
		}
		out = append(out, Sample{Name: e.Name(), Raw: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get returns the sample with the given name.
func Get(name string) (Sample, bool) {
	b, err := files.ReadFile("emails/" + name)
	if err != nil {
		return Sample{}, false
	}
	return Sample{Name: name, Raw: b}, true
}
