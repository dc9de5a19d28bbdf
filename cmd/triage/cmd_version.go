package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/triage-dev/triage/stages"
)

// Version is set by the linker (-X main.Version=...) in release builds.
var Version = "dev"

func init() {
	c := &command{
		name:    "version",
		summary: "print the version, Go version and linked stages",
		usage:   "triage version\n\nExample:\n  triage version",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		rev := ""
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					rev = s.Value
				}
			}
		}
		fmt.Printf("triage %s", Version)
		if rev != "" {
			fmt.Printf(" (%s)", rev)
		}
		fmt.Printf(" %s %s/%s\nstages: %s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, strings.Join(stages.Order, ", "))
		return nil
	}
	register(c)
}
