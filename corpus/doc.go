// Package corpus embeds a small set of sample emails written for this
// project: realistic in shape (languages, charsets, MIME structures,
// categories, reply chains, auto-replies, a malformed and a duplicate
// message) and carrying only fake, validly formatted personal data on
// reserved domains (example.com, .test) and test numbers.
//
// The samples feed `triage demo`, the parser's fuzz seeds, benchmarks and
// tests. They are not an evaluation set: nothing should be tuned to them.
package corpus
