package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/triage-dev/triage/textmodel"
)

func init() {
	c := &command{
		name:    "train",
		summary: "train the spam/ham text model from a labelled corpus",
		usage: "triage train --corpus DIR --labels FILE --out FILE\n\n" +
			"FILE lists path,label(ham|spam)[,subset] with paths relative to DIR.\n" +
			"Training is deterministic: the same corpus gives the same model file.\n\n" +
			"Example:\n  triage train --corpus ../shared/data/spamassassin --labels ../shared/data/spamassassin/labels.csv --out models/spam.bin",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		corpus := fs.String("corpus", "", "directory holding the messages")
		labels := fs.String("labels", "", "labels CSV (default DIR/labels.csv)")
		out := fs.String("out", "models/spam.bin", "model file to write")
		epochs := fs.Int("epochs", 0, "training passes (0: default)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *corpus == "" {
			return fmt.Errorf("train: --corpus is required")
		}
		if *labels == "" {
			*labels = filepath.Join(*corpus, "labels.csv")
		}
		docs, err := textmodel.LoadCorpus(*corpus, *labels)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		ds := make([]textmodel.Doc, len(docs))
		ys := make([]bool, len(docs))
		spam := 0
		for i, d := range docs {
			ds[i], ys[i] = d.Doc, d.Spam
			if d.Spam {
				spam++
			}
		}
		m := textmodel.TrainSpec(ds, ys, textmodel.DefaultSpec, textmodel.Options{Epochs: *epochs})
		tmp := *out + ".tmp"
		f, err := os.Create(tmp)
		if err != nil {
			return fmt.Errorf("train: create model file: %w", err)
		}
		if _, err := m.WriteTo(f); err != nil {
			f.Close()
			return fmt.Errorf("train: write model: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("train: close model file: %w", err)
		}
		if err := os.Rename(tmp, *out); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		fmt.Printf("trained %s on %d messages (%d spam, %d ham) -> %s\n", textmodel.DefaultSpec, len(docs), spam, len(docs)-spam, *out)
		return nil
	}
	register(c)
}
