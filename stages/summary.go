package stages

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/triage-dev/triage/email"
)

func init() { register("summary", newSummary) }

type summaryStage struct{ max int }

func newSummary(cfg *Config) (Stage, error) {
	return &summaryStage{max: cfg.Summary.MaxChars}, nil
}

func (s *summaryStage) Name() string { return "summary" }

// Process builds an extractive summary.
//
// Privacy rule: the summary is built only from e.RedactedSubject and
// e.RedactedBody. When the PII stage has not run (e.Redacted is false, for
// example because it is disabled), no summary is produced at all rather
// than falling back to raw text, which could leak personal data into the
// output topic.
func (s *summaryStage) Process(_ context.Context, e *email.Email) error {
	if !e.Redacted {
		e.Summary = ""
		return nil
	}
	e.Summary = Summarize(e.RedactedSubject, e.RedactedBody, s.max)
	return nil
}

// greetings open a message; a short first line that starts with one is
// dropped. Lower-case; matched as a prefix of the line.
var greetings = []string{
	"hi", "hello", "hey", "dear", "good morning", "good afternoon", "good evening", "greetings", "all,", "team,",
	"hola", "estimado", "estimada", "estimados", "buenos días", "buenas tardes", "querido", "querida",
	"bonjour", "bonsoir", "salut", "cher", "chère", "madame", "monsieur",
	"hallo", "liebe", "lieber", "sehr geehrte", "guten tag", "guten morgen", "moin", "servus",
	"olá", "ola", "oi", "prezado", "prezada", "caro", "cara", "bom dia", "boa tarde",
	"ciao", "buongiorno", "buonasera", "gentile", "gentili", "salve",
	"beste", "hoi", "goedemorgen", "goedemiddag", "geachte",
	"hej", "hejsan", "hallå", "god morgon",
	"dzień dobry", "witam", "szanowny", "szanowna", "cześć",
	"здравствуйте", "привет", "добрый день", "уважаемый", "уважаемая",
	"こんにちは", "お疲れ様です", "お世話になっております", "いつもお世話になっております",
	"您好", "你好", "尊敬的", "各位",
	"مرحبا", "السلام عليكم", "عزيزي",
}

// closings start the sign-off; everything from such a line on is dropped.
var closings = []string{
	"best regards", "kind regards", "regards", "best,", "best wishes", "thanks,", "thank you,", "cheers", "sincerely", "sent from my",
	"saludos", "atentamente", "un saludo", "cordialmente", "enviado desde",
	"cordialement", "bien à vous", "bien cordialement", "salutations", "envoyé de",
	"mit freundlichen grüßen", "viele grüße", "beste grüße", "freundliche grüße", "lg,", "gesendet von",
	"atenciosamente", "cumprimentos", "abraços", "enviado do",
	"cordiali saluti", "distinti saluti", "saluti", "inviato da",
	"met vriendelijke groet", "groeten", "vriendelijke groet",
	"med vänliga hälsningar", "vänliga hälsningar", "mvh",
	"pozdrawiam", "z poważaniem",
	"с уважением", "с наилучшими",
	"よろしくお願いいたします", "よろしくお願いします", "以上、よろしく",
	"此致", "祝好", "谢谢！", "顺祝",
	"مع التحية", "مع أطيب",
}

// disclaimerCues mark legal boilerplate paragraphs, which are dropped.
var disclaimerCues = []string{
	"confidential", "intended recipient", "intended solely", "privileged", "disclaimer",
	"confidencial", "destinatario", "confidentiel", "destinataire", "vertraulich", "empfänger",
	"confidenziale", "destinatario", "vertrouwelijk", "konfidentiell", "poufn", "конфиденциал",
	"機密", "秘密", "保密", "机密", "سري",
}

// leadMin is how long (runes) the lead must be before the summary stops
// adding sentences. Lead-based extraction is the strong baseline for mail
// and news: the first informative sentence states the topic, and every
// further sentence mostly dilutes it. A very short lead ("Jeff is out.")
// gets the next sentence too. Chosen on the dev half of AESLC
// (docs/intelligence.md).
const leadMin = 40

// Summarize returns an extractive summary of at most maxChars runes: the
// lead of the new text (quotes, signature, disclaimers, greeting and
// boilerplate sentences removed), or of a forwarded message when the new
// text is empty, or the subject when neither has any.
func Summarize(subject, body string, maxChars int) string {
	return SummarizeLead(subject, body, maxChars, leadMin)
}

// SummarizeLead is Summarize with an explicit minimum lead length, for
// the evaluation that chooses leadMin.
func SummarizeLead(subject, body string, maxChars, minLead int) string {
	// The summary is lead-biased: the first informative sentences decide
	// it, so 4 KB of new text is plenty and keeps long mail cheap.
	body = capText(body, 4<<10)
	// Paragraphs are cleaned and split into sentences only as far as the
	// lead needs them: the loop below usually stops within the first
	// paragraph, and cleaning the rest was most of the summary's time.
	var b strings.Builder
	n := 0
	lead := func(p string) bool {
		for _, s := range splitSentences(p) {
			if b.Len() == 0 && isBoilerplateSentence(s) {
				continue
			}
			l := utf8.RuneCountInString(s)
			if b.Len() > 0 && (n >= minLead || n+1+l > maxChars) {
				return false
			}
			if b.Len() == 0 {
				s = stripFiller(s)
				l = utf8.RuneCountInString(s)
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
				n++
			}
			b.WriteString(s)
			n += l
		}
		return true
	}
	found := false
	cleanParagraphs(body, func(p string) bool {
		found = true
		return lead(p)
	})
	if !found {
		// Nothing of the new text survived cleaning: a mail that only
		// forwards something is summarised from the forwarded message.
		cleanParagraphs(forwardedPart(body), lead)
	}
	out := b.String()
	if out == "" {
		out = strings.TrimSpace(stripSubjectPrefix(subject))
	}
	return cutWords(out, maxChars)
}

// boilerplateLeads are sentence openings that carry no topic ("Please see
// attached.", "FYI."): skipped while looking for the lead. Lower-case,
// matched against the whole sentence without trailing punctuation.
var boilerplateLeads = []string{
	"fyi", "please see attached", "see attached", "see below", "please see below", "please read", "attached", "thanks", "thank you", "thanks!", "hi all", "hello all", "all", "team",
	"ver adjunto", "adjunto", "gracias", "ci-joint", "voir ci-dessous", "merci", "siehe anhang", "siehe unten", "anbei", "danke", "segue anexo", "em anexo", "obrigado", "obrigada", "in allegato", "vedi sotto", "grazie",
}

// fillerOpeners are discourse openings that announce rather than say
// ("I wanted to let you know that the meeting moved" says "the meeting
// moved"). Lower-case prefixes, removed from the lead sentence.
var fillerOpeners = []string{
	"i wanted to let you know that ", "i wanted to let you know ", "just wanted to let you know that ", "just wanted to let you know ", "i just wanted to let you know that ",
	"i wanted to ", "just a reminder that ", "just a reminder, ", "just a quick note to ", "this is to inform you that ", "this is a reminder that ", "please note that ", "please be advised that ", "as discussed, ", "as we discussed, ", "fyi, ", "fyi - ", "i hope you are well. ", "i hope this email finds you well. ",
	"le informamos que ", "quería informarle que ", "tenga en cuenta que ", "je vous informe que ", "veuillez noter que ", "ich wollte ihnen mitteilen, dass ", "bitte beachten sie, dass ", "gostaria de informar que ", "vorrei informarla che ", "si prega di notare che ",
}

// stripFiller removes one filler opener and capitalises what remains.
func stripFiller(s string) string {
	l := strings.ToLower(s)
	for _, f := range fillerOpeners {
		if strings.HasPrefix(l, f) && len(s) > len(f)+10 {
			rest := s[len(f):]
			r, size := utf8.DecodeRuneInString(rest)
			return string(unicode.ToUpper(r)) + rest[size:]
		}
	}
	return s
}

func isBoilerplateSentence(s string) bool {
	l := strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ".!:;,"))
	for _, b := range boilerplateLeads {
		if l == b {
			return true
		}
	}
	return false
}

// forwardedPart returns the message below the first forward/quote header,
// with its header block (From:, To:, Sent:, Subject:, ... lines) removed,
// for mails that only forward something.
func forwardedPart(body string) string {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	for i, raw := range lines {
		if !mayBeQuoteHeader(strings.TrimSpace(raw)) {
			continue
		}
		l := strings.ToLower(strings.TrimSpace(raw))
		if !isQuoteHeader(l) {
			continue
		}
		rest := lines[i+1:]
		for len(rest) > 0 {
			h := strings.ToLower(strings.TrimSpace(rest[0]))
			if h == "" || isHeaderLine(h) {
				rest = rest[1:]
				continue
			}
			break
		}
		var kept []string
		for _, r := range rest {
			kept = append(kept, strings.TrimPrefix(strings.TrimPrefix(r, ">"), " "))
		}
		return strings.Join(kept, "\n")
	}
	return ""
}

func isHeaderLine(l string) bool {
	for _, p := range []string{"from:", "to:", "cc:", "bcc:", "sent:", "date:", "subject:", "de :", "de:", "à :", "para:", "an:", "von:", "gesendet:", "betreff:", "envoyé :", "objet :", "asunto:", "enviado:", "assunto:", "oggetto:", "da:", "inviato:"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

func stripSubjectPrefix(s string) string {
	for {
		l := strings.ToLower(strings.TrimSpace(s))
		cut := false
		for _, p := range []string{"re:", "fw:", "fwd:", "aw:", "wg:", "tr:", "rv:", "sv:", "vs:", "回复:", "答复:", "转发:"} {
			if strings.HasPrefix(l, p) {
				s = strings.TrimSpace(s)[len(p):]
				cut = true
				break
			}
		}
		if !cut {
			return s
		}
	}
}

// cleanBody removes quoted history, the signature and everything after a
// sign-off, disclaimer paragraphs and a leading greeting line. Paragraphs
// are separated by a newline, their white space runs collapsed.
func cleanBody(body string) string {
	var paras []string
	cleanParagraphs(body, func(p string) bool {
		paras = append(paras, p)
		return true
	})
	return strings.Join(paras, "\n")
}

// cleanParagraphs calls yield with each paragraph of cleanBody's result in
// order, until yield returns false. A paragraph is a run of consecutive
// kept non-empty lines, so each is finished (and the lines after it never
// read) as soon as the next empty line or the end is seen.
func cleanParagraphs(body string, yield func(p string) bool) {
	var cur []string // kept lines of the paragraph being read
	stopped := false
	flush := func() {
		if len(cur) == 0 || stopped {
			cur = cur[:0]
			return
		}
		p := strings.TrimSpace(strings.Join(cur, "\n"))
		cur = cur[:0]
		if p == "" {
			return
		}
		// Disclaimers: legal boilerplate is dropped.
		if utf8.RuneCountInString(p) > 60 && containsAny(strings.ToLower(p), disclaimerCues) {
			return
		}
		if !yield(strings.Join(strings.Fields(p), " ")) {
			stopped = true
		}
	}
	first := true
	keptBytes := 0
	for raw := range strings.SplitSeq(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		if stopped {
			return
		}
		l := strings.TrimSpace(raw)
		// The summary is built from the lead, so stop at the first paragraph
		// boundary after 2 KB of kept text: the rest cannot change it, and
		// cleaning it was a fifth of the pipeline's time on real mail.
		if l == "" && keptBytes >= 2<<10 {
			break
		}
		if strings.HasPrefix(l, ">") {
			continue
		}
		// Lower-casing every line was a large share of the summary's
		// time; only lines that can be a quote header (they start with
		// '-' or end with a colon), a closing (at most 40 runes) or the
		// greeting (the first line) need the lower-cased form, and
		// lower-casing never changes those three properties.
		ll := ""
		short := utf8.RuneCountInString(l) <= 40
		if first || short || mayBeQuoteHeader(l) {
			ll = strings.ToLower(l)
		}
		if raw == "-- " || l == "--" || l == "__" || isQuoteHeader(ll) {
			break
		}
		if short && isClosing(ll) {
			break
		}
		if l == "" {
			flush()
			continue
		}
		if first {
			first = false
			if isGreeting(ll) {
				continue
			}
		}
		cur = append(cur, l)
		keptBytes += len(l)
	}
	flush()
}

// mayBeQuoteHeader reports whether isQuoteHeader(strings.ToLower(l)) can
// be true: every pattern starts with '-' or ends with a colon, and
// lower-casing changes neither, so other lines need no lower-casing.
func mayBeQuoteHeader(l string) bool {
	return strings.HasPrefix(l, "-") || strings.HasSuffix(l, ":") || strings.HasSuffix(l, "：")
}

// isQuoteHeader recognises "On <date>, X wrote:" and its translations, and
// forwarded/original-message separators.
func isQuoteHeader(l string) bool {
	if strings.HasPrefix(l, "-----original message") || strings.HasPrefix(l, "-----ursprüngliche") || strings.HasPrefix(l, "---------- forwarded") || (strings.HasPrefix(l, "-----") && strings.Contains(l, " forwarded by ")) || strings.HasPrefix(l, "-----mensaje original") || strings.HasPrefix(l, "-----message d'origine") {
		return true
	}
	for _, w := range []string{" wrote:", " escribió:", " a écrit :", " a écrit:", " schrieb:", " escreveu:", " ha scritto:", " schreef:", " skrev:", " napisał:", " написал:", "のメッセージ:", "写道："} {
		if strings.HasSuffix(l, w) {
			return true
		}
	}
	return false
}

func isGreeting(l string) bool {
	if utf8.RuneCountInString(l) > 60 {
		return false
	}
	for _, g := range greetings {
		if strings.HasPrefix(l, g) {
			rest := l[len(g):]
			r, _ := utf8.DecodeRuneInString(rest)
			if rest == "" || !unicode.IsLetter(r) || hasNoSpaceLetter(g) {
				// "Hi John," / "Hallo," / "Bonjour Marie" / "こんにちは" - but a
				// greeting word inside a sentence ("Hier ist ...") is not one.
				return strings.HasSuffix(l, ",") || strings.HasSuffix(l, "!") || strings.HasSuffix(l, ":") || strings.HasSuffix(l, "、") || strings.HasSuffix(l, "。") || len(strings.Fields(l)) <= 4
			}
		}
	}
	return false
}

func hasNoSpaceLetter(s string) bool {
	for _, r := range s {
		if r > 0x2E80 {
			return true
		}
	}
	return false
}

// splitSentences splits on . ! ? and their CJK forms followed by a space or
// the end, and on line breaks between paragraphs.
func splitSentences(text string) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		if utf8.ValidString(para) {
			out = splitParagraph(para, out)
			continue
		}
		// Invalid UTF-8: rune slicing turns each bad byte into U+FFFD,
		// which byte slicing would not; keep that behaviour.
		out = splitParagraphRunes(para, out)
	}
	return out
}

// splitParagraphRunes appends the sentences of one line to out, slicing by
// runes. It is the general form of splitParagraph, used for lines that are
// not valid UTF-8.
func splitParagraphRunes(para string, out []string) []string {
	start := 0
	rs := []rune(para)
	for i, r := range rs {
		end := false
		switch r {
		case '。', '！', '？':
			end = true
		case '.', '!', '?':
			end = i+1 == len(rs) || unicode.IsSpace(rs[i+1])
		}
		if end {
			if s := strings.TrimSpace(string(rs[start : i+1])); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(string(rs[start:])); s != "" {
		out = append(out, s)
	}
	return out
}

// splitParagraph appends the sentences of one valid UTF-8 line to out:
// splitSentences' rules on byte offsets, without converting to runes and
// back (sentences are substrings of para).
func splitParagraph(para string, out []string) []string {
	start := 0
	for i := 0; i < len(para); {
		r, size := rune(para[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(para[i:])
		}
		next := i + size
		end := false
		switch r {
		case '。', '！', '？':
			end = true
		case '.', '!', '?':
			if next == len(para) {
				end = true
			} else {
				nr, _ := utf8.DecodeRuneInString(para[next:])
				end = unicode.IsSpace(nr)
			}
		}
		if end {
			if s := strings.TrimSpace(para[start:next]); s != "" {
				out = append(out, s)
			}
			start = next
		}
		i = next
	}
	if s := strings.TrimSpace(para[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// cutWords returns s cut to at most max runes at a word boundary (or a rune
// boundary for text without spaces), with "…" when something was cut.
func cutWords(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	rs := []rune(s)
	cut := max - 1
	i := cut
	for i > cut/2 && !unicode.IsSpace(rs[i]) {
		i--
	}
	if i > cut/2 {
		cut = i
	}
	return strings.TrimRightFunc(string(rs[:cut]), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// isClosing: a short line that is, or starts, a sign-off ("Best regards,",
// "Mit freundlichen Grüßen", "Saludos, Ana"). "Thanks, that works" is
// content, so a closing must be the whole line or be followed by at most a
// name.
func isClosing(l string) bool {
	if utf8.RuneCountInString(l) > 40 {
		return false
	}
	bare := strings.TrimRight(l, " ,.!")
	for i, c := range closings {
		if bare == closingsBare[i] {
			return true
		}
		if strings.HasPrefix(l, c) && len(strings.Fields(l[len(c):])) <= 2 && !strings.HasPrefix(c, "thank") {
			return true
		}
	}
	return false
}

// closingsBare are the closings without trailing " ,.!", computed once
// (isClosing runs on every short line).
var closingsBare = func() []string {
	out := make([]string, len(closings))
	for i, c := range closings {
		out[i] = strings.TrimRight(c, " ,.!")
	}
	return out
}()

func containsAny(s string, ps []string) bool {
	for _, p := range ps {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
