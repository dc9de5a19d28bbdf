package stages

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/pii"
	"github.com/triage-dev/triage/regions"
)

func init() { register("pii", newPII) }

// piiStage detects personal data in the subject and body and writes the
// redacted copies later stages and the output use. The level comes from the
// email's region policy unless PIIOptions.Level overrides it.
type piiStage struct {
	det     *pii.Detector
	red     *pii.Redactor
	regions *regions.Registry
	level   string
}

func newPII(cfg *Config) (Stage, error) {
	if cfg.PII.Level != "" && regions.LevelRank(cfg.PII.Level) < 0 {
		return nil, fmt.Errorf("pii.level: %q is not basic, standard or strict", cfg.PII.Level)
	}
	red, err := pii.NewRedactor(cfg.PII.Style, cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("pii.style: %w", err)
	}
	return &piiStage{det: pii.NewDetector(), red: red, regions: cfg.Regions, level: cfg.PII.Level}, nil
}

func (s *piiStage) Name() string { return "pii" }

// languageRegions orders phone-number regions by the email's language so
// that a national number is usually confirmed by the first metadata check.
var languageRegions = map[string][]string{
	"en": {"US", "GB"}, "de": {"DE"}, "fr": {"FR"}, "es": {"ES"}, "it": {"IT"}, "nl": {"NL"},
	"pt": {"BR"}, "ja": {"JP"}, "zh": {"CN"}, "hi": {"IN"},
}

// Level returns the redaction level applied to e.
func (s *piiStage) levelFor(e *email.Email) string {
	if s.level != "" {
		return s.level
	}
	p := s.regions.Policy(e.Region)
	if p == nil {
		p = s.regions.Policy(s.regions.DefaultRegion())
	}
	if p == nil || regions.LevelRank(p.RedactionLevel) < 0 {
		return regions.LevelStrict // fail closed
	}
	return p.RedactionLevel
}

// Process sets e.PII (types and spans of what was redacted), the redacted
// subject and body, and replaces e.NewText with its redacted form, since
// summary and respond read it: after this stage no field later stages read
// for text holds a detected value. When the parse stage found no separate
// new text, NewText is set to the redacted body for the same reason.
func (s *piiStage) Process(_ context.Context, e *email.Email) error {
	level := s.levelFor(e)
	opts := pii.DetectOptions{Identity: level == regions.LevelStrict, PhoneRegions: languageRegions[e.Language]}
	subj := pii.Filter(s.det.Detect(e.Subject, opts), level)
	body := pii.Filter(s.det.Detect(e.Body, opts), level)

	var newFs []pii.Finding
	if e.NewText != "" {
		if off := strings.Index(e.Body, e.NewText); off >= 0 {
			newFs = shiftInto(body, off, len(e.NewText))
		} else {
			newFs = pii.Filter(s.det.Detect(e.NewText, opts), level)
		}
	}

	e.RedactedSubject = s.red.Redact(e.Subject, subj)
	e.RedactedBody = s.red.Redact(e.Body, body)
	newText := e.RedactedBody
	if e.NewText != "" {
		newText = s.red.Redact(e.NewText, newFs)
	}

	// A value found in one field may occur in another where the detector
	// did not see it whole (the subject quoting part of the body, a span
	// cut by the new-text boundary). Replace every detected value
	// everywhere so none survives in any output field.
	seen := map[string]string{}
	collect := func(text string, fs []pii.Finding) {
		for _, f := range fs {
			v := text[f.Start:f.End]
			if _, ok := seen[v]; !ok && len(v) >= 3 {
				seen[v] = s.red.Token(f.Type, v)
			}
		}
	}
	collect(e.Subject, subj)
	collect(e.Body, body)
	collect(e.NewText, newFs)
	// Longest values first, so "Klaus Becker" is replaced whole before
	// "Becker" alone could split it; sorted, so the output is the same on
	// every run (map order is random).
	vals := make([]string, 0, len(seen))
	for v := range seen {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool {
		if len(vals[i]) != len(vals[j]) {
			return len(vals[i]) > len(vals[j])
		}
		return vals[i] < vals[j]
	})
	for _, v := range vals {
		tok := seen[v]
		e.RedactedSubject = strings.ReplaceAll(e.RedactedSubject, v, tok)
		e.RedactedBody = strings.ReplaceAll(e.RedactedBody, v, tok)
		if e.NewText != "" {
			newText = strings.ReplaceAll(newText, v, tok)
		}
	}
	if e.NewText == "" {
		newText = e.RedactedBody
	}

	e.PII = e.PII[:0]
	for _, f := range subj {
		e.PII = append(e.PII, email.PIIFinding{Type: f.Type, Field: "subject", Start: f.Start, End: f.End, Score: f.Score})
	}
	for _, f := range body {
		e.PII = append(e.PII, email.PIIFinding{Type: f.Type, Field: "body", Start: f.Start, End: f.End, Score: f.Score})
	}
	e.NewText = newText
	e.Redacted = true
	return nil
}

// shiftInto maps findings in a text to the window [off, off+n) of it,
// clamping findings that cross the window's edges.
func shiftInto(fs []pii.Finding, off, n int) []pii.Finding {
	var out []pii.Finding
	for _, f := range fs {
		if f.End <= off || f.Start >= off+n {
			continue
		}
		st, en := max(f.Start, off), min(f.End, off+n)
		out = append(out, pii.Finding{Type: f.Type, Start: st - off, End: en - off, Score: f.Score})
	}
	return out
}
