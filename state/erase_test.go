package state

import (
	"context"
	"testing"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/stages"
)

// TestParticipantHashMatchesParse: `triage erase` finds a subject only if
// ParticipantHash computes exactly what the parse stage indexes.
func TestParticipantHashMatchesParse(t *testing.T) {
	secret := []byte("erase-test-secret")
	var disabled []string
	for _, n := range stages.Order {
		if n != "parse" {
			disabled = append(disabled, n)
		}
	}
	built, err := stages.Build(&stages.Config{Secret: secret, Disabled: disabled})
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: Alice Example <Alice@Example.COM>\r\nTo: bob@example.de\r\nCc: Carol <carol@example.fr>\r\n" +
		"Subject: hi\r\nMessage-ID: <m1@example.com>\r\n\r\nhello\r\n"
	e := &email.Email{Raw: []byte(raw)}
	if err := stages.NewPipeline(built, nil).Run(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	want := []string{
		ParticipantHash(secret, "alice@example.com"),
		ParticipantHash(secret, "BOB@example.de"),
		ParticipantHash(secret, " carol@example.fr "),
	}
	if len(e.Participants) != len(want) {
		t.Fatalf("participants = %v, want %v", e.Participants, want)
	}
	for i := range want {
		if e.Participants[i] != want[i] {
			t.Errorf("participant %d = %s, want %s", i, e.Participants[i], want[i])
		}
	}
}

func TestParseErasureRequest(t *testing.T) {
	h := ParticipantHash([]byte("k"), "a@b.c")
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"ok", `{"subject_hash":"` + h + `","region":"eu-west-1","requested_at":"2026-01-02T03:04:05Z"}`, true},
		{"short hash", `{"subject_hash":"abc","requested_at":"2026-01-02T03:04:05Z"}`, false},
		{"raw address", `{"subject_hash":"someone@example.com.............","requested_at":"2026-01-02T03:04:05Z"}`, false},
		{"no time", `{"subject_hash":"` + h + `"}`, false},
		{"not json", `subject`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseErasureRequest([]byte(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (r.SubjectHash != h || r.Offset != -1) {
				t.Fatalf("request = %+v", r)
			}
		})
	}
}
