package regions

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Redaction levels, weakest first. Each level includes the previous.
const (
	LevelBasic    = "basic"    // payment data and government ids
	LevelStandard = "standard" // + emails, phones, IBANs, IPs
	LevelStrict   = "strict"   // + names after greetings/sign-offs, street addresses
)

// LevelRank orders redaction levels; unknown levels rank -1.
func LevelRank(level string) int {
	switch level {
	case LevelBasic:
		return 0
	case LevelStandard:
		return 1
	case LevelStrict:
		return 2
	}
	return -1
}

// Policy is one region's compliance policy.
type Policy struct {
	Region    string
	Framework string // GDPR, CCPA, PDPA, PIPEDA, LGPD
	// RetentionDays bounds how long state (dedup marks) and region topics
	// keep data about an email.
	RetentionDays int
	// RedactionLevel is the minimum redaction applied to outputs.
	RedactionLevel string
	// Classification is the data-classification label attached to outputs
	// (e.g. "confidential", "restricted").
	Classification string
	// SensitiveTypes are PII types that count as sensitive/special category
	// here; finding one is reported as a compliance signal when
	// RestrictedHandling is set.
	SensitiveTypes     []string
	RestrictedHandling bool
	// Domains are recipient domains routed to this region when no header or
	// topic mapping decides.
	Domains []string
	// OutputTopic and DLQTopic override the configured templates.
	OutputTopic string
	DLQTopic    string
	// StateRetentionDays bounds how long state about an email (dedup
	// marks, participant index) is kept; 0 means RetentionDays. It may be
	// shorter than RetentionDays, never longer.
	StateRetentionDays int
	// CleanupPolicy is the cleanup.policy region topics must have; ""
	// means "delete". Compaction would keep the last record per key
	// forever, which no retention-bound framework allows.
	CleanupPolicy string
}

// CleanupDelete is the cleanup.policy every region topic gets by default.
const CleanupDelete = "delete"

// RetentionMillis is RetentionDays in milliseconds: the retention.ms the
// region's output and DLQ topics must not exceed.
func (p *Policy) RetentionMillis() int64 {
	return int64(p.RetentionDays) * 24 * 60 * 60 * 1000
}

// StateRetention is how long state about an email may be kept.
func (p *Policy) StateRetention() time.Duration {
	if p.StateRetentionDays > 0 {
		return time.Duration(p.StateRetentionDays) * 24 * time.Hour
	}
	return p.Retention()
}

// ExpectedCleanupPolicy is CleanupPolicy with its default applied.
func (p *Policy) ExpectedCleanupPolicy() string {
	if p.CleanupPolicy == "" {
		return CleanupDelete
	}
	return p.CleanupPolicy
}

// TopicConfigs returns the topic configs region output and DLQ topics are
// created with (retention.ms, cleanup.policy), in the form kadm's
// CreateTopics takes.
func (p *Policy) TopicConfigs() map[string]*string {
	ms := strconv.FormatInt(p.RetentionMillis(), 10)
	cp := p.ExpectedCleanupPolicy()
	return map[string]*string{"retention.ms": &ms, "cleanup.policy": &cp}
}

// IsSensitive reports whether typ counts as sensitive/special category in
// this region.
func (p *Policy) IsSensitive(typ string) bool {
	for _, t := range p.SensitiveTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// Retention returns RetentionDays as a duration.
func (p *Policy) Retention() time.Duration {
	return time.Duration(p.RetentionDays) * 24 * time.Hour
}

// FrameworkMinimumLevel is the weakest redaction level each framework
// accepts for data leaving the processing boundary.
var FrameworkMinimumLevel = map[string]string{
	"GDPR":   LevelStrict,
	"CCPA":   LevelStandard,
	"PDPA":   LevelStandard,
	"PIPEDA": LevelStandard,
	"LGPD":   LevelStandard,
}

var paymentAndIDs = []string{
	"CREDIT_CARD", "US_SSN", "CA_SIN", "BR_CPF", "BR_CNPJ", "SG_NRIC_FIN",
	"UK_NINO", "UK_NHS", "ES_NIF", "ES_NIE", "IT_FISCAL_CODE", "IN_AADHAAR", "IBAN_CODE",
}

// Builtin returns fresh copies of the built-in policies.
func Builtin() []Policy {
	return []Policy{
		{Region: "us-east-1", Framework: "CCPA", RetentionDays: 365, RedactionLevel: LevelStandard,
			Classification: "confidential", SensitiveTypes: paymentAndIDs, RestrictedHandling: false,
			Domains: []string{"us", "com"}},
		{Region: "eu-west-1", Framework: "GDPR", RetentionDays: 30, RedactionLevel: LevelStrict,
			Classification: "restricted", SensitiveTypes: append(paymentAndIDs, "HEALTH"), RestrictedHandling: true,
			Domains: []string{"eu", "de", "fr", "es", "it", "nl", "ie", "se", "pl", "pt", "be", "at", "dk", "fi"}},
		{Region: "ap-southeast-1", Framework: "PDPA", RetentionDays: 30, RedactionLevel: LevelStandard,
			Classification: "confidential", SensitiveTypes: paymentAndIDs, RestrictedHandling: true,
			Domains: []string{"sg"}},
		{Region: "ca-central-1", Framework: "PIPEDA", RetentionDays: 90, RedactionLevel: LevelStandard,
			Classification: "confidential", SensitiveTypes: paymentAndIDs, RestrictedHandling: true,
			Domains: []string{"ca"}},
		{Region: "sa-east-1", Framework: "LGPD", RetentionDays: 90, RedactionLevel: LevelStandard,
			Classification: "confidential", SensitiveTypes: paymentAndIDs, RestrictedHandling: true,
			Domains: []string{"br"}},
	}
}

// Registry is an immutable set of policies plus the routing rules that pick
// one for an email. Safe for concurrent use.
type Registry struct {
	policies      map[string]*Policy
	defaultRegion string
	topicRegion   map[string]string
	// domain rules: exact domain or TLD suffix -> region
	domainRegion map[string]string
	outTemplate  string
	dlqTemplate  string
}

// Options builds a Registry.
type Options struct {
	Policies      []Policy          // replace/add to built-ins by Region
	DefaultRegion string            // default "us-east-1"
	TopicRegion   map[string]string // input topic -> region
	// OutputTemplate and DLQTemplate contain "{region}". Defaults
	// "emails.triaged.{region}" and "emails.dlq.{region}".
	OutputTemplate string
	DLQTemplate    string
}

// New validates opts and builds a Registry, reporting every problem at once.
func New(opts Options) (*Registry, error) {
	r := &Registry{
		policies:      map[string]*Policy{},
		defaultRegion: opts.DefaultRegion,
		topicRegion:   map[string]string{},
		domainRegion:  map[string]string{},
		outTemplate:   opts.OutputTemplate,
		dlqTemplate:   opts.DLQTemplate,
	}
	if r.defaultRegion == "" {
		r.defaultRegion = "us-east-1"
	}
	if r.outTemplate == "" {
		r.outTemplate = "emails.triaged.{region}"
	}
	if r.dlqTemplate == "" {
		r.dlqTemplate = "emails.dlq.{region}"
	}
	var errs []string
	for _, p := range Builtin() {
		p := p
		r.policies[p.Region] = &p
	}
	for _, p := range opts.Policies {
		p := p
		if base, ok := r.policies[p.Region]; ok {
			merged := *base
			overlay(&merged, &p)
			r.policies[p.Region] = &merged
		} else {
			r.policies[p.Region] = &p
		}
	}
	// Sorted, so that when two policies claim the same recipient domain
	// the outcome is deterministic (first region name wins) and reported.
	for _, name := range r.Names() {
		p := r.policies[name]
		if name == "" {
			errs = append(errs, "regions: a policy has an empty region name")
			continue
		}
		if _, ok := FrameworkMinimumLevel[p.Framework]; !ok {
			errs = append(errs, fmt.Sprintf("regions.%s.framework: %q is not one of GDPR, CCPA, PDPA, PIPEDA, LGPD", name, p.Framework))
		}
		if p.RetentionDays <= 0 {
			errs = append(errs, fmt.Sprintf("regions.%s.retention_days: must be > 0", name))
		}
		if LevelRank(p.RedactionLevel) < 0 {
			errs = append(errs, fmt.Sprintf("regions.%s.redaction_level: %q is not basic, standard or strict", name, p.RedactionLevel))
		}
		if p.StateRetentionDays < 0 || p.StateRetentionDays > p.RetentionDays {
			errs = append(errs, fmt.Sprintf("regions.%s.state_retention_days: %d must be between 0 and retention_days (%d)", name, p.StateRetentionDays, p.RetentionDays))
		}
		if p.CleanupPolicy != "" && p.CleanupPolicy != CleanupDelete {
			errs = append(errs, fmt.Sprintf("regions.%s.cleanup_policy: %q is not delete (compacted topics never expire data)", name, p.CleanupPolicy))
		}
		for _, d := range p.Domains {
			d = strings.ToLower(strings.TrimPrefix(d, "."))
			if prev, dup := r.domainRegion[d]; dup && prev != name {
				errs = append(errs, fmt.Sprintf("regions.%s.domains: %q is already routed to %s", name, d, prev))
				continue
			}
			r.domainRegion[d] = name
		}
	}
	if _, ok := r.policies[r.defaultRegion]; !ok {
		errs = append(errs, fmt.Sprintf("default_region: %q has no policy (known: %s)", r.defaultRegion, strings.Join(r.Names(), ", ")))
	}
	for t, reg := range opts.TopicRegion {
		if _, ok := r.policies[reg]; !ok {
			errs = append(errs, fmt.Sprintf("topic_regions.%s: region %q has no policy", t, reg))
		}
		r.topicRegion[t] = reg
	}
	for _, tpl := range []string{r.outTemplate, r.dlqTemplate} {
		if !strings.Contains(tpl, "{region}") {
			errs = append(errs, fmt.Sprintf("topic template %q must contain {region}", tpl))
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return r, nil
}

func overlay(dst, src *Policy) {
	if src.Framework != "" {
		dst.Framework = src.Framework
	}
	if src.RetentionDays != 0 {
		dst.RetentionDays = src.RetentionDays
	}
	if src.RedactionLevel != "" {
		dst.RedactionLevel = src.RedactionLevel
	}
	if src.Classification != "" {
		dst.Classification = src.Classification
	}
	if src.SensitiveTypes != nil {
		dst.SensitiveTypes = src.SensitiveTypes
	}
	if src.RestrictedHandling {
		dst.RestrictedHandling = true
	}
	if src.Domains != nil {
		dst.Domains = src.Domains
	}
	if src.OutputTopic != "" {
		dst.OutputTopic = src.OutputTopic
	}
	if src.DLQTopic != "" {
		dst.DLQTopic = src.DLQTopic
	}
	if src.StateRetentionDays != 0 {
		dst.StateRetentionDays = src.StateRetentionDays
	}
	if src.CleanupPolicy != "" {
		dst.CleanupPolicy = src.CleanupPolicy
	}
}

// Default returns the registry of built-in policies with default routing.
func Default() *Registry {
	r, err := New(Options{})
	if err != nil {
		panic(err) // built-ins are valid; the registry test pins this
	}
	return r
}

// Names returns the region names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.policies))
	for n := range r.policies {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Policy returns the policy for region, or nil.
func (r *Registry) Policy(region string) *Policy { return r.policies[region] }

// DefaultRegion returns the region used when nothing else decides.
func (r *Registry) DefaultRegion() string { return r.defaultRegion }

// OutputTopic returns the output topic for region.
func (r *Registry) OutputTopic(region string) string {
	if p := r.policies[region]; p != nil && p.OutputTopic != "" {
		return p.OutputTopic
	}
	return strings.ReplaceAll(r.outTemplate, "{region}", region)
}

// DLQTopic returns the dead-letter topic for region.
func (r *Registry) DLQTopic(region string) string {
	if p := r.policies[region]; p != nil && p.DLQTopic != "" {
		return p.DLQTopic
	}
	return strings.ReplaceAll(r.dlqTemplate, "{region}", region)
}

// Resolution is the outcome of Resolve.
type Resolution struct {
	Region string
	// By says which rule decided: "header", "topic", "domain", "default".
	By string
	// Unknown is set when the hint named a region with no policy; the
	// default policy was used instead and the email carries a warning.
	Unknown bool
}

// Resolve picks the region for an email: the explicit hint (record header
// or flag) if it names a known region, then the input topic map, then the
// recipients' domains (exact domain first, then TLD), then the default. An
// unknown hint never drops the email: it resolves to the default region and
// reports Unknown so the caller can warn and count it.
func (r *Registry) Resolve(hint, topic string, recipientDomains []string) Resolution {
	unknown := false
	if hint != "" {
		if _, ok := r.policies[hint]; ok {
			return Resolution{Region: hint, By: "header"}
		}
		unknown = true
	}
	if reg, ok := r.topicRegion[topic]; ok && topic != "" {
		return Resolution{Region: reg, By: "topic", Unknown: unknown}
	}
	for _, d := range recipientDomains {
		d = strings.ToLower(d)
		if reg, ok := r.domainRegion[d]; ok {
			return Resolution{Region: reg, By: "domain", Unknown: unknown}
		}
	}
	for _, d := range recipientDomains {
		d = strings.ToLower(d)
		if i := strings.LastIndexByte(d, '.'); i >= 0 {
			if reg, ok := r.domainRegion[d[i+1:]]; ok {
				return Resolution{Region: reg, By: "domain", Unknown: unknown}
			}
		}
	}
	return Resolution{Region: r.defaultRegion, By: "default", Unknown: unknown}
}
