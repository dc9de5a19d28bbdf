// Package compliance turns region policies into checks: per email, the
// (framework, rule) signals the processor counts; per region, the checks
// `triage compliance-check` runs against the cluster's topic configs. It
// does no I/O: callers describe topics as plain structs.
package compliance
