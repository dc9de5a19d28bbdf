package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Person names are only looked for where emails reliably put them: after a
// greeting at the start of a line ("Dear Maria Garcia,", "Hallo Herr
// Müller") and on the line after a sign-off ("Best regards,\nJohn Smith"),
// or on the same line ("Thanks, John"). Free-text name recognition needs a
// statistical model; these two places cover the names every email has.

var greetings = []string{
	"hi", "hello", "hey", "dear", "good morning", "good afternoon", "good evening",
	"hola", "estimado", "estimada", "querido", "querida", "buenos días", "buenas tardes",
	"bonjour", "bonsoir", "cher", "chère", "salut", "madame", "monsieur",
	"hallo", "liebe", "lieber", "sehr geehrte", "sehr geehrter", "guten tag", "moin", "servus",
	"olá", "ola", "oi", "prezado", "prezada", "caro", "cara", "bom dia", "boa tarde",
	"gentile", "gentilissimo", "gentilissima", "ciao", "buongiorno", "salve", "egregio",
	"beste", "geachte", "hoi", "goedemorgen", "goedemiddag",
	"hej", "hejsan", "kära", "god morgon", "hei",
	"dzień dobry", "szanowny", "szanowna", "szanowni", "witam", "cześć",
	"здравствуйте", "привет", "уважаемый", "уважаемая", "добрый день",
	"مرحبا", "عزيزي", "عزيزتي", "السيد",
}

var signoffs = []string{
	"best regards", "kind regards", "warm regards", "regards", "best wishes", "best", "thanks", "thank you",
	"many thanks", "cheers", "sincerely", "yours sincerely", "yours truly", "yours faithfully", "all the best",
	"saludos", "un saludo", "saludos cordiales", "atentamente", "cordialmente", "gracias", "muchas gracias",
	"cordialement", "bien cordialement", "bien à vous", "merci", "salutations", "sincères salutations",
	"mit freundlichen grüßen", "mit freundlichen grüssen", "freundliche grüße", "viele grüße", "beste grüße",
	"liebe grüße", "gruß", "grüße", "lg", "vg", "mfg",
	"atenciosamente", "abraços", "abraço", "obrigado", "obrigada", "cumprimentos",
	"cordiali saluti", "distinti saluti", "saluti", "grazie", "un saluto", "a presto",
	"met vriendelijke groet", "vriendelijke groet", "met vriendelijke groeten", "groeten", "groet",
	"med vänliga hälsningar", "vänliga hälsningar", "hälsningar", "mvh", "tack",
	"pozdrawiam", "z poważaniem", "serdecznie pozdrawiam", "dziękuję",
	"с уважением", "спасибо", "всего доброго", "с наилучшими пожеланиями",
	"مع تحياتي", "شكرا", "تحياتي",
}

// honorifics may sit between a greeting and the name; they are kept out of
// the redacted span only when they come first.
var honorifics = []string{"mr", "mrs", "ms", "miss", "dr", "prof", "herr", "frau", "sr", "sra", "srta", "don", "doña",
	"m", "mme", "mlle", "sig", "sig.ra", "dott", "dott.ssa", "dhr", "mevr", "pan", "pani", "herrn",
	"господин", "госпожа"}

// notNames are capitalised words that follow greetings but are not people.
var notNames = map[string]bool{
	"team": true, "all": true, "everyone": true, "there": true, "sir": true, "madam": true, "support": true,
	"customer": true, "customers": true, "friends": true, "colleagues": true, "folks": true, "guys": true,
	"todos": true, "equipo": true, "tous": true, "équipe": true, "zusammen": true, "alle": true, "team,": true,
	"allerseits": true, "tutti": true, "iedereen": true, "allemaal": true, "wszystkim": true, "всем": true,
	"again": true, "sirs": true, "hiring": true, "manager": true, "in": true, "for": true, "and": true,
	// The generic "ladies and gentlemen" / "sir or madam" salutations.
	"damen": true, "herren": true, "señores": true, "señoras": true, "señor": true, "señora": true,
	"madame": true, "monsieur": true, "mesdames": true, "messieurs": true, "senhores": true, "senhoras": true,
	"signore": true, "signori": true, "signora": true, "dames": true, "heren": true, "państwo": true,
	"colleghi": true, "kollegen": true, "kolleginnen": true, "compañeros": true, "collègues": true,
	"clientes": true, "kunden": true, "cliente": true, "client": true,
}

// appendIdentity adds PERSON and STREET_ADDRESS findings.
func appendIdentity(text string, out []Finding) []Finding {
	lineStart := 0
	prevSignoff := false
	for lineStart <= len(text) {
		nl := strings.IndexByte(text[lineStart:], '\n')
		lineEnd := len(text)
		if nl >= 0 {
			lineEnd = lineStart + nl
		}
		line := text[lineStart:lineEnd]
		trimmed := strings.TrimLeft(line, " \t>")
		off := lineStart + len(line) - len(trimmed)
		if prevSignoff {
			if s, e, ok := nameAt(text, off, lineEnd, 3); ok && e-off >= len(strings.TrimRight(trimmed, " \t\r,.")) {
				out = append(out, Finding{Type: Person, Start: s, End: e, Score: 0.7})
			}
			if strings.TrimSpace(trimmed) != "" {
				prevSignoff = false
			}
		}
		low := strings.ToLower(trimmed)
		if n := matchPhrase(low, greetings); n > 0 {
			if s, e, ok := nameAt(text, off+n, lineEnd, 3); ok {
				out = append(out, Finding{Type: Person, Start: s, End: e, Score: 0.7})
			}
		} else if n := matchPhrase(low, signoffs); n > 0 {
			rest := strings.TrimSpace(strings.Trim(strings.TrimSpace(trimmed[n:]), ",.!-–—"))
			if rest == "" {
				prevSignoff = true
			} else if s, e, ok := nameAt(text, off+n, lineEnd, 3); ok {
				out = append(out, Finding{Type: Person, Start: s, End: e, Score: 0.7})
			}
		}
		if nl < 0 {
			break
		}
		lineStart = lineEnd + 1
	}
	return appendAddresses(text, out)
}

// matchPhrase returns the byte length of the longest phrase that low starts
// with, followed by a non-letter, or 0.
func matchPhrase(low string, phrases []string) int {
	best := 0
	for _, p := range phrases {
		if len(p) > best && strings.HasPrefix(low, p) {
			r, _ := utf8.DecodeRuneInString(low[len(p):])
			if len(low) == len(p) || !unicode.IsLetter(r) {
				best = len(p)
			}
		}
	}
	return best
}

// nameAt reads up to max capitalised words starting at i (after spaces,
// a comma and honorifics) and returns their span.
func nameAt(text string, i, lineEnd, max int) (int, int, bool) {
	skip := func() {
		for i < lineEnd && (text[i] == ' ' || text[i] == ',' || text[i] == '\t') {
			i++
		}
	}
	skip()
	for {
		w, n := wordAt(text, i, lineEnd)
		if n == 0 {
			break
		}
		lw := strings.ToLower(strings.TrimSuffix(w, "."))
		found := false
		for _, h := range honorifics {
			if lw == h {
				found = true
				break
			}
		}
		if !found {
			break
		}
		i += n
		if i < lineEnd && text[i] == '.' {
			i++
		}
		skip()
	}
	start, end := i, i
	for k := 0; k < max; k++ {
		w, n := wordAt(text, i, lineEnd)
		if n == 0 {
			break
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) && !(unicode.IsLetter(r) && !unicode.IsLower(r) && !unicode.IsUpper(r) && r > 0x600) {
			break
		}
		if notNames[strings.ToLower(w)] {
			break
		}
		i += n
		end = i
		if i < lineEnd && text[i] == ' ' {
			i++
		} else {
			break
		}
	}
	return start, end, end > start
}

// wordAt returns the letter word (with inner hyphens and apostrophes)
// starting at i.
func wordAt(text string, i, lineEnd int) (string, int) {
	j := i
	for j < lineEnd {
		r, n := utf8.DecodeRuneInString(text[j:])
		if unicode.IsLetter(r) || ((r == '-' || r == '\'' || r == '’') && j > i) {
			j += n
			continue
		}
		break
	}
	for j > i && (text[j-1] == '-' || text[j-1] == '\'') {
		j--
	}
	return text[i:j], j - i
}
