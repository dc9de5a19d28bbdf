package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Street addresses are found from their house number, so this too is
// anchored on digits: English-style "221B Baker Street" (number, then
// capitalised words ending in a street type) and continental
// "Hauptstraße 5", "Calle Mayor 3", "Via Roma 10", "12 rue de la Paix"
// (a street word before or after the number).

var streetSuffixes = map[string]bool{
	"street": true, "st": true, "avenue": true, "ave": true, "road": true, "rd": true, "boulevard": true,
	"blvd": true, "lane": true, "ln": true, "drive": true, "dr": true, "court": true, "ct": true, "way": true,
	"place": true, "pl": true, "square": true, "sq": true, "terrace": true, "highway": true, "hwy": true,
	"parkway": true, "pkwy": true, "crescent": true, "close": true, "gardens": true,
}

// streetPrefixes start a street name that is followed by the number.
var streetPrefixes = map[string]bool{
	"calle": true, "avenida": true, "av": true, "avda": true, "plaza": true, "paseo": true, "carrer": true,
	"rua": true, "travessa": true, "praça": true, "alameda": true, "estrada": true,
	"via": true, "viale": true, "piazza": true, "corso": true, "vicolo": true, "largo": true,
	"ulica": true, "ul": true, "улица": true, "ул": true, "проспект": true, "пр": true,
}

// streetAfterNumber are French-style street words that follow the number.
var streetAfterNumber = map[string]bool{"rue": true, "avenue": true, "boulevard": true, "bd": true,
	"chemin": true, "place": true, "allée": true, "impasse": true, "quai": true, "route": true}

// germanicSuffixes end one-word street names followed by the number.
var germanicSuffixes = []string{"straße", "strasse", "str", "weg", "gasse", "platz", "allee", "ring", "damm",
	"straat", "laan", "plein", "gracht", "kade", "singel", "gatan", "vägen", "gränd", "torget"}

func appendAddresses(text string, out []Finding) []Finding {
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) || (i > 0 && isAlnum(text[i-1])) {
			continue
		}
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		if j-i > 5 {
			i = j
			continue
		}
		if j < len(text) && isLetter(text[j]) && (j+1 >= len(text) || !isLetter(text[j+1])) {
			j++ // 221B
		}
		if j < len(text) && isAlnum(text[j]) {
			i = j
			continue
		}
		if s, e, ok := addressAround(text, i, j); ok {
			out = append(out, Finding{Type: Address, Start: s, End: e, Score: 0.6})
		}
		i = j
	}
	return out
}

func addressAround(text string, ns, ne int) (int, int, bool) {
	// After the number: words up to a street suffix, or a French street
	// word then up to four words.
	p := ne
	words := 0
	for words < 5 {
		for p < len(text) && text[p] == ' ' {
			p++
		}
		w, n := wordAt(text, p, len(text))
		if n == 0 {
			break
		}
		lw := strings.ToLower(w)
		if words == 0 && streetAfterNumber[lw] {
			e := p + n
			for k := 0; k < 4; k++ {
				q := e
				for q < len(text) && text[q] == ' ' {
					q++
				}
				_, n2 := wordAt(text, q, len(text))
				if n2 == 0 {
					break
				}
				e = q + n2
			}
			return ns, e, true
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			break
		}
		words++
		p += n
		if words >= 2 && streetSuffixes[lw] {
			return ns, p, true
		}
	}
	// Before the number: "Hauptstraße 5", "Calle Mayor 3", "Via Roma, 10".
	q := ns
	for q > 0 && (text[q-1] == ' ' || text[q-1] == ',') {
		q--
	}
	start := -1
	for k := 0; k < 4 && q > 0; k++ {
		ws := q
		for ws > 0 {
			r, n := utf8.DecodeLastRuneInString(text[:ws])
			if !unicode.IsLetter(r) && r != '.' {
				break
			}
			ws -= n
		}
		if ws == q {
			break
		}
		w := strings.ToLower(strings.TrimSuffix(text[ws:q], "."))
		if k == 0 {
			for _, suf := range germanicSuffixes {
				if strings.HasSuffix(w, suf) && len(w) > len(suf)+2 {
					start = ws
				}
			}
		}
		if streetPrefixes[w] {
			start = ws
			break
		}
		q = ws
		for q > 0 && text[q-1] == ' ' {
			q--
		}
	}
	if start >= 0 {
		return start, ne, true
	}
	return 0, 0, false
}
