package stages

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/textmodel"
)

// Reply intents. "none" means no suggested response.
const (
	intentMeeting   = "meeting"
	intentSupport   = "support"
	intentBilling   = "billing"
	intentComplaint = "complaint"
	intentUrgent    = "urgent"
	intentThanks    = "thanks"
	intentGeneral   = "general"
)

var intents = []string{intentMeeting, intentSupport, intentBilling, intentComplaint, intentUrgent, intentThanks, intentGeneral}

// replyBodies holds, for each language with built-in templates (others
// fall back to English), the body sentence of each built-in template. They are
// deliberately generic: a reply never quotes the sender, their name or any
// text of the email, so it cannot carry personal data.
var replyBodies = map[string]map[string]string{
	"en": {
		intentMeeting:   "Thank you for the invitation. I will check my calendar and confirm, or propose another time if it does not suit.",
		intentSupport:   "Thank you for reporting this. We are looking into it; could you send us any error messages, the steps to reproduce and when it started?",
		intentBilling:   "Thank you for your message about the invoice. We are checking the details and will come back to you shortly.",
		intentComplaint: "I am sorry for the trouble this has caused. We take your feedback seriously and will look into it and get back to you.",
		intentUrgent:    "I have received your message and am treating it as urgent. I will get back to you as soon as possible.",
		intentThanks:    "Thank you, much appreciated.",
		intentGeneral:   "Thank you for your message. I will get back to you soon.",
	},
	"es": {
		intentMeeting:   "Gracias por la invitación. Revisaré mi agenda y le confirmaré, o le propondré otro horario si no me viene bien.",
		intentSupport:   "Gracias por informarnos. Lo estamos revisando; ¿podría enviarnos los mensajes de error, los pasos para reproducirlo y desde cuándo ocurre?",
		intentBilling:   "Gracias por su mensaje sobre la factura. Estamos revisando los detalles y le responderemos en breve.",
		intentComplaint: "Lamento las molestias ocasionadas. Tomamos en serio sus comentarios, lo revisaremos y le responderemos.",
		intentUrgent:    "He recibido su mensaje y lo trato como urgente. Le responderé lo antes posible.",
		intentThanks:    "Muchas gracias, se lo agradezco.",
		intentGeneral:   "Gracias por su mensaje. Le responderé pronto.",
	},
	"fr": {
		intentMeeting:   "Merci pour l'invitation. Je vérifie mon agenda et vous confirme, ou vous propose un autre créneau si besoin.",
		intentSupport:   "Merci de nous avoir signalé ce problème. Nous l'examinons ; pourriez-vous nous envoyer les messages d'erreur, les étapes pour le reproduire et depuis quand il se produit ?",
		intentBilling:   "Merci pour votre message concernant la facture. Nous vérifions les détails et revenons vers vous rapidement.",
		intentComplaint: "Je suis désolé(e) pour le désagrément. Nous prenons votre retour au sérieux, nous allons l'examiner et revenir vers vous.",
		intentUrgent:    "J'ai bien reçu votre message et je le traite en priorité. Je reviens vers vous dès que possible.",
		intentThanks:    "Merci beaucoup, c'est très apprécié.",
		intentGeneral:   "Merci pour votre message. Je reviens vers vous rapidement.",
	},
	"de": {
		intentMeeting:   "Vielen Dank für die Einladung. Ich prüfe meinen Kalender und bestätige den Termin oder schlage eine andere Zeit vor.",
		intentSupport:   "Vielen Dank für Ihre Meldung. Wir sehen uns das an; könnten Sie uns Fehlermeldungen, die Schritte zur Reproduktion und den Zeitpunkt des ersten Auftretens schicken?",
		intentBilling:   "Vielen Dank für Ihre Nachricht zur Rechnung. Wir prüfen die Details und melden uns in Kürze.",
		intentComplaint: "Es tut mir leid, dass es zu diesen Unannehmlichkeiten gekommen ist. Wir nehmen Ihr Feedback ernst, prüfen die Sache und melden uns bei Ihnen.",
		intentUrgent:    "Ich habe Ihre Nachricht erhalten und behandle sie dringend. Ich melde mich so schnell wie möglich.",
		intentThanks:    "Vielen Dank, das weiß ich sehr zu schätzen.",
		intentGeneral:   "Vielen Dank für Ihre Nachricht. Ich melde mich in Kürze.",
	},
	"pt": {
		intentMeeting:   "Obrigado pelo convite. Vou verificar a minha agenda e confirmar, ou propor outro horário se não for possível.",
		intentSupport:   "Obrigado por nos informar. Estamos analisando; poderia enviar as mensagens de erro, os passos para reproduzir e desde quando ocorre?",
		intentBilling:   "Obrigado pela sua mensagem sobre a fatura. Estamos verificando os detalhes e retornaremos em breve.",
		intentComplaint: "Lamento pelo transtorno causado. Levamos o seu feedback a sério, vamos analisar e retornaremos.",
		intentUrgent:    "Recebi a sua mensagem e estou tratando como urgente. Retornarei o mais rápido possível.",
		intentThanks:    "Muito obrigado, agradeço muito.",
		intentGeneral:   "Obrigado pela sua mensagem. Retornarei em breve.",
	},
	"it": {
		intentMeeting:   "Grazie per l'invito. Controllo il calendario e confermo, oppure propongo un altro orario se non fosse possibile.",
		intentSupport:   "Grazie per la segnalazione. Stiamo verificando; potrebbe inviarci eventuali messaggi di errore, i passaggi per riprodurre il problema e da quando si verifica?",
		intentBilling:   "Grazie per il messaggio relativo alla fattura. Stiamo verificando i dettagli e le risponderemo a breve.",
		intentComplaint: "Mi scuso per il disagio. Prendiamo sul serio il suo riscontro, verificheremo e le risponderemo.",
		intentUrgent:    "Ho ricevuto il suo messaggio e lo tratto come urgente. Le risponderò il prima possibile.",
		intentThanks:    "Grazie mille, lo apprezzo molto.",
		intentGeneral:   "Grazie per il messaggio. Le risponderò presto.",
	},
	"ja": {
		intentMeeting:   "ご招待ありがとうございます。予定を確認のうえ、ご連絡いたします。ご都合が合わない場合は別の日時をご提案します。",
		intentSupport:   "ご連絡ありがとうございます。現在確認しております。エラーメッセージ、再現手順、発生時期をお知らせいただけますか。",
		intentBilling:   "請求書に関するご連絡ありがとうございます。詳細を確認のうえ、追ってご連絡いたします。",
		intentComplaint: "ご不便をおかけし申し訳ございません。いただいたご意見を真摯に受け止め、確認のうえご連絡いたします。",
		intentUrgent:    "メッセージを拝受しました。至急対応いたします。できるだけ早くご連絡いたします。",
		intentThanks:    "ありがとうございます。大変助かります。",
		intentGeneral:   "ご連絡ありがとうございます。追ってご返信いたします。",
	},
	"nl": {
		intentMeeting:   "Bedankt voor de uitnodiging. Ik kijk in mijn agenda en bevestig, of stel een ander tijdstip voor als het niet uitkomt.",
		intentSupport:   "Bedankt voor uw melding. We zoeken het uit; kunt u ons eventuele foutmeldingen, de stappen om het te reproduceren en het moment waarop het begon sturen?",
		intentBilling:   "Bedankt voor uw bericht over de factuur. We controleren de gegevens en komen er snel bij u op terug.",
		intentComplaint: "Het spijt me voor het ongemak. We nemen uw feedback serieus, zoeken het uit en laten het u weten.",
		intentUrgent:    "Ik heb uw bericht ontvangen en behandel het met spoed. Ik kom zo snel mogelijk bij u terug.",
		intentThanks:    "Hartelijk dank, zeer gewaardeerd.",
		intentGeneral:   "Bedankt voor uw bericht. Ik kom er snel bij u op terug.",
	},
	"sv": {
		intentMeeting:   "Tack för inbjudan. Jag kontrollerar min kalender och bekräftar, eller föreslår en annan tid om det inte passar.",
		intentSupport:   "Tack för att du hörde av dig. Vi undersöker saken; kan du skicka eventuella felmeddelanden, stegen för att återskapa problemet och när det började?",
		intentBilling:   "Tack för ditt meddelande om fakturan. Vi kontrollerar uppgifterna och återkommer inom kort.",
		intentComplaint: "Jag beklagar besväret. Vi tar din återkoppling på allvar, undersöker saken och återkommer till dig.",
		intentUrgent:    "Jag har tagit emot ditt meddelande och behandlar det som brådskande. Jag återkommer så snart som möjligt.",
		intentThanks:    "Tack så mycket, det uppskattas.",
		intentGeneral:   "Tack för ditt meddelande. Jag återkommer snart.",
	},
	"pl": {
		intentMeeting:   "Dziękuję za zaproszenie. Sprawdzę kalendarz i potwierdzę lub zaproponuję inny termin, jeśli ten mi nie odpowiada.",
		intentSupport:   "Dziękujemy za zgłoszenie. Sprawdzamy to; czy mogą Państwo przesłać komunikaty o błędach, kroki prowadzące do problemu i informację, od kiedy występuje?",
		intentBilling:   "Dziękujemy za wiadomość w sprawie faktury. Sprawdzamy szczegóły i wkrótce się odezwiemy.",
		intentComplaint: "Przepraszam za kłopot. Traktujemy Państwa uwagi poważnie, sprawdzimy sprawę i odpowiemy.",
		intentUrgent:    "Otrzymałem wiadomość i traktuję ją jako pilną. Odpowiem najszybciej, jak to możliwe.",
		intentThanks:    "Bardzo dziękuję.",
		intentGeneral:   "Dziękuję za wiadomość. Wkrótce odpowiem.",
	},
	"ru": {
		intentMeeting:   "Спасибо за приглашение. Я проверю календарь и подтвержу участие или предложу другое время, если это неудобно.",
		intentSupport:   "Спасибо за обращение. Мы разбираемся; не могли бы вы прислать сообщения об ошибках, шаги для воспроизведения и время, когда проблема началась?",
		intentBilling:   "Спасибо за сообщение о счёте. Мы проверяем детали и скоро ответим.",
		intentComplaint: "Приносим извинения за неудобства. Мы серьёзно относимся к вашему отзыву, разберёмся и ответим вам.",
		intentUrgent:    "Я получил ваше сообщение и рассматриваю его как срочное. Отвечу как можно скорее.",
		intentThanks:    "Большое спасибо!",
		intentGeneral:   "Спасибо за ваше сообщение. Я скоро отвечу.",
	},
	"ar": {
		intentMeeting:   "شكرًا على الدعوة. سأراجع جدولي وأؤكد الموعد، أو أقترح وقتًا آخر إذا لم يكن مناسبًا.",
		intentSupport:   "شكرًا على إبلاغنا. نحن نتحقق من الأمر؛ هل يمكنك إرسال رسائل الخطأ وخطوات إعادة المشكلة ووقت بدايتها؟",
		intentBilling:   "شكرًا على رسالتك بخصوص الفاتورة. نحن نراجع التفاصيل وسنعود إليك قريبًا.",
		intentComplaint: "نعتذر عن الإزعاج. نأخذ ملاحظاتك بجدية، وسنتحقق من الأمر ونعود إليك.",
		intentUrgent:    "تلقيت رسالتك وأتعامل معها على أنها عاجلة. سأعود إليك في أقرب وقت ممكن.",
		intentThanks:    "شكرًا جزيلًا.",
		intentGeneral:   "شكرًا على رسالتك. سأعود إليك قريبًا.",
	},
	"zh": {
		intentMeeting:   "感谢您的邀请。我会查看日程后确认，如时间不便会另行提议。",
		intentSupport:   "感谢您的反馈。我们正在处理；能否提供错误信息、复现步骤以及问题开始的时间？",
		intentBilling:   "感谢您关于发票的来信。我们正在核实细节，会尽快回复您。",
		intentComplaint: "对给您带来的不便深表歉意。我们非常重视您的反馈，会尽快核查并回复您。",
		intentUrgent:    "已收到您的消息，我会作为紧急事项处理，并尽快回复您。",
		intentThanks:    "非常感谢！",
		intentGeneral:   "感谢您的来信，我会尽快回复。",
	},
}

// Greeting and closing per language and tone. No names: the sender's name
// is personal data.
var replyFrame = map[string]map[string][2]string{
	"en": {"neutral": {"Hello,", "Best regards,"}, "formal": {"Dear Sir or Madam,", "Yours sincerely,"}, "friendly": {"Hi,", "Cheers,"}},
	"es": {"neutral": {"Hola:", "Saludos,"}, "formal": {"Estimado/a:", "Atentamente,"}, "friendly": {"¡Hola!", "Un abrazo,"}},
	"fr": {"neutral": {"Bonjour,", "Cordialement,"}, "formal": {"Madame, Monsieur,", "Veuillez agréer mes salutations distinguées,"}, "friendly": {"Salut,", "À bientôt,"}},
	"de": {"neutral": {"Hallo,", "Viele Grüße"}, "formal": {"Sehr geehrte Damen und Herren,", "Mit freundlichen Grüßen"}, "friendly": {"Hallo!", "Liebe Grüße"}},
	"pt": {"neutral": {"Olá,", "Cumprimentos,"}, "formal": {"Prezado(a),", "Atenciosamente,"}, "friendly": {"Oi!", "Abraços,"}},
	"it": {"neutral": {"Buongiorno,", "Cordiali saluti,"}, "formal": {"Gentile Cliente,", "Distinti saluti,"}, "friendly": {"Ciao!", "A presto,"}},
	"ja": {"neutral": {"お世話になっております。", "よろしくお願いいたします。"}, "formal": {"いつも大変お世話になっております。", "何卒よろしくお願い申し上げます。"}, "friendly": {"こんにちは。", "よろしくね。"}},
	"nl": {"neutral": {"Hallo,", "Met vriendelijke groet,"}, "formal": {"Geachte heer, mevrouw,", "Hoogachtend,"}, "friendly": {"Hoi!", "Groetjes,"}},
	"sv": {"neutral": {"Hej,", "Vänliga hälsningar,"}, "formal": {"Bästa mottagare,", "Med vänlig hälsning,"}, "friendly": {"Hej!", "Ha det bra,"}},
	"pl": {"neutral": {"Dzień dobry,", "Pozdrawiam,"}, "formal": {"Szanowni Państwo,", "Z poważaniem,"}, "friendly": {"Cześć!", "Pozdrawiam serdecznie,"}},
	"ru": {"neutral": {"Здравствуйте!", "С уважением,"}, "formal": {"Уважаемые коллеги!", "С уважением,"}, "friendly": {"Привет!", "Всего доброго,"}},
	"ar": {"neutral": {"مرحبًا،", "مع أطيب التحيات،"}, "formal": {"السادة المحترمون،", "وتفضلوا بقبول فائق الاحترام،"}, "friendly": {"أهلًا!", "تحياتي،"}},
	"zh": {"neutral": {"您好，", "祝好"}, "formal": {"尊敬的客户：", "此致敬礼"}, "friendly": {"你好！", "祝好！"}},
}

const defaultTemplate = "{{.Greeting}}\n\n{{.Body}}\n\n{{.Closing}}{{if .Signature}}\n{{.Signature}}{{end}}"

// ReplyData is what a response template sees. None of it comes from the
// email's text.
type ReplyData struct {
	Greeting, Body, Closing, Signature string
	Lang, Intent, Tone, Category       string
}

func init() { register("respond", newRespond) }

type respondStage struct {
	tone, signature string
	tmpl            map[string]*template.Template // "<lang>/<intent>" overrides
	def             *template.Template
}

func newRespond(cfg *Config) (Stage, error) {
	o := cfg.Respond
	if _, ok := replyFrame["en"][o.Tone]; !ok {
		return nil, fmt.Errorf("respond: unknown tone %q (want neutral, formal or friendly)", o.Tone)
	}
	s := &respondStage{tone: o.Tone, signature: o.Signature, tmpl: map[string]*template.Template{}}
	s.def = template.Must(template.New("default").Parse(defaultTemplate))
	if o.TemplatesDir != "" {
		if err := s.loadTemplates(o.TemplatesDir); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// loadTemplates reads <dir>/<lang>/<intent>.tmpl files. Unknown names and
// parse errors fail construction, all reported at once.
func (s *respondStage) loadTemplates(dir string) error {
	var errs []error
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".tmpl") {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 2 {
			errs = append(errs, fmt.Errorf("respond: template %s: want <lang>/<intent>.tmpl", rel))
			return nil
		}
		intent := strings.TrimSuffix(parts[1], ".tmpl")
		if !contains(intents, intent) {
			errs = append(errs, fmt.Errorf("respond: template %s: unknown intent %q", rel, intent))
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("respond: read template %s: %w", rel, err))
			return nil
		}
		t, err := template.New(rel).Option("missingkey=error").Parse(string(b))
		if err != nil {
			errs = append(errs, fmt.Errorf("respond: parse template %s: %w", rel, err))
			return nil
		}
		s.tmpl[parts[0]+"/"+intent] = t
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("respond: read templates dir: %w", err))
	}
	return errors.Join(errs...)
}

func (s *respondStage) Name() string { return "respond" }

// Process suggests a reply.
//
// Privacy rule: the decision reads only the redacted subject and body, and
// the reply itself is made of template text, never of the email's text.
// When the PII stage has not run (!e.Redacted) no reply is produced.
func (s *respondStage) Process(_ context.Context, e *email.Email) error {
	e.SuggestedResponse = ""
	if !e.Redacted {
		return nil
	}
	intent := replyIntent(e)
	if intent == "" {
		return nil
	}
	lang := e.Language
	if _, ok := replyBodies[lang]; !ok {
		lang = "en"
	}
	frame := replyFrame[lang][s.tone]
	data := ReplyData{Greeting: frame[0], Body: replyBodies[lang][intent], Closing: frame[1], Signature: s.signature,
		Lang: lang, Intent: intent, Tone: s.tone, Category: e.Category}
	t := s.tmpl[lang+"/"+intent]
	if t == nil {
		t = s.def
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		// A broken override template is a config problem, not the email's;
		// produce no reply and flag it rather than fail the email.
		e.Warn("respond_template_error")
		return nil
	}
	e.SuggestedResponse = strings.TrimSpace(b.String())
	return nil
}

// replyIntent picks the reply intent, or "" for no reply: spam, phishing,
// newsletters, notifications, auto-replies and bulk mail get none.
func replyIntent(e *email.Email) string {
	switch e.Category {
	case "spam", "phishing", "newsletter", "notification":
		return ""
	}
	if e.Flags.IsAutoReply || e.Flags.IsBulk {
		return ""
	}
	if v := strings.ToLower(e.Header("Auto-Submitted")); v != "" && v != "no" {
		return ""
	}
	t := textmodel.Normalize(e.RedactedSubject + "\n" + capText(e.RedactedBody, analysisBytes))
	sig := signalMatcher.Concepts(t)
	pri := priorityMatcher.Concepts(t)
	switch {
	case sig["complaint"]:
		return intentComplaint
	case pri["urgent"] || pri["incident"] || e.PriorityLevel == "critical":
		return intentUrgent
	}
	switch e.Category {
	case "meeting":
		return intentMeeting
	case "support":
		return intentSupport
	case "billing":
		return intentBilling
	}
	if sig["thanks"] && len(t.Words()) <= 25 {
		return intentThanks
	}
	return intentGeneral
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
