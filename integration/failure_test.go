package integration

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// waitProgress waits until the collector's record count exceeds from, so a
// kill lands while the process is working rather than while it is still
// joining the group or restoring state.
func waitProgress(t testing.TB, col *collector, from int, timeout time.Duration, procs ...*triageProc) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if col.total() > from {
			return true
		}
		checkAlive(t, procs...)
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// TestExactlyOnceUnderSIGKILL kills `triage run` with SIGKILL again and
// again while it works through 20,000 emails that keep arriving, restarting
// it each time on the same state directory and static member id, as a
// crash-looping pod would be. Every kill abandons an open transaction
// (outputs, changelog records and input offsets together); the restarted
// process must fence it, and the committed output must hold every email
// exactly once: nothing lost, nothing duplicated.
func TestExactlyOnceUnderSIGKILL(t *testing.T) {
	seeds := brokers(t)
	triageBin(t)
	adm := newAdmin(t, seeds)
	run := nonce()
	input, group, suffix := "it.sigkill."+run, "it-sigkill-"+run, "k"+run
	createTopic(t, adm, input, 6)
	emails := makeEmails("kill"+run, 20000, 2)
	col := startCollector(t, seeds, suffix)
	// Spread the input over ~40 s so kills keep landing mid-run.
	prod := startProducer(t, seeds, input, emails, 40*time.Second)

	opts := runOpts{Name: "kill", Group: group, Input: input, Suffix: suffix,
		StateDir: t.TempDir(), InstanceID: "it-kill-0"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	p := startTriage(t, seeds, opts)
	const kills = 6
	midRun := 0
	for i := 0; i < kills; i++ {
		if !waitProgress(t, col, col.total(), 90*time.Second, p) {
			t.Fatalf("no committed output within 90s after (re)start %d%s", i, logTails([]*triageProc{p}))
		}
		time.Sleep(2*time.Second + time.Duration(rng.Int64N(int64(2*time.Second))))
		checkAlive(t, p)
		if col.seen(emails) < len(emails) {
			midRun++
		}
		p.kill()
		t.Logf("SIGKILL %d at %d of %d emails in committed output", i+1, col.seen(emails), len(emails))
		p = startTriage(t, seeds, opts)
	}
	if midRun < 5 {
		t.Errorf("only %d of %d kills landed before the run finished; the test needs a slower producer", midRun, kills)
	}
	finishRun(t, prod, col, adm, group, input, suffix, emails, p)
}

// TestBrokerRestart restarts the (single) broker while triage is working:
// every connection drops, the transaction coordinator and group coordinator
// come back from disk. The processor must ride it out without exiting and
// without losing or duplicating an email.
func TestBrokerRestart(t *testing.T) {
	seeds := brokers(t)
	triageBin(t)
	restart := os.Getenv(envRestart)
	if restart == "" {
		unavailable(t, "%s is not set: the broker-restart test needs a command that restarts the broker keeping its data (make test-kafka sets it)", envRestart)
	}
	adm := newAdmin(t, seeds)
	run := nonce()
	input, group, suffix := "it.restart."+run, "it-restart-"+run, "r"+run
	createTopic(t, adm, input, 3)
	emails := makeEmails("rst"+run, 6000, 4)
	col := startCollector(t, seeds, suffix)
	prod := startProducer(t, seeds, input, emails, 20*time.Second)
	p := startTriage(t, seeds, runOpts{Name: "restart", Group: group, Input: input, Suffix: suffix, StateDir: t.TempDir()})

	if !waitProgress(t, col, 0, 90*time.Second, p) {
		t.Fatalf("no committed output within 90s%s", logTails([]*triageProc{p}))
	}
	before := col.seen(emails)
	start := time.Now()
	cmd := exec.Command("sh", "-c", restart)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("restart broker (%s): %v\n%s", restart, err, out)
	}
	t.Logf("broker restarted in %v with %d of %d emails in committed output", time.Since(start).Round(time.Millisecond), before, len(emails))
	if before == len(emails) {
		t.Errorf("the run finished before the broker restart; the test needs a slower producer")
	}

	checkAlive(t, p)
	finishRun(t, prod, col, adm, group, input, suffix, emails, p)
}

// TestScaleOut runs three `triage run` processes in one group, stops one
// (SIGTERM: it leaves the group) and starts a fourth with an empty state
// directory mid-run. Partitions move twice; the newcomer restores dedup
// state from the changelog. Every email must still come out exactly once.
func TestScaleOut(t *testing.T) {
	seeds := brokers(t)
	triageBin(t)
	adm := newAdmin(t, seeds)
	run := nonce()
	input, group, suffix := "it.scale."+run, "it-scale-"+run, "s"+run
	createTopic(t, adm, input, 6)
	emails := makeEmails("scale"+run, 9000, 5)
	col := startCollector(t, seeds, suffix)
	prod := startProducer(t, seeds, input, emails, 25*time.Second)

	start := func(name string) *triageProc {
		return startTriage(t, seeds, runOpts{Name: name, Group: group, Input: input, Suffix: suffix,
			StateDir: filepath.Join(t.TempDir(), name)})
	}
	procs := []*triageProc{start("scale-a"), start("scale-b"), start("scale-c")}
	waitMembers(t, adm, group, []string{"scale-a", "scale-b", "scale-c"}, 90*time.Second, procs...)
	if !waitProgress(t, col, 0, 90*time.Second, procs...) {
		t.Fatalf("no committed output within 90s%s", logTails(procs))
	}
	time.Sleep(2 * time.Second)
	if err := procs[0].stop(30 * time.Second); err != nil {
		t.Errorf("graceful stop of scale-a: %v", err)
	}
	procs[0] = start("scale-d")
	t.Logf("swapped scale-a for scale-d at %d of %d emails", col.seen(emails), len(emails))
	waitMembers(t, adm, group, []string{"scale-b", "scale-c", "scale-d"}, 90*time.Second, procs...)
	if col.seen(emails) == len(emails) {
		t.Errorf("the run finished before the swap; the test needs a slower producer")
	}

	finishRun(t, prod, col, adm, group, input, suffix, emails, procs...)
}

// finishRun waits for the producer, for every email in the committed
// output and for the group to catch up, stops the processors gracefully,
// drains the output topics and checks exactly-once.
func finishRun(t *testing.T, prod *producer, col *collector, adm *kadm.Client, group, input, suffix string, emails []testEmail, procs ...*triageProc) {
	t.Helper()
	prod.wait(t)
	col.waitAll(t, emails, 5*time.Minute, procs...)
	waitGroupCaughtUp(t, adm, group, input, 2*time.Minute, procs...)
	for _, p := range procs {
		if err := p.stop(30 * time.Second); err != nil {
			t.Errorf("graceful stop of %s: %v", p.opts.Name, err)
		}
	}
	col.drain(t, adm, suffix, time.Minute)
	col.verifyExactlyOnce(t, emails)
}

// waitMembers waits until the group is stable with exactly the named
// processes (by client id) as members, each owning at least one partition.
func waitMembers(t testing.TB, adm *kadm.Client, group string, names []string, timeout time.Duration, procs ...*triageProc) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		checkAlive(t, procs...)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		dg, err := adm.DescribeGroups(ctx, group)
		cancel()
		if err == nil {
			g := dg[group]
			owners := map[string]int{}
			for _, m := range g.Members {
				n := 0
				if a, ok := m.Assigned.AsConsumer(); ok {
					for _, tp := range a.Topics {
						n += len(tp.Partitions)
					}
				}
				owners[strings.TrimPrefix(m.ClientID, "triage-")] = n
			}
			ok := g.State == "Stable" && len(owners) == len(names)
			for _, name := range names {
				if owners[name] == 0 {
					ok = false
				}
			}
			if ok {
				return
			}
			last = g.State + " " + formatOwners(owners)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s did not settle on %v within %v: %s", group, names, timeout, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func formatOwners(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+strconv.Itoa(v))
	}
	return strings.Join(parts, ",")
}
