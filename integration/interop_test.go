package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/stages"
)

// TestKcatInterop checks triage against a Kafka client nobody on the team
// wrote (kcat, on librdkafka): raw emails produced by kcat are consumed and
// triaged, and the output read back by kcat with read_committed decodes,
// with goavro and the .avsc alone, into the same field values that
// `triage classify` prints for the same email.
func TestKcatInterop(t *testing.T) {
	seeds := brokers(t)
	bin := triageBin(t)
	kcat := requireTool(t, "kcat")
	adm := newAdmin(t, seeds)
	run := nonce()
	input, group, suffix := "it.kcat."+run, "it-kcat-"+run, "c"+run
	createTopic(t, adm, input, 2)
	emails := makeEmails("kcat"+run, 10, 6)
	dir := t.TempDir()
	bootstrap := strings.Join(seeds, ",")

	// kcat sends each file argument as one message; one call per email so
	// each gets its own key and region header.
	files := map[string]string{}
	for i, e := range emails {
		f := filepath.Join(dir, fmt.Sprintf("%02d.eml", i))
		if err := os.WriteFile(f, e.Raw, 0o644); err != nil {
			t.Fatal(err)
		}
		files[e.MessageID] = f
		out, err := exec.Command(kcat, "-P", "-b", bootstrap, "-t", input, "-k", e.MessageID,
			"-H", regionHeader+"="+e.Region, f).CombinedOutput()
		if err != nil {
			t.Fatalf("kcat produce: %v: %s", err, out)
		}
	}

	col := startCollector(t, seeds, suffix)
	p := startTriage(t, seeds, runOpts{Name: "kcat", Group: group, Input: input, Suffix: suffix, StateDir: t.TempDir()})
	t.Run("consumes kcat input", func(t *testing.T) {
		col.waitAll(t, emails, 3*time.Minute, p)
	})
	waitGroupCaughtUp(t, adm, group, input, time.Minute, p)
	if err := p.stop(30 * time.Second); err != nil {
		t.Errorf("graceful stop: %v", err)
	}

	t.Run("kcat output matches classify", func(t *testing.T) {
		dec := newAvroDecoder(t)
		got := map[string]map[string]any{}
		for _, rd := range regionDomains {
			recs := kcatConsume(t, kcat, bootstrap, outputTopic(rd.region, suffix))
			for _, r := range recs {
				m, err := dec.decode(r.value)
				if err != nil {
					t.Fatalf("%s: %v", outputTopic(rd.region, suffix), err)
				}
				if r.key != str(m, "id") {
					t.Errorf("record key %q != id field %q", r.key, str(m, "id"))
				}
				got[str(m, "message_id")] = m
			}
		}
		for _, e := range emails {
			m, ok := got[e.MessageID]
			if !ok {
				t.Errorf("%s: not read back by kcat", e.MessageID)
				continue
			}
			want := classify(t, bin, e.Region, files[e.MessageID])
			compareWithClassify(t, e.MessageID, m, want)
		}
	})
}

type kcatRecord struct {
	key   string
	value []byte
}

// kcatConsume reads a topic from the beginning to its end with kcat as a
// read_committed consumer. The format prints the key and value lengths
// before the raw bytes, so binary values need no delimiter.
func kcatConsume(t testing.TB, kcat, bootstrap, topic string) []kcatRecord {
	t.Helper()
	cmd := exec.Command(kcat, "-C", "-b", bootstrap, "-t", topic, "-e", "-q", "-o", "beginning",
		"-X", "isolation.level=read_committed", "-f", "%K %S %k%s")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kcat consume %s: %v: %s", topic, err, stderr.String())
	}
	var recs []kcatRecord
	r := bufio.NewReader(bytes.NewReader(out))
	for {
		kl, err := r.ReadString(' ')
		if err != nil {
			break
		}
		vl, err := r.ReadString(' ')
		if err != nil {
			t.Fatalf("kcat output for %s: truncated header", topic)
		}
		klen, err1 := strconv.Atoi(strings.TrimSpace(kl))
		vlen, err2 := strconv.Atoi(strings.TrimSpace(vl))
		if err1 != nil || err2 != nil || vlen < 0 {
			t.Fatalf("kcat output for %s: bad lengths %q %q", topic, kl, vl)
		}
		buf := make([]byte, max(klen, 0)+vlen)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatalf("kcat output for %s: %v", topic, err)
		}
		recs = append(recs, kcatRecord{key: string(buf[:max(klen, 0)]), value: buf[max(klen, 0):]})
	}
	return recs
}

// classify runs `triage classify` on one email with the secret the
// processors use, so ids agree.
func classify(t testing.TB, bin, region, file string) map[string]any {
	t.Helper()
	cmd := exec.Command(bin, "classify", "--region", region, file)
	cmd.Env = triageEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("triage classify: %v: %s", err, stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(out), &m); err != nil {
		t.Fatalf("triage classify output is not one JSON object: %v", err)
	}
	return m
}

// stageFields names, per stage, output fields it always fills for the
// plain-text emails these tests generate.
var stageFields = map[string][]string{
	"language": {"language"},
	"pii":      {"redacted_subject", "redacted_body"},
	"classify": {"category"},
	"priority": {"priority"},
	"summary":  {"summary"},
}

// filledFields lists the fields that must be non-empty given the stages
// linked into this build (the binary under test is built from the same
// checkout).
func filledFields() []string {
	out := []string{"id", "message_id", "region"}
	for _, name := range stages.Registered() {
		out = append(out, stageFields[name]...)
	}
	return out
}

// Fields that legitimately differ between a Kafka run and classify: where
// and when the email was read and processed.
var notComparable = map[string]bool{
	"processed_at": true, "received_at": true,
	"source_topic": true, "source_partition": true, "source_offset": true,
}

func compareWithClassify(t testing.TB, msgID string, avro, js map[string]any) {
	t.Helper()
	var keys []string
	for k := range avro {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// A comparison of two empty records would prove nothing: every linked
	// stage must have filled the fields downstream consumers rely on.
	for _, k := range filledFields() {
		if avro[k] == nil || avro[k] == "" {
			t.Errorf("%s: %s is empty in the Avro record", msgID, k)
		}
	}
	for _, k := range keys {
		if notComparable[k] {
			continue
		}
		jv, ok := js[k]
		if !ok {
			t.Errorf("%s: field %s in the Avro record is missing from classify JSON", msgID, k)
			continue
		}
		if a, j := normalize(avro[k]), normalize(jv); !reflect.DeepEqual(a, j) {
			t.Errorf("%s: %s: Avro %#v, classify %#v", msgID, k, a, j)
		}
	}
}

// normalize maps decoded Avro values onto what encoding/json produces
// (numbers as float64) and treats an empty array like null: the JSON view
// may print a nil slice as null where Avro, lacking a null branch, has [].
func normalize(v any) any {
	switch x := v.(type) {
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case float32:
		return float64(x)
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i := range x {
			out[i] = normalize(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k := range x {
			out[k] = normalize(x[k])
		}
		return out
	}
	return v
}
