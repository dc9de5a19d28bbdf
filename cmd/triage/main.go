// Command triage is the email-triage stream processor: one binary for the
// long-running processor (run), the embedded broker and demo, offline
// classification, benchmarks and the operator tools.
//
// main only wires: it picks the command, gives it a context cancelled by the
// first SIGINT/SIGTERM (a second one forces exit), and turns the command's
// error into one line on stderr and a non-zero exit. Each command lives in
// its own cmd_<name>.go file and registers itself in commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
)

// command is one subcommand. run receives the arguments after the command
// name (and after sub-subcommand names, for grouped commands).
type command struct {
	name    string
	summary string
	usage   string // first line: synopsis; then an example
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

// errUsage is returned after usage was already printed.
var errUsage = errors.New("usage")

// exitError carries an exit code other than 1 (for example `triage health`).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	os.Exit(realMain(os.Args[1:]))
}

func realMain(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprintf(os.Stdout, "%s\n\n%s\n", c.summary, c.usage)
				return 0
			}
		}
		printUsage()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" {
		args[0] = "version"
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "triage: unknown command %q (run 'triage --help' for the list)\n", args[0])
		return 2
	}
	ctx, stop := signalContext()
	defer stop()
	err := c.run(ctx, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(os.Stderr, "triage %s: %s\n", c.name, oneLine(ee.msg))
		}
		return ee.code
	}
	fmt.Fprintf(os.Stderr, "triage %s: %s\n", c.name, oneLine(err.Error()))
	return 1
}

// oneLine keeps error output to a single line: multi-problem errors are
// joined with "; " by their producers, but wrapped library errors sometimes
// carry newlines.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// signalContext is cancelled by the first SIGINT or SIGTERM, which starts a
// graceful shutdown; a second signal exits immediately with status 130.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-done:
			return
		}
		select {
		case <-ch:
			fmt.Fprintln(os.Stderr, "triage: second signal, exiting now")
			os.Exit(130)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}

func printUsage() {
	fmt.Println("triage - email-triage stream processor for Kafka")
	fmt.Println()
	fmt.Println("Usage: triage <command> [flags]")
	fmt.Println()
	fmt.Println("Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("  %-18s %s\n", n, commands[n].summary)
	}
	fmt.Println()
	fmt.Println("Run 'triage <command> --help' for a command's flags and an example.")
}

// newFlagSet returns a flag set whose --help prints the command's usage.
func newFlagSet(c *command) *pflag.FlagSet {
	fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "%s\n\n%s\n\nFlags:\n%s", c.summary, c.usage, fs.FlagUsages())
	}
	return fs
}

// parseFlags parses args; on a flag error it prints one line and returns
// errUsage, so callers can simply return what it returns.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%v (see --help)", err)
	}
	return nil
}
