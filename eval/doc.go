// Package eval holds the evaluations that need the team's data sets in
// ../shared/data (or $TRIAGE_DATA). They are behind the `eval` build tag, so
// `make test` never runs them; `make eval-intel` does and writes
// eval/results/intel.md.
package eval
