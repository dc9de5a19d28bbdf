package corpus

import (
	"strings"
	"testing"

	"github.com/triage-dev/triage/mailparse"
)

func TestAllParse(t *testing.T) {
	all := All()
	if len(all) < 32 {
		t.Fatalf("corpus has %d samples, want at least 32", len(all))
	}
	seen := map[string]bool{}
	for i, s := range all {
		if seen[s.Name] {
			t.Errorf("duplicate sample name %s", s.Name)
		}
		seen[s.Name] = true
		if i > 0 && all[i-1].Name >= s.Name {
			t.Errorf("samples not sorted: %s before %s", all[i-1].Name, s.Name)
		}
		m, err := mailparse.Parse(s.Raw, mailparse.Options{})
		if err != nil {
			t.Errorf("%s: parse: %v", s.Name, err)
			continue
		}
		if strings.TrimSpace(m.Body) == "" {
			t.Errorf("%s: empty body", s.Name)
		}
		if m.From.Address == "" {
			t.Errorf("%s: no From address", s.Name)
		}
	}
}

// TestSampleShapes pins what each special sample is there to exercise, so
// an edit to a file cannot silently remove the case it covers.
func TestSampleShapes(t *testing.T) {
	tests := []struct {
		name  string
		check func(m *mailparse.Message) bool
		want  string
	}{
		{"03-en-phishing-link-mismatch.eml", func(m *mailparse.Message) bool {
			return len(m.Links) == 1 && strings.Contains(m.Links[0].Text, "paypal.com") &&
				!strings.Contains(m.Links[0].Href, "paypal.com") && len(m.ReplyTo) == 1 && m.ReplyTo[0].Domain() != m.From.Domain()
		}, "link text/href mismatch and Reply-To on another domain"},
		{"04-en-newsletter.eml", func(m *mailparse.Message) bool { return m.Flags.IsBulk && m.Flags.HasHTML }, "bulk with HTML"},
		{"05-en-meeting-invite.eml", func(m *mailparse.Message) bool { return m.Flags.HasCalendar }, "calendar part"},
		{"02-en-invoice-pdf.eml", func(m *mailparse.Message) bool {
			return m.Flags.HasAttachments && m.Attachments[0].ContentType == "application/pdf" && m.Attachments[0].Size > 0
		}, "PDF attachment"},
		{"06-en-reply-chain.eml", func(m *mailparse.Message) bool {
			return m.Flags.IsReply && m.ThreadDepth == 2 && !strings.Contains(m.NewText, "wrote:") && !strings.Contains(m.NewText, "Senior Engineer")
		}, "reply with quotes and signature removed from new text"},
		{"08-en-out-of-office.eml", func(m *mailparse.Message) bool { return m.Flags.IsAutoReply }, "auto-reply"},
		{"20-de-abwesenheitsnotiz.eml", func(m *mailparse.Message) bool { return m.Flags.IsAutoReply }, "auto-reply"},
		{"09-en-notification-noreply.eml", func(m *mailparse.Message) bool {
			return !m.Flags.IsAutoReply && strings.Contains(m.Body, "password was changed")
		}, "base64 notification, not an auto-reply"},
		{"21-de-rechnung-outlook.eml", func(m *mailparse.Message) bool {
			return strings.Contains(m.Body, "überwiesen") && !strings.Contains(m.NewText, "Gesendet")
		}, "ISO-8859-15 with Outlook quote block"},
		{"27-ru-koi8r.eml", func(m *mailparse.Message) bool {
			return strings.Contains(m.Subject, "Срочно") && strings.Contains(m.Body, "VPN")
		}, "KOI8-R"},
		{"28-ja-iso2022jp-meeting.eml", func(m *mailparse.Message) bool { return strings.Contains(m.Body, "打ち合わせ") }, "ISO-2022-JP"},
		{"29-zh-gb2312-invoice.eml", func(m *mailparse.Message) bool {
			return strings.Contains(m.Subject, "发票") && strings.Contains(m.Body, "发票")
		}, "GB2312"},
		{"33-ja-shiftjis-order.eml", func(m *mailparse.Message) bool { return strings.Contains(m.Body, "注文") }, "Shift_JIS"},
		{"14-es-factura-win1252.eml", func(m *mailparse.Message) bool { return strings.Contains(m.Body, "1.240,50 €") }, "Windows-1252 euro sign"},
		{"31-en-related-inline-image.eml", func(m *mailparse.Message) bool {
			return len(m.Attachments) == 1 && m.Attachments[0].Inline && !m.Flags.HasAttachments
		}, "inline image in multipart/related"},
		{"32-en-malformed-boundary.eml", func(m *mailparse.Message) bool {
			return strings.Contains(m.Body, "Nightly backup") && len(m.Warnings) > 0
		}, "broken boundary recovered with a warning"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := Get(tt.name)
			if !ok {
				t.Fatalf("sample missing")
			}
			m, err := mailparse.Parse(s.Raw, mailparse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(m) {
				t.Errorf("want %s; got flags %+v warnings %v", tt.want, m.Flags, m.Warnings)
			}
		})
	}
}

func TestDuplicateSharesMessageID(t *testing.T) {
	a, _ := Get("01-en-outage-urgent.eml")
	b, _ := Get("12-en-duplicate-resend.eml")
	ma, err1 := mailparse.Parse(a.Raw, mailparse.Options{})
	mb, err2 := mailparse.Parse(b.Raw, mailparse.Options{})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if ma.MessageID == "" || ma.MessageID != mb.MessageID {
		t.Errorf("resent sample must share the Message-ID of the original")
	}
}
