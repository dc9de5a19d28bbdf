package stages

import (
	"context"
	"strings"
	"time"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/textmodel"
)

// priorityCues: urgency, deadlines and incidents in every supported
// language. Concepts appear in priority_reasons as "cue:<concept>".
var priorityCues = map[string][]string{
	"urgent":            {"urgent", "urgently", "asap", "as soon as possible", "immediately", "immediate attention", "critical", "emergency", "urgente", "urgencia", "inmediato", "inmediata", "inmediatamente", "crítico", "crítica", "lo antes posible", "urgence", "immédiatement", "immédiate", "critique", "dès que possible", "dringend", "eilig", "sofort", "umgehend", "kritisch", "notfall", "schnellstmöglich", "urgência", "imediato", "imediata", "imediatamente", "o mais rápido possível", "urgenza", "immediato", "immediata", "subito", "critico", "critica", "spoed", "dringend", "onmiddellijk", "brådskande", "omedelbart", "akut", "pilne", "pilny", "natychmiast", "krytyczny", "срочно", "срочный", "немедленно", "критично", "至急", "緊急", "大至急", "紧急", "急", "立即", "尽快", "عاجل", "فوري"},
	"deadline_today":    {"today", "by eod", "eod", "end of day", "end of the day", "tonight", "this morning", "this afternoon", "hoy", "esta tarde", "hoy mismo", "aujourd'hui", "ce soir", "avant ce soir", "heute", "heute noch", "bis heute", "hoje", "ainda hoje", "oggi", "entro oggi", "stasera", "vandaag", "idag", "i dag", "dzisiaj", "dziś", "сегодня", "今日", "本日", "今天", "今日中", "اليوم"},
	"deadline_tomorrow": {"tomorrow", "by tomorrow", "mañana", "para mañana", "demain", "d'ici demain", "morgen", "bis morgen", "amanhã", "domani", "entro domani", "morgen", "imorgon", "i morgon", "jutro", "завтра", "明日", "明天", "غدا"},
	"incident":          {"outage", "is down", "are down", "went down", "server down", "site down", "downtime", "incident", "breach", "security incident", "compromised", "hacked", "ransomware", "data loss", "service disruption", "production down", "caída", "interrupción", "incidente", "brecha", "panne", "interruption", "incident", "faille", "piraté", "ausfall", "störung", "sicherheitsvorfall", "datenleck", "gehackt", "queda", "interrupção", "violação", "invadido", "interruzione", "disservizio", "violazione", "storing", "uitval", "datalek", "avbrott", "intrång", "awaria", "włamanie", "сбой", "авария", "взлом", "утечка", "障害", "停止", "不正アクセス", "漏洩", "宕机", "中断", "故障", "泄露", "入侵", "انقطاع", "اختراق"},
	"blocker":           {"blocked", "blocking", "cannot work", "can't work", "bloqueado", "no podemos trabajar", "bloqué", "blockiert", "bloccato", "geblokkeerd", "blockerad", "zablokowan*", "заблокирован*", "ブロック", "阻塞"},
	"overdue":           {"overdue", "past due", "final notice", "vencida", "último aviso", "dernier rappel", "impayé", "mahnung", "letzte mahnung", "em atraso", "último aviso", "sollecito", "scaduta", "aanmaning", "påminnelse", "wezwanie do zapłaty", "просрочен*", "督促", "催款"},
	// impact: the problem reaches beyond one person or touches production,
	// money or data. Written from general support practice (severity is
	// scope x urgency), not from any evaluation data.
	"impact": {"all users", "all our users", "all customers", "our customers", "many users", "several users", "multiple users", "entire team", "whole team", "whole company", "production", "in production", "live site", "revenue", "data loss", "lost data", "security", "vulnerability", "affecting", "affects all", "business critical", "mission critical", "todos los usuarios", "nuestros clientes", "varios usuarios", "producción", "pérdida de datos", "seguridad", "vulnerabilidad", "afecta", "tous les utilisateurs", "nos clients", "plusieurs utilisateurs", "perte de données", "sécurité", "vulnérabilité", "affecte", "alle benutzer", "alle nutzer", "unsere kunden", "mehrere benutzer", "produktion", "produktiv*", "datenverlust", "sicherheit", "sicherheitslücke", "betrifft", "todos os usuários", "nossos clientes", "vários usuários", "produção", "perda de dados", "segurança", "vulnerabilidade", "afeta", "tutti gli utenti", "i nostri clienti", "produzione", "perdita di dati", "sicurezza", "vulnerabilità", "alle gebruikers", "onze klanten", "productie", "dataverlies", "beveiliging", "alla användare", "produktion", "dataförlust", "säkerhet", "wszyscy użytkownicy", "produkcja", "utrata danych", "bezpieczeństwo", "все пользователи", "наши клиенты", "продакшн", "потеря данных", "безопасность", "全ユーザー", "本番", "データ損失", "セキュリティ", "所有用户", "生产环境", "数据丢失", "安全", "جميع المستخدمين", "أمن"},
	// inquiry: asking for information, advice or a feature, with nothing
	// broken. Such requests can wait.
	"inquiry": {"would like to know", "would like information", "would like more information", "could you tell me", "can you tell me", "i was wondering", "wondering if", "question about", "a question", "quick question", "inquiry", "enquiry", "information about", "information on", "more information", "feature request", "suggestion", "is it possible", "do you offer", "do you support", "pricing", "quote for", "interested in", "me gustaría saber", "quisiera saber", "pregunta sobre", "consulta", "información sobre", "más información", "es posible", "sugerencia", "interesado en", "je voudrais savoir", "j'aimerais savoir", "question sur", "renseignement*", "informations sur", "plus d'informations", "est-il possible", "suggestion", "intéressé par", "ich möchte wissen", "frage zu", "eine frage", "anfrage zu", "informationen zu", "informationen über", "weitere informationen", "ist es möglich", "vorschlag", "interessiert an", "gostaria de saber", "pergunta sobre", "dúvida", "informações sobre", "mais informações", "é possível", "sugestão", "interessado em", "vorrei sapere", "domanda su", "informazioni su", "maggiori informazioni", "è possibile", "suggerimento", "interessato a", "ik wil graag weten", "vraag over", "informatie over", "ik undrar", "fråga om", "information om", "chciałbym wiedzieć", "pytanie o", "informacje o", "хотел бы узнать", "вопрос о", "информация о", "教えてください", "質問", "お問い合わせ", "想了解", "咨询", "请问", "استفسار"},
	"low":     {"no rush", "no hurry", "when you have time", "whenever you can", "fyi", "for your information", "sin prisa", "cuando puedas", "pas urgent", "quand vous aurez le temps", "keine eile", "nicht dringend", "sem pressa", "quando puder", "nessuna fretta", "geen haast", "ingen brådska", "bez pośpiechu", "не срочно", "急ぎません", "不急"},
}

var priorityMatcher = textmodel.NewCueSet(priorityCues)

// weekdays maps weekday names in the Latin-script languages to
// time.Weekday, for "by Friday" style deadlines relative to the Date header.
var weekdays = func() map[string]time.Weekday {
	m := map[string]time.Weekday{}
	names := [][]string{
		{"sunday", "domingo", "dimanche", "sonntag", "domenica", "zondag", "söndag", "niedziela"},
		{"monday", "lunes", "lundi", "montag", "segunda", "lunedì", "lunedi", "maandag", "måndag", "poniedziałek"},
		{"tuesday", "martes", "mardi", "dienstag", "terça", "martedì", "martedi", "dinsdag", "tisdag", "wtorek"},
		{"wednesday", "miércoles", "mercredi", "mittwoch", "quarta", "mercoledì", "mercoledi", "woensdag", "onsdag", "środa"},
		{"thursday", "jueves", "jeudi", "donnerstag", "quinta", "giovedì", "giovedi", "donderdag", "torsdag", "czwartek"},
		{"friday", "viernes", "vendredi", "freitag", "sexta", "venerdì", "venerdi", "vrijdag", "fredag", "piątek"},
		{"saturday", "sábado", "samedi", "samstag", "sabato", "zaterdag", "lördag", "sobota"},
	}
	for d, ns := range names {
		for _, n := range ns {
			m[n] = time.Weekday(d)
		}
	}
	return m
}()

func init() { register("priority", newPriority) }

type priorityStage struct {
	vipSenders map[string]bool
	vipDomains []string
}

func newPriority(cfg *Config) (Stage, error) {
	s := &priorityStage{vipSenders: map[string]bool{}}
	for _, a := range cfg.Priority.VIPSenders {
		s.vipSenders[strings.ToLower(strings.TrimSpace(a))] = true
	}
	for _, d := range cfg.Priority.VIPDomains {
		s.vipDomains = append(s.vipDomains, strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@")))
	}
	return s, nil
}

func (s *priorityStage) Name() string { return "priority" }

// PriorityLevel maps a 0-10 score to its level name.
func PriorityLevel(p int) string {
	switch {
	case p >= 9:
		return "critical"
	case p >= 7:
		return "high"
	case p >= 4:
		return "medium"
	}
	return "low"
}

// Process scores priority additively from a neutral 4, so every point is
// explained by one reason. Capitals alone never raise priority: shouting
// is not evidence.
func (s *priorityStage) Process(_ context.Context, e *email.Email) error {
	p, reasons := s.score(e)
	e.Priority, e.PriorityLevel, e.PriorityReasons = p, PriorityLevel(p), reasons
	return nil
}

func (s *priorityStage) score(e *email.Email) (int, []string) {
	var reasons []string
	p := 4
	bump := func(n int, r string) {
		p += n
		reasons = append(reasons, r)
	}
	t := analysisText(e)
	cs := priorityMatcher.Concepts(t)
	if cs["urgent"] {
		bump(3, "cue:urgent")
	}
	if cs["incident"] {
		bump(3, "cue:incident")
	}
	if cs["blocker"] {
		bump(1, "cue:blocker")
	}
	if cs["overdue"] {
		bump(1, "cue:overdue")
	}
	// A request for help with something broken is at least a normal
	// request; one whose scope reaches production, data, security or many
	// people is more (severity = scope x urgency).
	problem := categoryMatchers["support"].Concepts(t)["problem"] || cs["incident"] || cs["blocker"]
	if cs["impact"] && problem {
		bump(1, "cue:impact")
	}
	if cs["inquiry"] && !problem && !cs["urgent"] && !cs["overdue"] {
		bump(-2, "cue:inquiry")
	}
	switch {
	case cs["deadline_today"]:
		bump(2, "deadline:today")
	case cs["deadline_tomorrow"]:
		bump(1, "deadline:tomorrow")
	default:
		if d, ok := weekdayDeadline(t, e.Date); ok && d <= 1 {
			bump(1, "deadline:weekday_within_1d")
		}
	}
	if cs["low"] && !cs["urgent"] && !cs["incident"] {
		bump(-2, "cue:no_rush")
	}
	if s.isVIP(e.From) {
		bump(2, "sender:vip")
	}
	n := len(e.To)
	switch {
	case n > 0 && n <= 3 && len(e.Cc) <= 5:
		bump(1, "recipients:direct")
	case n > 10 || len(e.Cc) > 10:
		bump(-1, "recipients:many")
	}
	if e.ThreadDepth >= 3 {
		bump(1, "thread:active")
	}
	switch e.Category {
	case "spam":
		return 0, append(reasons, "category:spam")
	case "phishing":
		// Low priority to act on, but never hidden: 1 keeps it visible.
		return 1, append(reasons, "category:phishing")
	case "newsletter":
		bump(-3, "category:newsletter")
	case "notification":
		if !cs["incident"] && !cs["urgent"] {
			bump(-2, "category:notification")
		}
	case "personal":
		bump(-1, "category:personal")
	}
	if (e.Flags.IsBulk || e.Flags.IsAutoReply) && e.Category != "newsletter" && e.Category != "notification" {
		bump(-2, "flag:bulk_or_auto")
	}
	// An auto-reply (out of office, vacation) never needs action, whatever
	// urgent words it carries from the message it answers.
	if e.Flags.IsAutoReply && p > 2 {
		p = 2
		reasons = append(reasons, "flag:auto_reply")
	}
	return clamp(p, 0, 10), reasons
}

func (s *priorityStage) isVIP(a email.Address) bool {
	if a.Address == "" {
		return false
	}
	if s.vipSenders[a.Address] {
		return true
	}
	d := a.Domain()
	for _, v := range s.vipDomains {
		if d == v || strings.HasSuffix(d, "."+v) {
			return true
		}
	}
	return false
}

// weekdayDeadline finds "by Friday"-style mentions and returns days from
// the email's Date to the nearest mentioned weekday (0 = same day).
func weekdayDeadline(t textmodel.Text, date time.Time) (int, bool) {
	if date.IsZero() {
		return 0, false
	}
	best, ok := 8, false
	for _, w := range t.Words() {
		wd, found := weekdays[w]
		if !found {
			continue
		}
		d := (int(wd) - int(date.Weekday()) + 7) % 7
		if d < best {
			best, ok = d, true
		}
	}
	return best, ok
}

func clamp(x, lo, hi int) int { return max(lo, min(hi, x)) }
