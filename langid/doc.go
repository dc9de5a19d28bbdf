// Package langid detects the language of short and long email text.
//
// Detection runs in two steps. The script decides first: kana means
// Japanese, Hangul Korean, Han without kana Chinese, Cyrillic Russian and
// Arabic script Arabic, which costs one pass over the runes. Latin-script
// text is scored by a naive-Bayes character n-gram model (orders 1-4 with
// back-off) over 13 languages. The profile (profile.bin, embedded) is
// derived from the n-gram models published with github.com/pemistahl/lingua-go
// (Apache-2.0) by internal/gen; see docs/intelligence.md for the measured
// accuracy/latency/memory trade-off against lingua-go itself. Whole words
// add evidence on top: hand-written lists of function words and of common
// everyday/office words per language (words.go), which is what decides
// short subjects, plus a small prior for English and against the rarer
// confusable languages.
//
// A Detector is immutable after construction and safe for concurrent use.
package langid
