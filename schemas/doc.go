// Package schemas turns the email model into the output contract and back:
// the Avro record in triaged_email.avsc (single-object encoded, so any Avro
// library can decode it with the .avsc alone) and the JSON that
// `triage classify`, `triage consume` and the HTTP API print, which uses the
// same field names. It knows nothing of Kafka.
//
// # Schema evolution
//
// Only backward-compatible changes are allowed: consumers holding the new
// schema must read records written with every earlier one. In practice that
// means new fields must carry a default, existing fields keep their name and
// type, and nothing is renamed. Before changing triaged_email.avsc, copy the
// current file to testdata/triaged_email.vN.avsc; TestSchemaBackwardCompatible
// checks the current schema against every file there. Consumers find the
// writer schema by the 8-byte fingerprint in each record (and in the
// `triage-schema-fingerprint` header), so old and new records can coexist
// in one topic.
//
// goavro was chosen because it is pure Go, maintained by LinkedIn, and
// implements the single-object encoding and Rabin fingerprint the spec
// defines, so we do not hand-roll framing.
package schemas
