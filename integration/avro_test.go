package integration

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"
)

// avroDecoder decodes triage's output records using only the published
// contract: schemas/triaged_email.avsc and the Avro single-object encoding
// (0xC3 0x01, the schema's 8-byte little-endian CRC-64-AVRO fingerprint,
// then Avro binary). It deliberately does not import the schemas package.
type avroDecoder struct {
	codec *goavro.Codec
	fp    [8]byte
}

func newAvroDecoder(t testing.TB) *avroDecoder {
	t.Helper()
	text, err := os.ReadFile(repoFile("schemas", "triaged_email.avsc"))
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	codec, err := goavro.NewCodec(string(text))
	if err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	d := &avroDecoder{codec: codec}
	binary.LittleEndian.PutUint64(d.fp[:], codec.Rabin)
	return d
}

// decode returns the record as plain Go values: unions unwrapped, so a
// ["null","string"] field is nil or a string.
func (d *avroDecoder) decode(b []byte) (map[string]any, error) {
	if len(b) < 10 || b[0] != 0xC3 || b[1] != 0x01 {
		return nil, fmt.Errorf("not Avro single-object encoded (first bytes % x)", b[:min(len(b), 2)])
	}
	if string(b[2:10]) != string(d.fp[:]) {
		return nil, fmt.Errorf("fingerprint %x is not that of triaged_email.avsc (%x)", b[2:10], d.fp)
	}
	native, rest, err := d.codec.NativeFromBinary(b[10:])
	if err != nil {
		return nil, fmt.Errorf("avro binary: %w", err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d trailing bytes after the record", len(rest))
	}
	m, ok := unwrapUnions(native).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("decoded %T, want a record", native)
	}
	return m, nil
}

// unwrapUnions turns goavro's union form {"string": "x"} into "x",
// recursively. A one-key map whose key names an Avro type is a union
// branch: the schema has no record with a single field.
func unwrapUnions(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, inner := range x {
				if isAvroTypeName(k) {
					return unwrapUnions(inner)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, inner := range x {
			out[k] = unwrapUnions(inner)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, inner := range x {
			out[i] = unwrapUnions(inner)
		}
		return out
	}
	return v
}

func isAvroTypeName(k string) bool {
	switch k {
	case "null", "boolean", "int", "long", "float", "double", "bytes", "string", "array", "map":
		return true
	}
	return strings.HasPrefix(k, "long.") || strings.HasPrefix(k, "int.") || strings.HasPrefix(k, "dev.triage.")
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func num(m map[string]any, k string) int64 {
	switch n := m[k].(type) {
	case int32:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	}
	return -2
}
