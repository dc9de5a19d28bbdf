package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/schemas"
	"github.com/triage-dev/triage/stages"
)

// offlineStageConfig loads the stage configuration for running the
// pipeline without Kafka or state (classify, bench, serve). Without
// --config it runs in dev mode (development HMAC key), which only affects
// the ids it prints.
func offlineStageConfig(cfgPath string) (*stages.Config, error) {
	cfg, err := config.Load(cfgPath, map[string]any{"dev": true})
	if err != nil {
		return nil, err
	}
	return stageConfig(cfg)
}

// offlinePipeline builds the stage pipeline from offlineStageConfig.
func offlinePipeline(cfgPath string) (*stages.Pipeline, error) {
	sc, err := offlineStageConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	built, err := stages.Build(sc)
	if err != nil {
		return nil, err
	}
	return stages.NewPipeline(built, nil), nil
}

// classifyRaw runs raw through the pipeline and returns the output JSON.
func classifyRaw(ctx context.Context, p *stages.Pipeline, raw []byte, region string) ([]byte, error) {
	e := &email.Email{Raw: raw, RegionHint: region, Source: email.Source{Partition: -1, Offset: -1}}
	if err := p.Run(ctx, e); err != nil {
		return nil, err
	}
	return schemas.JSON(e)
}

func init() {
	c := &command{
		name:    "classify",
		summary: "run the pipeline offline (no Kafka) and print one JSON object per email",
		usage: "triage classify [--region R] [--config F] [FILE.eml ... | -]\n\nExamples:\n" +
			"  triage classify message.eml\n  cat message.eml | triage classify --region eu-west-1 -",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		region := fs.String("region", "", "region to route the email to (as the triage-region header would)")
		cfgPath := fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		files := fs.Args()
		if len(files) == 0 {
			files = []string{"-"}
		}
		p, err := offlinePipeline(*cfgPath)
		if err != nil {
			return err
		}
		defer p.Close()
		w := bufio.NewWriter(os.Stdout)
		defer w.Flush()
		failed := 0
		for _, f := range files {
			var raw []byte
			if f == "-" {
				raw, err = io.ReadAll(io.LimitReader(os.Stdin, 64<<20))
			} else {
				raw, err = os.ReadFile(f)
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", f, err)
			}
			out, err := classifyRaw(ctx, p, raw, *region)
			if err != nil {
				fmt.Fprintf(os.Stderr, "triage classify: %s: %v\n", f, err)
				failed++
				continue
			}
			w.Write(out)
			w.WriteByte('\n')
		}
		if failed > 0 {
			return &exitError{code: 1, msg: fmt.Sprintf("%d of %d emails could not be processed", failed, len(files))}
		}
		return nil
	}
	register(c)
}
