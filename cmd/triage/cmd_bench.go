package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/triage-dev/triage/corpus"
	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/stages"
)

// stageRecorder keeps every stage duration of one worker; merged at the end.
type stageRecorder struct {
	d map[string][]time.Duration
}

func (r *stageRecorder) ObserveStage(stage string, d time.Duration, _ error) {
	r.d[stage] = append(r.d[stage], d)
}

type stageStats struct {
	P50us float64 `json:"p50_us"`
	P99us float64 `json:"p99_us"`
	Calls int     `json:"calls"`
}

type benchResult struct {
	Emails          int                   `json:"emails"`
	Seconds         float64               `json:"seconds"`
	EmailsPerSecond float64               `json:"emails_per_second"`
	Cores           int                   `json:"cores"`
	PerCore         float64               `json:"emails_per_second_per_core"`
	Corpus          string                `json:"corpus"`
	CorpusEmails    int                   `json:"corpus_emails"`
	MeanBytes       int                   `json:"mean_email_bytes"`
	Stages          map[string]stageStats `json:"stages"`
	PipelineP50us   float64               `json:"pipeline_p50_us"`
	PipelineP99us   float64               `json:"pipeline_p99_us"`
	PeakRSSBytes    int64                 `json:"peak_rss_bytes"`
	Errors          int                   `json:"errors"`
}

func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(p * float64(len(ds)-1))
	return float64(ds[i].Nanoseconds()) / 1e3
}

// peakRSS reads VmHWM from /proc/self/status (Linux); 0 elsewhere.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

func loadCorpus(dir string) ([][]byte, error) {
	if dir == "" {
		var out [][]byte
		for _, s := range corpus.All() {
			out = append(out, s.Raw)
		}
		return out, nil
	}
	var out [][]byte
	err := walkMail([]string{dir}, func(m mailFile) error {
		out = append(out, m.raw)
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no emails found in %s", dir)
	}
	return out, err
}

func runBench(ctx context.Context, cfgPath string, raws [][]byte, dur time.Duration, workers int) (*benchResult, error) {
	sc, err := offlineStageConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	type worker struct {
		p   *stages.Pipeline
		rec *stageRecorder
		tot []time.Duration
		n   int
		err int
	}
	ws := make([]*worker, workers)
	for i := range ws {
		built, err := stages.Build(sc)
		if err != nil {
			return nil, err
		}
		rec := &stageRecorder{d: map[string][]time.Duration{}}
		ws[i] = &worker{p: stages.NewPipeline(built, rec), rec: rec}
	}
	// Warm up: one pass so lazy model loading is not measured.
	for _, raw := range raws {
		_ = ws[0].p.Run(ctx, &email.Email{Raw: raw})
	}
	ws[0].rec.d = map[string][]time.Duration{}
	deadline := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for wi, w := range ws {
		wg.Add(1)
		go func(wi int, w *worker) {
			defer wg.Done()
			for i := wi; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				raw := raws[i%len(raws)]
				e := &email.Email{Raw: raw, Source: email.Source{Partition: -1, Offset: -1}}
				t0 := time.Now()
				if err := w.p.Run(ctx, e); err != nil {
					w.err++
				}
				w.tot = append(w.tot, time.Since(t0))
				w.n++
			}
		}(wi, w)
	}
	wg.Wait()
	el := time.Since(start)
	res := &benchResult{Seconds: el.Seconds(), Cores: runtime.GOMAXPROCS(0), Stages: map[string]stageStats{},
		CorpusEmails: len(raws), PeakRSSBytes: peakRSS()}
	all := map[string][]time.Duration{}
	var tot []time.Duration
	for _, w := range ws {
		res.Emails += w.n
		res.Errors += w.err
		tot = append(tot, w.tot...)
		for s, d := range w.rec.d {
			all[s] = append(all[s], d...)
		}
	}
	for s, d := range all {
		res.Stages[s] = stageStats{P50us: percentile(d, .5), P99us: percentile(d, .99), Calls: len(d)}
	}
	res.PipelineP50us = percentile(tot, .5)
	res.PipelineP99us = percentile(tot, .99)
	res.EmailsPerSecond = float64(res.Emails) / el.Seconds()
	res.PerCore = res.EmailsPerSecond / float64(min(workers, res.Cores))
	size := 0
	for _, r := range raws {
		size += len(r)
	}
	res.MeanBytes = size / len(raws)
	return res, nil
}

func init() {
	c := &command{
		name:    "bench",
		summary: "in-process pipeline benchmark: emails/s, per-stage p50/p99, peak RSS",
		usage: "triage bench [--corpus DIR] [--duration D] [--workers N] [--json]\n\nExamples:\n" +
			"  triage bench\n  triage bench --corpus ../shared/data/spamassassin/easy_ham --duration 20s --json",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		dir := fs.String("corpus", "", "directory of .eml files / mbox / Maildir (default: the bundled corpus)")
		dur := fs.Duration("duration", 10*time.Second, "how long to run")
		workers := fs.Int("workers", runtime.GOMAXPROCS(0), "concurrent pipelines")
		asJSON := fs.Bool("json", false, "print one JSON object")
		cfgPath := fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file")
		cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured run to this file")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer pprof.StopCPUProfile()
		}
		if *workers < 1 || *dur <= 0 {
			return fmt.Errorf("--workers and --duration must be positive")
		}
		raws, err := loadCorpus(*dir)
		if err != nil {
			return err
		}
		res, err := runBench(ctx, *cfgPath, raws, *dur, *workers)
		if err != nil {
			return err
		}
		res.Corpus = *dir
		if res.Corpus == "" {
			res.Corpus = "bundled"
		}
		if *asJSON {
			b, _ := json.MarshalIndent(res, "", "  ")
			fmt.Println(string(b))
			return nil
		}
		fmt.Printf("corpus %s: %d emails, mean %d bytes; %d workers on %d cores\n", res.Corpus, res.CorpusEmails, res.MeanBytes, *workers, res.Cores)
		fmt.Printf("%d emails in %.1fs: %.0f emails/s (%.0f per core); pipeline p50 %.1f µs, p99 %.1f µs; peak RSS %.1f MiB; %d errors\n",
			res.Emails, res.Seconds, res.EmailsPerSecond, res.PerCore, res.PipelineP50us, res.PipelineP99us, float64(res.PeakRSSBytes)/(1<<20), res.Errors)
		fmt.Printf("\n%-10s %10s %10s\n", "STAGE", "P50 µs", "P99 µs")
		for _, s := range stages.Order {
			if st, ok := res.Stages[s]; ok {
				fmt.Printf("%-10s %10.1f %10.1f\n", s, st.P50us, st.P99us)
			}
		}
		return nil
	}
	register(c)
}
