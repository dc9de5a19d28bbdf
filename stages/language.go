package stages

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/langid"
)

// languageSampleBytes caps the text handed to the detector: the subject and
// the start of the new text are enough, and the cap bounds the cost of huge
// bodies. The detector itself stops after langid.MaxLetters letters.
const languageSampleBytes = 1536

func init() { register("language", newLanguage) }

type languageStage struct{ det *langid.Detector }

func newLanguage(cfg *Config) (Stage, error) {
	det, err := langid.New(cfg.Language.Languages)
	if err != nil {
		return nil, fmt.Errorf("language: %w", err)
	}
	return &languageStage{det: det}, nil
}

func (s *languageStage) Name() string { return "language" }

// Process detects the language of the subject plus the new text (quoted
// history and signature excluded, as the parse stage found them). Text
// without letters leaves Language empty (exported as null).
func (s *languageStage) Process(_ context.Context, e *email.Email) error {
	r := s.det.Detect(languageSample(e))
	e.Language = r.Lang
	e.LanguageConfidence = r.Confidence
	return nil
}

func languageSample(e *email.Email) string {
	sample := e.Subject + "\n" + e.Text()
	return truncateBytes(sample, languageSampleBytes)
}

// truncateBytes cuts s to at most n bytes without splitting a rune.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
