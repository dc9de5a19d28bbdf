package main

import (
	"context"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/triage-dev/triage/config"
)

func runConfig(c *command) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		if len(args) == 0 || (args[0] != "print" && args[0] != "validate") {
			fmt.Fprintf(os.Stderr, "%s\n\n%s\n", c.summary, c.usage)
			return errUsage
		}
		sub := args[0]
		fs := newFlagSet(c)
		cf := addConfigFlags(fs)
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		cfg, err := cf.load()
		if sub == "validate" {
			if err != nil {
				return err
			}
			fmt.Println("config ok")
			return nil
		}
		if cfg == nil {
			return err
		}
		out, merr := yaml.Marshal(toYAML(cfg.Masked()))
		if merr != nil {
			return merr
		}
		os.Stdout.Write(out)
		if err != nil {
			fmt.Fprintf(os.Stderr, "# warning: %v\n", err)
		}
		return nil
	}
}

// toYAML renders the config with its koanf key names.
func toYAML(c *config.Config) map[string]any {
	return c.AsMap()
}
