package mailparse

import (
	"net/mail"
	"strings"
	"time"
)

var replyPrefixes = map[string]bool{
	"re": true, "aw": true, "sv": true, "vs": true, "ref": true, "réf": true, "rif": true, "odp": true,
	"antw": true, "atb": true, "ynt": true, "r": true, "res": true, "ra": true, "отв": true, "ответ": true,
	"回复": true, "答复": true, "回覆": true, "返信": true, "رد": true,
}

var forwardPrefixes = map[string]bool{
	"fwd": true, "fw": true, "wg": true, "tr": true, "rv": true, "enc": true, "pd": true, "i": true,
	"doorst": true, "vb": true, "vl": true, "fs": true, "пересл": true, "转发": true, "轉寄": true, "転送": true,
	"إعادة توجيه": true, "fwd.": true,
}

// subjectPrefixes strips reply/forward prefixes ("Re: AW: Fwd[2]: x") and
// list tags ("[team]") and reports which kinds it saw.
func subjectPrefixes(s string) (reply, forward bool) {
	for n := 0; n < 12; n++ {
		s = strings.TrimLeft(s, " \t")
		if strings.HasPrefix(s, "[") {
			if e := strings.IndexByte(s, ']'); e > 0 && e < 48 {
				s = s[e+1:]
				continue
			}
		}
		colon := -1
		width := 1
		lim := len(s)
		if lim > 24 {
			lim = 24
		}
		for i := 0; i < lim; i++ {
			if s[i] == ':' {
				colon = i
				break
			}
			if i+3 <= len(s) && s[i:i+3] == "：" {
				colon, width = i, 3
				break
			}
		}
		if colon <= 0 {
			return
		}
		tok := strings.TrimSpace(s[:colon])
		// Counters: "Re[2]", "AW(3)".
		if k := strings.IndexAny(tok, "[("); k > 0 {
			tok = tok[:k]
		}
		tok = strings.ToLower(tok)
		switch {
		case replyPrefixes[tok]:
			reply = true
		case forwardPrefixes[tok]:
			forward = true
		default:
			return
		}
		s = s[colon+width:]
	}
	return
}

var autoReplySubjects = []string{
	"out of office", "out of the office", "automatic reply", "auto reply", "autoreply", "auto-reply",
	"auto response", "autoresponse", "abwesenheitsnotiz", "automatische antwort", "abwesend",
	"réponse automatique", "reponse automatique", "absence du bureau", "respuesta automática",
	"respuesta automatica", "fuera de la oficina", "resposta automática", "ausência", "risposta automatica",
	"fuori ufficio", "automatisch antwoord", "afwezig", "frånvaro", "autosvar", "automatyczna odpowiedź",
	"автоответ", "自动回复", "自動回覆", "自動応答", "不在通知", "رد تلقائي",
}

// detectFlags sets reply/forward/auto-reply/bulk flags and thread depth
// from the headers and the decoded subject.
func detectFlags(m *Message, h header) {
	reply, fwd := subjectPrefixes(m.Subject)
	inReplyTo := h.get("In-Reply-To")
	refs := h.get("References")
	m.Flags.IsForward = fwd
	m.Flags.IsReply = reply || (!fwd && (inReplyTo != "" || refs != ""))

	depth := strings.Count(refs, "<")
	if depth == 0 && refs != "" {
		depth = len(strings.Fields(refs))
	}
	if depth == 0 && inReplyTo != "" {
		depth = 1
	}
	m.ThreadDepth = depth

	// RFC 3834: "auto-replied" marks a reply sent by a program (out of
	// office, ticket acknowledgement); "auto-generated" marks mail a
	// program originated (notifications, alerts). Only the first is an
	// auto-reply: counting notifications as auto-replies would hide them
	// from the notification category.
	auto := false
	if v := strings.ToLower(h.get("Auto-Submitted")); strings.HasPrefix(v, "auto-replied") {
		auto = true
	}
	if h.get("X-Autoreply") != "" || h.get("X-Autorespond") != "" || h.get("X-Autoresponder") != "" {
		auto = true
	}
	prec := strings.ToLower(h.get("Precedence"))
	if prec == "auto_reply" {
		auto = true
	}
	if !auto && m.Subject != "" {
		ls := strings.ToLower(m.Subject)
		for _, p := range autoReplySubjects {
			if strings.Contains(ls, p) {
				auto = true
				break
			}
		}
	}
	m.Flags.IsAutoReply = auto
	m.Flags.IsBulk = prec == "bulk" || prec == "list" || prec == "junk" ||
		h.get("List-Id") != "" || h.get("List-Unsubscribe") != ""
}

var months = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

var zones = map[string]int{
	"UT": 0, "GMT": 0, "UTC": 0, "Z": 0,
	"EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
	"CET": 3600, "CEST": 2 * 3600, "BST": 3600, "JST": 9 * 3600,
}

// parseDate parses an RFC 5322 date by hand ("Mon, 2 Jan 2006 15:04:05
// -0700 (MST)", with the day name, seconds and zone optional) and falls back
// to net/mail and RFC 3339 for the rest. The hand-rolled path exists
// because net/mail tries a dozen layouts in turn on every message.
func parseDate(v string) (time.Time, bool) {
	if t, ok := parseRFC5322Date(v); ok {
		return t, true
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(v)); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func parseRFC5322Date(v string) (time.Time, bool) {
	s := strings.TrimSpace(v)
	if c := strings.IndexByte(s, ','); c >= 0 && c <= 10 {
		s = strings.TrimSpace(s[c+1:])
	}
	f := strings.Fields(s)
	if len(f) < 4 {
		return time.Time{}, false
	}
	day, ok := atoi(f[0])
	if !ok || day < 1 || day > 31 {
		return time.Time{}, false
	}
	if len(f[1]) < 3 {
		return time.Time{}, false
	}
	mon, ok := months[strings.ToLower(f[1][:3])]
	if !ok {
		return time.Time{}, false
	}
	year, ok := atoi(f[2])
	if !ok {
		return time.Time{}, false
	}
	switch {
	case len(f[2]) == 2 && year < 50:
		year += 2000
	case len(f[2]) == 2 || len(f[2]) == 3:
		year += 1900
	}
	tp := strings.Split(f[3], ":")
	if len(tp) < 2 || len(tp) > 3 {
		return time.Time{}, false
	}
	hh, ok1 := atoi(tp[0])
	mm, ok2 := atoi(tp[1])
	ss := 0
	ok3 := true
	if len(tp) == 3 {
		ss, ok3 = atoi(tp[2])
	}
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	off := 0
	name := ""
	if len(f) >= 5 {
		z := f[4]
		if (z[0] == '+' || z[0] == '-') && len(z) == 5 {
			zh, okh := atoi(z[1:3])
			zm, okm := atoi(z[3:5])
			if !okh || !okm {
				return time.Time{}, false
			}
			off = zh*3600 + zm*60
			if z[0] == '-' {
				off = -off
			}
		} else if o, ok := zones[strings.ToUpper(z)]; ok {
			off = o
			name = strings.ToUpper(z)
		} else if z[0] != '(' {
			return time.Time{}, false
		}
	}
	loc := time.UTC
	if off != 0 || name != "" && name != "UTC" {
		loc = time.FixedZone(name, off)
	}
	t := time.Date(year, mon, day, hh, mm, ss, 0, loc)
	if t.Day() != day {
		return time.Time{}, false // 31 Feb and the like
	}
	return t, true
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
