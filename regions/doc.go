// Package regions is pure compliance policy: which framework governs a
// region, how long its data may be kept, how hard its mail is redacted,
// which personal-data types count as sensitive there, and which topics its
// output and dead letters go to. It does no I/O; the config loader feeds it
// overrides and the processor asks it questions.
package regions
