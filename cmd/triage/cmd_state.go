package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
		usage: "triage state stats [--state-dir D | --admin HOST:PORT] [--config F] [--json]\n\n" +
			"Entries per region and partition, bytes on disk, oldest entry, next expiry,\n" +
			"changelog position and last restore per partition. The store is opened\n" +
			"read-only but still takes Pebble's lock; while a processor holds it, read\n" +
			"the live figures (and the hit rate) from its admin address with --admin.\n\n" +
			"Examples:\n  triage state stats --state-dir /var/lib/triage/state\n" +
			"  triage state stats --config triage.yaml --json\n" +
			"  triage state stats --admin 127.0.0.1:9090",
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
		adminAddr := fs.String("admin", "", "read the statistics from a running processor's admin address (host:port) instead of opening the store")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if *adminAddr != "" {
			s, err := fetchStateStats(ctx, *adminAddr)
			if err != nil {
				return err
			}
			return printStateStats(os.Stdout, s, *asJSON)
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
		return fmt.Errorf("state store %s is locked by a running processor; use --admin HOST:PORT (its admin address) to read it live", dir)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats()
	if err != nil {
		return err
	}
	return printStateStats(w, s, asJSON)
}

// printStateStats renders statistics as a table or JSON.
func printStateStats(w io.Writer, s *state.Stats, asJSON bool) error {
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

// stateHandler serves the live store's statistics for GET /state.
func stateHandler(st *state.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s, err := st.Stats()
		if err != nil {
			http.Error(w, "state statistics unavailable", http.StatusServiceUnavailable)
			return
		}
		s.Hits, s.Misses = st.HitRate()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s)
	})
}

// fetchStateStats reads GET /state from a running processor.
func fetchStateStats(ctx context.Context, addr string) (*state.Stats, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/state", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read state from %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read state from %s: %s (is dedup enabled there?)", addr, resp.Status)
	}
	var s state.Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return nil, fmt.Errorf("read state from %s: %w", addr, err)
	}
	return &s, nil
}
