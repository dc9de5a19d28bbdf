package mailparse

import (
	"strings"
)

// NewText returns body without quoted history and signature: lines quoted
// with '>' are dropped; an attribution line ("On … wrote:", "Am … schrieb",
// "Le … a écrit", …), an "Original Message"/forward separator or an Outlook
// "From:/Sent:" header block ends the new text; so do the "-- " signature
// delimiter, device signatures ("Sent from my iPhone") and a closing
// sign-off ("Best regards," and a few short lines) near the end.
//
// It scans lines with prefix tests only (no regexps): it runs on every
// message. When only a tail is cut the result is a substring of body.
func NewText(body string) string {
	if body == "" {
		return ""
	}
	type span struct{ a, b int }
	var kept []span
	pos := 0
	for pos < len(body) {
		end := strings.IndexByte(body[pos:], '\n')
		next := len(body)
		if end < 0 {
			end = len(body)
		} else {
			end += pos
			next = end + 1
		}
		line := body[pos:end]
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, ">") {
			pos = next
			continue
		}
		if isSigDelimiter(line) || (trimmed != "" && len(trimmed) < 400 && endsNewText(trimmed, body[next:])) {
			break
		}
		kept = append(kept, span{pos, end})
		pos = next
	}
	// Drop a sign-off block at the end: the sign-off line followed by at
	// most a few short lines (name, title, phone).
	for i := len(kept) - 1; i >= 0 && i >= len(kept)-8; i-- {
		line := strings.TrimSpace(body[kept[i].a:kept[i].b])
		if line == "" {
			continue
		}
		if isSignOff(line) {
			short := true
			nonEmpty := 0
			for _, k := range kept[i+1:] {
				l := strings.TrimSpace(body[k.a:k.b])
				if l != "" {
					nonEmpty++
					if len(l) > 80 {
						short = false
					}
				}
			}
			if short && nonEmpty <= 5 && i > 0 {
				kept = kept[:i]
			}
			break
		}
	}
	if len(kept) == 0 {
		return ""
	}
	contiguous := true
	for i := 1; i < len(kept); i++ {
		if kept[i].a != kept[i-1].b+1 {
			contiguous = false
			break
		}
	}
	if contiguous {
		// Only a tail (and maybe a head of quotes) was cut: a substring.
		return strings.TrimSpace(body[kept[0].a:kept[len(kept)-1].b])
	}
	var b strings.Builder
	b.Grow(kept[len(kept)-1].b - kept[0].a)
	for i, k := range kept {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(body[k.a:k.b])
	}
	return strings.TrimSpace(collapseBlankLines(b.String()))
}

// collapseBlankLines turns runs of blank lines (left where quotes were cut)
// into one.
func collapseBlankLines(s string) string {
	if !strings.Contains(s, "\n\n\n") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	nl := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			nl++
			if nl > 2 {
				continue
			}
		} else {
			nl = 0
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isSigDelimiter(line string) bool {
	line = strings.TrimRight(line, "\r")
	return line == "-- " || line == "--" || line == "—" || line == "-- \u00a0"
}

// endsNewText reports whether line t starts quoted or forwarded history.
// rest is the text after the line, for patterns spanning two lines. It
// dispatches on the first byte so that ordinary lines cost a switch and a
// couple of byte compares: it runs on every line of every message.
func endsNewText(t, rest string) bool {
	last := t[len(t)-1]
	if (last == ':' || last == 0x9a) && attributionSuffix(t) {
		return true
	}
	switch t[0] | 0x20 {
	case 'o':
		return (hasPrefixFold(t, "On ") && strings.HasSuffix(firstLine(rest), "wrote:")) ||
			(hasPrefixFold(t, "Op ") && strings.Contains(t, "schreef")) || fromHeaderAt(t) && sentHeaderWithin(rest, 4)
	case 'a':
		return (hasPrefixFold(t, "Am ") && strings.Contains(t, "schrieb")) || hasPrefixFold(t, "Anfang der weitergeleiteten")
	case 'l':
		return hasPrefixFold(t, "Le ") && strings.Contains(t, "a écrit")
	case 'e':
		return (hasPrefixFold(t, "El ") && (strings.Contains(t, "escribió") || strings.HasSuffix(firstLine(rest), "escribió:"))) ||
			(hasPrefixFold(t, "Em ") && strings.Contains(t, "escreveu"))
	case 'i':
		return hasPrefixFold(t, "Il ") && strings.Contains(t, "ha scritto")
	case 'd':
		return (hasPrefixFold(t, "Den ") && strings.Contains(t, "skrev")) || fromHeaderAt(t) && sentHeaderWithin(rest, 4)
	case 'w':
		return hasPrefixFold(t, "W dniu ") && strings.Contains(t, "pisze")
	case 'b':
		return hasPrefixFold(t, "Begin forwarded message")
	case '-':
		// -----Original Message-----, ---------- Forwarded message ---------
		return strings.HasPrefix(t, "---") && strings.HasSuffix(t, "---") && hasLetter(t)
	case '_':
		return strings.HasPrefix(t, "________________") && fromHeaderAt(firstLine(rest))
	case 'f', 'v':
		return fromHeaderAt(t) && sentHeaderWithin(rest, 4)
	}
	if t[0] >= 0x80 {
		return fromHeaderAt(t) && sentHeaderWithin(rest, 4)
	}
	return false
}

var attributionSuffixes = []string{"wrote:", "写道：", "写道:", "のメッセージ:", "書きました:", "написал(а):", "написал:", "كتب:"}

func attributionSuffix(t string) bool {
	if len(t) > 300 {
		return false
	}
	for _, s := range attributionSuffixes {
		if strings.HasSuffix(t, s) {
			return true
		}
	}
	return false
}

var fromLabels = []string{"From:", "Von:", "De :", "De:", "Da:", "Van:", "Från:", "Od:", "От:", "发件人:", "发件人：", "差出人:", "寄件者:", "Fra:"}

var sentLabels = []string{"Sent:", "Date:", "Gesendet:", "Datum:", "Envoyé :", "Envoyé:", "Enviado:", "Enviado el:",
	"Fecha:", "Inviato:", "Data:", "Verzonden:", "Skickat:", "Wysłano:", "Отправлено:", "Дата:", "发送时间:", "发送时间：",
	"送信日時:", "日付:", "Sendt:", "To:", "An:", "À :", "Para:", "A:", "Aan:", "Till:", "Do:", "Кому:", "收件人:", "宛先:"}

func fromHeaderAt(t string) bool {
	for _, l := range fromLabels {
		if strings.HasPrefix(t, l) {
			return true
		}
	}
	return false
}

// sentHeaderWithin reports whether one of the next n lines of rest is a
// "Sent:"-like header, which makes a preceding "From:" line a quoted header
// block rather than prose.
func sentHeaderWithin(rest string, n int) bool {
	for i := 0; i < n && rest != ""; i++ {
		l := firstLine(rest)
		t := strings.TrimSpace(l)
		for _, s := range sentLabels {
			if strings.HasPrefix(t, s) {
				return true
			}
		}
		if len(l) == len(rest) {
			break
		}
		rest = rest[len(l)+1:]
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return strings.TrimSpace(s)
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

var deviceSigs = []string{
	"sent from my ", "get outlook for ", "enviado desde mi ", "von meinem ", "envoyé de mon ",
	"enviado do meu ", "inviato da ", "verstuurd vanaf mijn ", "skickat från min ", "wysłane z ",
	"отправлено с ", "sent via ",
}

var signOffs = map[string]bool{
	"best regards": true, "kind regards": true, "regards": true, "best": true, "thanks": true,
	"thank you": true, "many thanks": true, "thanks again": true, "cheers": true, "sincerely": true,
	"yours sincerely": true, "yours faithfully": true, "warm regards": true, "best wishes": true, "br": true,
	"all the best": true, "thanks in advance": true, "hugs": true, "love": true, "xoxo": true,
	"take care": true, "talk soon": true, "best,": true,
	"mit freundlichen grüßen": true, "mit freundlichen grüssen": true, "viele grüße": true, "beste grüße": true,
	"freundliche grüße": true, "liebe grüße": true, "gruß": true, "grüße": true, "lg": true, "vg": true,
	"cordialement": true, "bien cordialement": true, "bien à vous": true, "salutations": true, "merci": true,
	"merci d'avance": true, "bonne journée": true, "amicalement": true,
	"saludos": true, "un saludo": true, "atentamente": true, "saludos cordiales": true, "gracias": true,
	"un abrazo": true, "muchas gracias": true,
	"atenciosamente": true, "abraços": true, "cumprimentos": true, "obrigado": true, "obrigada": true,
	"cordiali saluti": true, "saluti": true, "distinti saluti": true, "grazie": true,
	"met vriendelijke groet": true, "met vriendelijke groeten": true, "groeten": true, "groet": true,
	"med vänliga hälsningar": true, "vänliga hälsningar": true, "mvh": true, "hälsningar": true,
	"pozdrawiam": true, "z poważaniem": true, "pozdrowienia": true,
	"с уважением": true, "спасибо": true, "всего доброго": true,
	"よろしくお願いいたします": true, "よろしくお願いします": true, "以上、よろしくお願いいたします": true,
	"此致": true, "谢谢": true, "祝好": true, "此致敬礼": true,
	"مع تحياتي": true, "شكرا": true, "مع خالص التحية": true, "وشكرا": true,
}

// isSignOff reports a closing line such as "Best regards," or a device
// signature.
func isSignOff(t string) bool {
	if len(t) > 60 {
		return false
	}
	l := strings.ToLower(t)
	for _, d := range deviceSigs {
		if strings.HasPrefix(l, d) {
			return true
		}
	}
	l = strings.TrimRight(l, " ,.!;:-—،。！")
	return signOffs[l]
}
