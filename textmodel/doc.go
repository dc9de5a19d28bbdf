// Package textmodel is the statistical spam/ham model the classify stage
// consults: an average of components (L2-regularised logistic regression
// or naive Bayes) over hashed features of the subject, the readable body,
// its character n-grams, the links and a few sender-controlled headers.
// The recipe (which components, which feature groups) is chosen by nested
// cross-validation among Candidates.
//
// Features deliberately exclude the transport trail (Received, Return-Path,
// Delivered-To, Message-ID, X-Spam-*, the mbox "From " line): in a
// collected corpus those encode who collected the mail rather than what it
// says, and a model that learns them scores well in cross-validation and
// badly in production.
//
// Training reads the corpus with the production parser (mailparse), so
// the model learns from exactly the text the classify stage will score.
// Training is deterministic: documents are sorted by path, the SGD order
// comes from a fixed seed, and the same corpus gives byte-identical model
// files. A Model is immutable after Load and safe for concurrent use.
package textmodel
