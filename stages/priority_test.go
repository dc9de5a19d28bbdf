package stages

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/triage-dev/triage/email"
)

func TestPriority(t *testing.T) {
	st, err := newPriority(&Config{Priority: PriorityOptions{VIPSenders: []string{"ceo@corp.example.com"}, VIPDomains: []string{"bigclient.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		e        *email.Email
		level    string
		reason   string // a reason that must be present ("" = none required)
		notAbove int
	}{
		{"en outage urgent", sample("en", "URGENT: production down", "The production server is down, customers cannot log in. Please fix immediately.", nil), "critical", "cue:incident", 10},
		{"de deadline morgen", sample("de", "Vertrag", "Bitte schicken Sie den Vertrag bis morgen.", nil), "medium", "deadline:tomorrow", 10},
		{"fr today", sample("fr", "Rapport", "Pouvez-vous m'envoyer le rapport aujourd'hui ?", nil), "high", "deadline:today", 10},
		{"es mañana urgente", sample("es", "Urgente", "Necesito la factura para mañana, es urgente.", nil), "critical", "cue:urgent", 10},
		{"ja 至急", sample("ja", "至急", "至急ご確認ください。本日中に対応が必要です。", nil), "critical", "cue:urgent", 10},
		{"zh 紧急", sample("zh", "紧急", "服务器宕机，请立即处理。", nil), "critical", "cue:incident", 10},
		{"ru срочно", sample("ru", "Срочно", "Срочно нужен отчёт сегодня.", nil), "critical", "cue:urgent", 10},
		{"pt hoje", sample("pt", "Relatório", "Preciso do relatório hoje.", nil), "high", "deadline:today", 10},
		{"it oggi", sample("it", "Relazione", "Mi serve la relazione entro oggi.", nil), "high", "deadline:today", 10},
		{"weekday relative to Date", sample("en", "Slides", "Can you send the slides by Tuesday?", nil), "medium", "deadline:weekday_within_1d", 10},
		{"vip sender", sample("en", "Question", "Do you have a minute?", func(e *email.Email) { e.From = email.Address{Address: "ceo@corp.example.com"} }), "high", "sender:vip", 10},
		{"vip domain", sample("en", "Question", "Do you have a minute?", func(e *email.Email) { e.From = email.Address{Address: "x@eu.bigclient.example"} }), "high", "sender:vip", 10},
		{"all caps alone is not urgent", sample("en", "PLEASE READ THIS", "HELLO TEAM, THE LUNCH MENU IS ATTACHED.", nil), "medium", "", 5},
		{"newsletter low", sample("en", "Weekly digest", "Top stories this week.", func(e *email.Email) { e.Category = "newsletter"; e.Flags.IsBulk = true }), "low", "category:newsletter", 3},
		{"spam zero", sample("en", "Win", "Free money today!", func(e *email.Email) { e.Category = "spam" }), "low", "category:spam", 0},
		{"no rush", sample("en", "Idea", "No rush, have a look when you have time.", nil), "low", "cue:no_rush", 3},
		{"en inquiry waits", sample("en", "Pricing", "I would like to know whether you offer a discount for schools.", nil), "low", "cue:inquiry", 3},
		{"auto-reply quoting urgency stays low", sample("en", "Automatic reply: URGENT outage", "I am out of the office until Monday. For urgent production issues call the on-call desk.", func(e *email.Email) { e.Flags.IsAutoReply = true }), "low", "flag:auto_reply", 2},
		{"de inquiry waits", sample("de", "Frage zu Lizenzen", "Ich möchte wissen, ob es eine Jahreslizenz gibt.", nil), "low", "cue:inquiry", 3},
		{"question about broken thing is not an inquiry", sample("en", "Question about export", "I was wondering why the export does not work since yesterday.", nil), "medium", "", 6},
		{"es broken production with impact", sample("es", "Error en producción", "El pago no funciona en producción y afecta a todos los usuarios. Es urgente.", nil), "critical", "cue:impact", 10},
		{"many recipients", sample("en", "All hands", "Agenda attached.", func(e *email.Email) {
			for i := 0; i < 12; i++ {
				e.To = append(e.To, email.Address{Address: "x@corp.example.com"})
			}
		}), "low", "recipients:many", 3},
	}
	var out strings.Builder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := st.Process(context.Background(), tc.e); err != nil {
				t.Fatal(err)
			}
			if tc.e.PriorityLevel != tc.level {
				t.Errorf("level = %s (%d, %v), want %s", tc.e.PriorityLevel, tc.e.Priority, tc.e.PriorityReasons, tc.level)
			}
			if tc.reason != "" && !contains(tc.e.PriorityReasons, tc.reason) {
				t.Errorf("reasons %v lack %s", tc.e.PriorityReasons, tc.reason)
			}
			if tc.e.Priority > tc.notAbove || tc.e.Priority < 0 || tc.e.Priority > 10 {
				t.Errorf("priority %d out of range (max %d)", tc.e.Priority, tc.notAbove)
			}
			if PriorityLevel(tc.e.Priority) != tc.e.PriorityLevel {
				t.Errorf("level %s does not match score %d", tc.e.PriorityLevel, tc.e.Priority)
			}
		})
		b, _ := json.Marshal(map[string]any{"case": tc.name, "priority": tc.e.Priority, "level": tc.e.PriorityLevel, "reasons": tc.e.PriorityReasons})
		out.Write(b)
		out.WriteByte('\n')
	}
	golden(t, "priority/cases.golden", []byte(out.String()))
}

func TestPriorityLevel(t *testing.T) {
	for p, want := range map[int]string{0: "low", 3: "low", 4: "medium", 6: "medium", 7: "high", 8: "high", 9: "critical", 10: "critical"} {
		if got := PriorityLevel(p); got != want {
			t.Errorf("PriorityLevel(%d) = %s, want %s", p, got, want)
		}
	}
}

func BenchmarkPriority(b *testing.B) {
	st, _ := newPriority(&Config{})
	e := sample("en", "Quarterly report review", strings.Repeat("Could you please review the quarterly report before Thursday's meeting? ", 20), nil)
	b.ReportAllocs()
	for b.Loop() {
		st.Process(context.Background(), e)
	}
}
