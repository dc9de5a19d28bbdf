package api

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// MinKeyLength is the shortest plaintext key accepted in a keys file: a key
// an attacker can enumerate is no key.
const MinKeyLength = 16

// Keys is an immutable set of API keys held as SHA-256 digests. Safe for
// concurrent use.
type Keys struct {
	names   []string
	digests [][sha256.Size]byte
}

// ParseKeys reads a keys file: one `name:key` or `name:sha256:<64 hex>` per
// line; blank lines and lines starting with # are ignored. Every problem is
// reported at once, by line number, never echoing a key.
func ParseKeys(r io.Reader) (*Keys, error) {
	k := &Keys{}
	var errs []string
	seenName := map[string]int{}
	seenDigest := map[[sha256.Size]byte]int{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		name, rest, ok := strings.Cut(s, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || rest == "" {
			errs = append(errs, fmt.Sprintf("line %d: want name:key or name:sha256:<hex>", line))
			continue
		}
		if strings.ContainsAny(name, " \t\"") {
			errs = append(errs, fmt.Sprintf("line %d: key name %q has spaces or quotes", line, name))
			continue
		}
		var d [sha256.Size]byte
		if hx, isHash := strings.CutPrefix(rest, "sha256:"); isHash {
			b, err := hex.DecodeString(strings.TrimSpace(hx))
			if err != nil || len(b) != sha256.Size {
				errs = append(errs, fmt.Sprintf("line %d (%s): sha256 digest must be 64 hex digits", line, name))
				continue
			}
			copy(d[:], b)
		} else {
			if len(rest) < MinKeyLength {
				errs = append(errs, fmt.Sprintf("line %d (%s): key shorter than %d characters", line, name, MinKeyLength))
				continue
			}
			d = sha256.Sum256([]byte(rest))
		}
		if prev, dup := seenName[name]; dup {
			errs = append(errs, fmt.Sprintf("line %d: key name %q already used on line %d", line, name, prev))
			continue
		}
		if prev, dup := seenDigest[d]; dup {
			errs = append(errs, fmt.Sprintf("line %d (%s): same key as line %d", line, name, prev))
			continue
		}
		seenName[name], seenDigest[d] = line, line
		k.names = append(k.names, name)
		k.digests = append(k.digests, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("api: read keys: %w", err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("api: keys file: %s", strings.Join(errs, "; "))
	}
	if len(k.names) == 0 {
		return nil, fmt.Errorf("api: keys file holds no keys")
	}
	return k, nil
}

// LoadKeysFile reads a keys file from disk.
func LoadKeysFile(path string) (*Keys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("api: keys file: %w", err)
	}
	defer f.Close()
	k, err := ParseKeys(f)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return k, nil
}

// Len returns the number of keys.
func (k *Keys) Len() int { return len(k.names) }

// Names returns the key names (bounded: safe as metric labels).
func (k *Keys) Names() []string { return append([]string(nil), k.names...) }

// Lookup returns the name of the key token belongs to. It hashes token and
// compares the digest with every configured digest in constant time,
// without stopping at a match, so the time taken says nothing about which
// key (or how much of one) matched.
func (k *Keys) Lookup(token string) (string, bool) {
	d := sha256.Sum256([]byte(token))
	found := -1
	for i := range k.digests {
		if subtle.ConstantTimeCompare(d[:], k.digests[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return k.names[found], true
}
