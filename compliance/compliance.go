package compliance

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/pii"
	"github.com/triage-dev/triage/regions"
)

// Rules. They are fixed strings, safe as metric labels.
const (
	RuleSensitiveRestricted = "sensitive_data_restricted_region"
	RuleRegionMismatch      = "region_mismatch"
	RuleRetentionExceeds    = "retention_exceeds_policy"
)

// Violation is one (framework, rule) signal.
type Violation struct {
	Framework string
	Rule      string
}

// healthTerms mark special-category health data in the supported
// languages. Matching is on lower-cased text, ASCII terms on word
// boundaries.
var healthTerms = []string{
	"diagnosis", "diagnosed", "medical record", "prescription", "medication", "chemotherapy", "hiv", "cancer",
	"diabetes", "pregnant", "pregnancy", "depression", "mental health", "therapy", "surgery", "patient",
	"diagnóstico", "receta médica", "medicación", "embarazada", "cáncer", "enfermedad",
	"diagnostic", "ordonnance", "maladie", "enceinte", "traitement médical",
	"diagnose", "krankheit", "rezept", "schwanger", "krebs", "krankenakte", "behandlung",
	"doença", "grávida", "câncer", "receita médica", "prontuário",
	"diagnosi", "malattia", "incinta", "cartella clinica", "ricetta medica",
	"ziekte", "zwanger", "recept", "sjukdom", "gravid", "diagnoza", "choroba", "ciąża",
	"диагноз", "болезнь", "беременна", "рецепт",
	"診断", "病気", "妊娠", "处方", "诊断", "疾病", "怀孕", "تشخيص", "مرض", "حامل",
}

// HasHealthTerms reports whether text mentions health data.
func HasHealthTerms(text string) bool {
	low := strings.ToLower(text)
	for _, t := range healthTerms {
		off := 0
		for {
			k := strings.Index(low[off:], t)
			if k < 0 {
				break
			}
			k += off
			if t[0] >= 0x80 {
				return true
			}
			before := k == 0 || !isWordByte(low[k-1])
			after := k+len(t) >= len(low) || !isWordByte(low[k+len(t)])
			if before && after {
				return true
			}
			off = k + 1
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

// EmailSignals returns the violations e raises under policy p: sensitive
// data (payment data, government ids, or health terms when the policy lists
// HEALTH) in a region whose policy requires restricted handling, and an
// email routed to a region other than the one its header asked for. It
// reads the PII stage's findings and the redacted text, never raw values.
func EmailSignals(e *email.Email, p *regions.Policy) []Violation {
	if p == nil {
		return nil
	}
	var out []Violation
	if p.RestrictedHandling && sensitive(e, p) {
		out = append(out, Violation{Framework: p.Framework, Rule: RuleSensitiveRestricted})
	}
	if e.RegionHint != "" && e.Region != "" && e.RegionHint != e.Region {
		out = append(out, Violation{Framework: p.Framework, Rule: RuleRegionMismatch})
	}
	return out
}

func sensitive(e *email.Email, p *regions.Policy) bool {
	for _, f := range e.PII {
		if p.IsSensitive(f.Type) {
			return true
		}
		if c, ok := pii.CategoryOf(f.Type); ok && (c == pii.CategoryPayment || c == pii.CategoryGovID) && len(p.SensitiveTypes) == 0 {
			return true
		}
	}
	if p.IsSensitive("HEALTH") {
		subj, body := e.RedactedSubject, e.RedactedBody
		if !e.Redacted {
			subj, body = e.Subject, e.Body
		}
		return HasHealthTerms(subj) || HasHealthTerms(body)
	}
	return false
}

// TopicConfig is what the cluster says about one topic. Configs holds the
// effective values (broker defaults included) by name.
type TopicConfig struct {
	Name    string
	Exists  bool
	Configs map[string]string
}

// Check is one row of the compliance table.
type Check struct {
	Region   string
	Name     string
	Expected string
	Actual   string
	Pass     bool
}

// Input is what a region's checks look at.
type Input struct {
	Policy *regions.Policy
	Output TopicConfig
	DLQ    TopicConfig
	// StateRetentionDays is the state retention configured for the region
	// (0: the policy's own).
	StateRetentionDays int
}

// CheckRegion runs the checks for one region: both topics exist, their
// retention.ms is at most the policy's and not infinite, their
// cleanup.policy is the expected one; the state retention does not exceed
// the policy; the redaction level meets the framework minimum.
func CheckRegion(in Input) []Check {
	p := in.Policy
	var out []Check
	add := func(name, exp, act string, pass bool) {
		out = append(out, Check{Region: p.Region, Name: name, Expected: exp, Actual: act, Pass: pass})
	}
	maxMS := p.RetentionMillis()
	for _, t := range []struct {
		kind string
		tc   TopicConfig
	}{{"output", in.Output}, {"dlq", in.DLQ}} {
		add(t.kind+" topic exists", t.tc.Name, existsText(t.tc), t.tc.Exists)
		if !t.tc.Exists {
			continue
		}
		act := t.tc.Configs["retention.ms"]
		ms, err := strconv.ParseInt(act, 10, 64)
		pass := err == nil && ms > 0 && ms <= maxMS
		if act == "" {
			act = "unknown"
		}
		add(t.kind+" retention.ms ("+RuleRetentionExceeds+")", fmt.Sprintf("<= %d", maxMS), act, pass)
		cp := t.tc.Configs["cleanup.policy"]
		add(t.kind+" cleanup.policy", p.ExpectedCleanupPolicy(), orUnknown(cp), cp == p.ExpectedCleanupPolicy())
	}
	state := in.StateRetentionDays
	if state == 0 {
		state = int(p.StateRetention().Hours() / 24)
	}
	add("state retention days", fmt.Sprintf("<= %d", p.RetentionDays), strconv.Itoa(state), state > 0 && state <= p.RetentionDays)
	min := regions.FrameworkMinimumLevel[p.Framework]
	add("redaction level", ">= "+min, p.RedactionLevel, min != "" && regions.LevelRank(p.RedactionLevel) >= regions.LevelRank(min))
	return out
}

// TopicViolations returns the retention signals for a region's topics, for
// the processor to count at startup.
func TopicViolations(in Input) []Violation {
	var out []Violation
	for _, c := range CheckRegion(in) {
		if !c.Pass && strings.Contains(c.Name, RuleRetentionExceeds) {
			out = append(out, Violation{Framework: in.Policy.Framework, Rule: RuleRetentionExceeds})
		}
	}
	return out
}

func existsText(t TopicConfig) string {
	if t.Exists {
		return "present"
	}
	return "missing"
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
