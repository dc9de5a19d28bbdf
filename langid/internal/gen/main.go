// Command gen builds langid's compact profile (profile.bin) from the n-gram
// models published with github.com/pemistahl/lingua-go (Apache-2.0). Those
// models were trained by lingua's author on news corpora, which are separate
// from the Wortschatz sentences used in our evaluation.
//
// Only Latin-script languages need a statistical profile: the other
// supported languages are decided by script. For each language we keep the
// conditional n-gram probabilities of orders 1-3 (all of them) and of order
// 4 (those at or above a floor), quantised to one byte of -ln(p).
//
// Run from the repository root: go run ./langid/internal/gen -out langid/profile.bin
package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"

	"github.com/triage-dev/triage/langid/internal/ngram"
)

// Latin-script languages that get a profile, in profile order.
var latin = []string{"en", "es", "fr", "de", "pt", "it", "nl", "sv", "pl", "ca", "ro", "da", "tr"}

var orders = []string{"unigram", "bigram", "trigram", "quadrigram"}

func main() {
	out := flag.String("out", "langid/profile.bin", "output file")
	minQuad := flag.Float64("min-quad-prob", 0.02, "keep quadrigrams with conditional probability >= this")
	flag.Parse()
	if err := run(*out, *minQuad); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func moduleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
	if err != nil {
		return "", fmt.Errorf("locate lingua-go module: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func load(dir, lang, order string) (*serialization.SerializableLanguageModel, error) {
	p := filepath.Join(dir, "language-models", lang, order+"s.pb.bin.zip")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("open zip %s: %w", p, err)
	}
	f, err := zr.File[0].Open()
	if err != nil {
		return nil, fmt.Errorf("open zip entry %s: %w", p, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read zip entry %s: %w", p, err)
	}
	var m serialization.SerializableLanguageModel
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", p, err)
	}
	return &m, nil
}

// quant maps a probability to 1..255 (0 means absent): 16 steps per nat.
func quant(p float64) byte {
	q := math.Round(-math.Log(p)*16) + 1
	if q < 1 {
		q = 1
	}
	if q > 255 {
		q = 255
	}
	return byte(q)
}

func run(out string, minQuad float64) error {
	dir, err := moduleDir()
	if err != nil {
		return err
	}
	table := map[uint64][]byte{}
	for li, lang := range latin {
		for oi, order := range orders {
			m, err := load(dir, lang, order)
			if err != nil {
				return err
			}
			for _, set := range m.NgramSets {
				if oi == 3 && set.Probability < minQuad {
					continue
				}
				q := quant(set.Probability)
				for _, g := range set.Ngrams {
					k := ngram.Key([]rune(g))
					v := table[k]
					if v == nil {
						v = make([]byte, len(latin))
						table[k] = v
					}
					v[li] = q
				}
			}
		}
	}
	keys := make([]uint64, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var buf bytes.Buffer
	buf.WriteString("LID1")
	buf.WriteByte(byte(len(latin)))
	for _, l := range latin {
		buf.WriteString(l)
	}
	binary.Write(&buf, binary.LittleEndian, uint32(len(keys)))
	for _, k := range keys {
		binary.Write(&buf, binary.LittleEndian, k)
		buf.Write(table[k])
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	fmt.Printf("gen: %d n-grams, %d languages, %d bytes\n", len(keys), len(latin), buf.Len())
	return nil
}
