package integration

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// testEmail is one generated raw email and what the tests expect of it.
type testEmail struct {
	MessageID string // without angle brackets, unique per test run
	Region    string // region its recipient domain and triage-region header select
	Raw       []byte
}

// regionDomains maps each built-in region to a recipient domain that the
// built-in domain rules route there, so header and domain routing agree.
var regionDomains = []struct{ region, domain string }{
	{"us-east-1", "acme-widgets.com"},
	{"eu-west-1", "beispiel-gmbh.de"},
	{"ap-southeast-1", "contoh-pte.sg"},
	{"ca-central-1", "exemple-inc.ca"},
	{"sa-east-1", "exemplo-ltda.com.br"},
}

var (
	subjects = []string{
		"Invoice %d overdue - payment reminder",
		"Meeting request: quarterly review %d",
		"Re: support ticket #%d still not resolved",
		"Your weekly newsletter, issue %d",
		"Fwd: contract draft v%d for review",
		"URGENT: server outage affecting order %d",
	}
	bodies = []string{
		"Hello team,\n\nThe invoice %d is now 30 days overdue. Please arrange payment at your earliest convenience or call me on +1 415 555 0%03d.\n\nBest regards,\nDana\n",
		"Hi,\n\nCould we meet on Thursday at 10:00 to go through the quarterly numbers (item %d)? Please confirm whether the time works.\n\nThanks,\nSam\n",
		"Hello,\n\nI opened ticket %d last week and the export still fails with an error. Can someone from support look at it? You can reach me at user%03d@example.org.\n\nKind regards\n",
		"This week's highlights: release %d, new integrations and community news. Unsubscribe at any time from the link below. Ref %03d\n",
		"Please find below the contract draft version %d. Let me know about any changes before Friday. Ref %03d\n\nMaria\n",
		"The production server is down and orders (%d) are failing since 09:%02d. This is critical, please escalate immediately!\n",
	}
)

// makeEmails generates n distinct plain-text emails. nonce makes every
// Message-ID unique across runs sharing a cluster (and a dedup store).
func makeEmails(nonce string, n int, seed uint64) []testEmail {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	base := time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)
	out := make([]testEmail, n)
	for i := range out {
		rd := regionDomains[i%len(regionDomains)]
		k := rng.IntN(len(subjects))
		num := rng.IntN(90000) + 1000
		id := fmt.Sprintf("%s.%06d@integration.triage.test", nonce, i)
		var b strings.Builder
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", id)
		fmt.Fprintf(&b, "Date: %s\r\n", base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
		fmt.Fprintf(&b, "From: Sender %d <sender%d@partner-%d.example>\r\n", i%97, i%97, i%13)
		fmt.Fprintf(&b, "To: Inbox <inbox@%s>\r\n", rd.domain)
		fmt.Fprintf(&b, "Subject: %s\r\n", fmt.Sprintf(subjects[k], num))
		b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
		b.WriteString(strings.ReplaceAll(fmt.Sprintf(bodies[k], num, rng.IntN(60)), "\n", "\r\n"))
		out[i] = testEmail{MessageID: id, Region: rd.region, Raw: []byte(b.String())}
	}
	return out
}
