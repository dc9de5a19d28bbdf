package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// mailFile is one raw message found by walkMail.
type mailFile struct {
	origin string // path, or path#n for mbox messages
	raw    []byte
}

// walkMail yields every message under paths: .eml files, directories of
// them (recursively, which covers Maildir's cur/ and new/), and mbox files
// (detected by a leading "From " line). fn errors stop the walk.
func walkMail(paths []string, fn func(mailFile) error) error {
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if !st.IsDir() {
			if err := readMailFile(p, fn); err != nil {
				return err
			}
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "tmp" && isMaildir(filepath.Dir(path)) {
					return filepath.SkipDir // Maildir tmp/ holds partial deliveries
				}
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			files = append(files, path)
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		sort.Strings(files)
		for _, f := range files {
			if err := readMailFile(f, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func isMaildir(dir string) bool {
	for _, s := range []string{"cur", "new"} {
		if st, err := os.Stat(filepath.Join(dir, s)); err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

func readMailFile(path string, fn func(mailFile) error) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !bytes.HasPrefix(b, []byte("From ")) {
		return fn(mailFile{origin: path, raw: b})
	}
	// mbox (mboxrd): messages start at lines beginning "From "; ">From "
	// quoting is undone one level.
	sc := bufio.NewReader(bytes.NewReader(b))
	var cur bytes.Buffer
	n := 0
	flush := func() error {
		if cur.Len() == 0 {
			return nil
		}
		n++
		msg := append([]byte(nil), cur.Bytes()...)
		cur.Reset()
		return fn(mailFile{origin: fmt.Sprintf("%s#%d", path, n), raw: msg})
	}
	first := true
	for {
		line, err := sc.ReadBytes('\n')
		if len(line) > 0 {
			switch {
			case bytes.HasPrefix(line, []byte("From ")):
				if !first {
					if ferr := flush(); ferr != nil {
						return ferr
					}
				}
				first = false
			case bytes.HasPrefix(line, []byte(">From ")) || (bytes.HasPrefix(line, []byte(">>")) && bytes.Contains(line[:min(len(line), 20)], []byte("From "))):
				cur.Write(line[1:])
			default:
				cur.Write(line)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return flush()
}

// messageID returns the Message-ID header value (without <>) by scanning
// the header block only; "" if absent. It is the record key ingestors
// should use: duplicates then land in the same partition, where the dedup
// stage sees them in order.
func messageID(raw []byte) string {
	hdrEnd := bytes.Index(raw, []byte("\r\n\r\n"))
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 && (hdrEnd < 0 || i < hdrEnd) {
		hdrEnd = i
	}
	if hdrEnd < 0 {
		hdrEnd = len(raw)
	}
	for _, line := range bytes.Split(raw[:hdrEnd], []byte("\n")) {
		if len(line) > 11 && strings.EqualFold(string(line[:11]), "message-id:") {
			v := strings.TrimSpace(string(line[11:]))
			return strings.Trim(v, "<>")
		}
	}
	return ""
}
