package stages

import (
	"github.com/triage-dev/triage/regions"
)

// Config is everything stages need from the outside. The CLI builds it from
// the validated application config; tests build it directly.
type Config struct {
	// Secret keys every hash that leaves the process: email ids, dedup keys,
	// participant hashes and pseudonym tokens. Empty uses a fixed development
	// key (the app config refuses that outside dev mode).
	Secret []byte
	// Regions resolves region policies. Nil uses regions.Default().
	Regions *regions.Registry
	// Disabled lists stage names to skip.
	Disabled []string

	// Dedup is the dedup store; nil disables the dedup stage.
	Dedup DedupStore

	Parse    ParseOptions
	Language LanguageOptions
	PII      PIIOptions
	Priority PriorityOptions
	Summary  SummaryOptions
	Respond  RespondOptions
}

// ParseOptions configures the parse stage.
type ParseOptions struct {
	// MaxBytes is the largest raw message accepted; larger ones go to the
	// DLQ as too_large. Default 25 MiB.
	MaxBytes int
}

// LanguageOptions configures language detection.
type LanguageOptions struct {
	// Languages restricts detection to these ISO 639-1 codes; empty means
	// every supported language.
	Languages []string
}

// PIIOptions configures detection and redaction.
type PIIOptions struct {
	// Style is "placeholder" ([EMAIL_REDACTED]) or "pseudonym"
	// ([EMAIL:3f9a1c], keyed by Secret). Default placeholder.
	Style string
	// Level overrides the region policy's redaction level when set
	// ("basic", "standard", "strict").
	Level string
}

// PriorityOptions configures priority scoring.
type PriorityOptions struct {
	VIPSenders []string // exact addresses, lower-case
	VIPDomains []string // domains, lower-case
}

// SummaryOptions configures the summary stage.
type SummaryOptions struct {
	MaxChars int // default 200
}

// RespondOptions configures suggested responses.
type RespondOptions struct {
	Tone         string // "neutral" (default), "formal", "friendly"
	Signature    string // appended to every reply; may be empty
	TemplatesDir string // optional directory of override templates
}

var devSecret = []byte("triage-development-key-do-not-use-in-production")

// EnsureDefaults fills zero values with defaults.
func (c *Config) EnsureDefaults() {
	if len(c.Secret) == 0 {
		c.Secret = devSecret
	}
	if c.Regions == nil {
		c.Regions = regions.Default()
	}
	if c.Parse.MaxBytes <= 0 {
		c.Parse.MaxBytes = 25 << 20
	}
	if c.PII.Style == "" {
		c.PII.Style = "placeholder"
	}
	if c.Summary.MaxChars <= 0 {
		c.Summary.MaxChars = 200
	}
	if c.Respond.Tone == "" {
		c.Respond.Tone = "neutral"
	}
}

func (c *Config) disabled(name string) bool {
	for _, d := range c.Disabled {
		if d == name {
			return true
		}
	}
	return false
}
