package mailparse

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/triage-dev/triage/email"
)

// maxLinks bounds the links kept per message (newsletters can carry
// hundreds; phishing checks need the first few).
const maxLinks = 200

// textWriter builds readable text: runs of whitespace collapse to one
// space, block boundaries become line breaks (at most one blank line), and
// lines carry no leading or trailing spaces.
type textWriter struct {
	b         strings.Builder
	nl        int  // pending line breaks
	space     bool // pending space
	lineStart bool
	// quote is the blockquote depth: lines inside get "> " prefixes so
	// that NewText can drop quoted history from HTML-only replies.
	quote int
}

func (t *textWriter) newline(n int) {
	if n > t.nl {
		t.nl = n
	}
	t.space = false
}

func (t *textWriter) text(s string, pre bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		// A no-break space (U+00A0) reads as a space: downstream
		// matchers (phones, amounts) expect plain spaces.
		if c == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0 {
			i++
			c = ' '
		}
		if pre && c == '\n' {
			t.newline(1)
			t.flushNL()
			continue
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
			if !pre {
				t.space = true
				continue
			}
		}
		t.flushNL()
		if t.lineStart {
			for q := 0; q < t.quote; q++ {
				t.b.WriteString("> ")
			}
		} else if t.space {
			t.b.WriteByte(' ')
		}
		t.space = false
		t.lineStart = false
		t.b.WriteByte(c)
	}
}

func (t *textWriter) flushNL() {
	if t.nl == 0 {
		return
	}
	if t.b.Len() > 0 {
		if t.nl > 2 {
			t.nl = 2
		}
		for ; t.nl > 0; t.nl-- {
			t.b.WriteByte('\n')
		}
	}
	t.nl = 0
	t.space = false
	t.lineStart = true
}

// htmlToText converts HTML to readable text with the x/net/html tokenizer
// (no tree is built), dropping script, style and head content, turning
// block elements into line breaks and collecting anchors (href and visible
// text) for phishing checks. Entities are decoded by the tokenizer.
func htmlToText(src string) (string, []email.Link) {
	z := html.NewTokenizer(strings.NewReader(src))
	var t textWriter
	t.b.Grow(len(src) / 2)
	t.lineStart = true
	var links []email.Link
	skip := 0
	pre := 0
	inA := false
	var href string
	var aText textWriter
	aText.lineStart = true
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(t.b.String()), links
		case html.TextToken:
			if skip > 0 {
				continue
			}
			s := string(z.Text())
			t.text(s, pre > 0)
			if inA {
				aText.text(s, false)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template:
				if tt == html.StartTagToken {
					skip++
				}
				continue
			case atom.Br:
				t.newline(1)
				t.flushNL()
				continue
			case atom.Pre:
				pre++
			case atom.Blockquote:
				if tt == html.StartTagToken {
					t.newline(1)
					t.quote++
				}
				continue
			case atom.A:
				inA = true
				href = ""
				aText = textWriter{lineStart: true}
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = strings.TrimSpace(string(v))
					}
				}
				continue
			case atom.Img:
				if inA && hasAttr {
					for hasAttr {
						var k, v []byte
						k, v, hasAttr = z.TagAttr()
						if string(k) == "alt" {
							aText.text(" "+string(v)+" ", false)
						}
					}
				}
				continue
			case atom.Li:
				t.newline(1)
				t.flushNL()
				t.b.WriteString("- ")
				t.lineStart = false
				continue
			case atom.Td, atom.Th:
				t.space = true
				continue
			}
			if n := blockBreaks(a); n > 0 {
				t.newline(n)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template:
				if skip > 0 {
					skip--
				}
				continue
			case atom.Pre:
				if pre > 0 {
					pre--
				}
			case atom.Blockquote:
				// The pending break is written before the next text, at
				// the outer depth.
				if t.quote > 0 {
					t.newline(1)
					t.quote--
				}
				continue
			case atom.A:
				if inA {
					inA = false
					if usableHref(href) && len(links) < maxLinks {
						links = append(links, email.Link{Href: href, Text: strings.TrimSpace(aText.b.String())})
					}
				}
				continue
			}
			if n := blockBreaks(a); n > 0 {
				t.newline(n)
			}
		}
	}
}

func usableHref(h string) bool {
	if h == "" || h[0] == '#' {
		return false
	}
	return !strings.HasPrefix(strings.ToLower(h), "javascript:")
}

// blockBreaks is the number of line breaks a block element's boundary
// produces: paragraphs and headings a blank line, other blocks one.
func blockBreaks(a atom.Atom) int {
	switch a {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Table, atom.Pre, atom.Ul, atom.Ol, atom.Hr:
		return 2
	case atom.Div, atom.Tr, atom.Li, atom.Section, atom.Article, atom.Header,
		atom.Footer, atom.Address, atom.Dl, atom.Dt, atom.Dd, atom.Center,
		atom.Form, atom.Main, atom.Nav, atom.Aside, atom.Figure, atom.Tbody,
		atom.Thead, atom.Tfoot, atom.Caption, atom.Body, atom.Html:
		return 1
	}
	return 0
}
