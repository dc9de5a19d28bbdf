// Package pii finds personal data in free text and redacts it.
//
// Detection is built for throughput: most email text contains no digits and
// no '@', so Detect makes one pass over the bytes looking only for anchors
// (a digit, an '@') and hands the small cluster of tokens around each anchor
// to the recognizers, each of which checks a fixed format and, where one
// exists, a checksum (Luhn, mod-97, mod-11, mod-23, Verhoeff, check
// letters). No regular expression ever runs over the whole text. Phone
// numbers are confirmed with github.com/nyaruka/phonenumbers, which is slow
// (several microseconds a call), so it is only asked about candidates that
// already passed cheap length, prefix and shape filters.
//
// Weak formats (a bare 9-digit number may be an SSN or an order number) get a
// low base confidence that context words in the surrounding text raise
// ("SSN", "NIF", "Kreditkarte", "電話", ...) or lower ("order", "invoice",
// "Bestellnummer", "version"). Findings below Detector.MinScore are dropped.
//
// A Finding carries a type, a byte span and a confidence, never the value:
// callers slice the text when they must redact, and nothing in this package
// logs or returns detected values in errors.
package pii
