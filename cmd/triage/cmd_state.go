package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/state"
)

func init() {
	c := &command{
		name:    "state",
		summary: "inspect the local dedup state store (state stats)",
		usage: "triage state stats [--state-dir D] [--config F] [--json]\n\n" +
			"Entries per region and partition, bytes on disk, oldest entry, next expiry,\n" +
			"changelog position and last restore per partition. The store is opened\n" +
			"read-only but still takes Pebble's lock: it cannot be read while a processor\n" +
			"holds it (use that processor's /metrics instead).\n\n" +
			"Examples:\n  triage state stats --state-dir /var/lib/triage/state\n" +
			"  triage state stats --config triage.yaml --json",
	}
	c.run = func(ctx context.Context, args []string) error {
		if len(args) == 0 || args[0] != "stats" {
			if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
				fmt.Printf("%s\n\n%s\n", c.summary, c.usage)
				return nil
			}
			fmt.Fprintf(os.Stderr, "usage: %s\n", stateFirstLine(c.usage))
			return errUsage
		}
		fs := newFlagSet(c)
		path := fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file (env TRIAGE_CONFIG)")
		dir := fs.String("state-dir", "", "Pebble dedup state directory (default: state.dir from the config)")
		asJSON := fs.Bool("json", false, "print JSON")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if *dir == "" {
			cfg, err := config.Load(*path, nil)
			if err != nil {
				return err
			}
			*dir = cfg.State.Dir
		}
		return stateStats(os.Stdout, *dir, *asJSON)
	}
	register(c)
}

func stateFirstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// stateStats opens the store read-only and prints its statistics.
func stateStats(w io.Writer, dir string, asJSON bool) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("no state store at %s: %w", dir, err)
	}
	st, err := state.Open(state.Options{Dir: dir, ReadOnly: true, CacheSize: 8 << 20})
	if errors.Is(err, state.ErrLocked) {
		return fmt.Errorf("state store %s is locked by a running processor; stop it or read its /metrics", dir)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats()
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	ts := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(w, "store %s: %d entries, %s on disk, oldest %s, next expiry %s, %d erasure log entries, %d owed tombstones\n\n",
		s.Dir, s.Entries, stateHumanBytes(s.DiskBytes), ts(s.Oldest), ts(s.NextExpiry), s.Erasures, s.Owed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REGION\tENTRIES")
	regs := make([]string, 0, len(s.Regions))
	for r := range s.Regions {
		regs = append(regs, r)
	}
	sort.Strings(regs)
	for _, r := range regs {
		fmt.Fprintf(tw, "%s\t%d\n", r, s.Regions[r])
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "PARTITION\tENTRIES\tOLDEST\tNEXT EXPIRY\tCHANGELOG NEXT\tLAST RESTORE\tRECORDS\tSECONDS\tFULL")
	for _, p := range s.Partitions {
		lr, recs, secs, full := "-", "-", "-", "-"
		if p.LastRestore != nil {
			lr = p.LastRestore.At.UTC().Format(time.RFC3339)
			recs = fmt.Sprint(p.LastRestore.Records)
			secs = fmt.Sprintf("%.3f", p.LastRestore.Seconds)
			full = fmt.Sprint(p.LastRestore.Full)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", p.Partition, p.Entries, ts(p.Oldest), ts(p.NextExpiry),
			p.ChangelogNext, lr, recs, secs, full)
	}
	return tw.Flush()
}

func stateHumanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
