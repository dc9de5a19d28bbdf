// Package models embeds the trained model files so the binary works without
// the training corpus. spam.bin is written by `make train` (triage train)
// from the SpamAssassin sample; see docs/intelligence.md.
package models

import _ "embed"

// Spam is the textmodel spam/ham model.
//
//go:embed spam.bin
var Spam []byte
