package state

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options configures a Store. The zero value plus Dir is usable: call
// EnsureDefaults (Open does) and Validate.
type Options struct {
	// Dir is the store directory (--state-dir). Required.
	Dir string
	// FS is the filesystem; nil means the OS filesystem. Tests pass
	// vfs.NewMem().
	FS vfs.FS
	// CacheSize is the block cache shared by all partitions, in bytes.
	// Default 64 MiB.
	CacheSize int64
	// Now is the clock for expiry decisions and restore bookkeeping.
	// Default time.Now.
	Now func() time.Time
	// DefaultRetention applies to a mark that arrives without an expiry.
	// Default 30 days (the shortest built-in region retention).
	DefaultRetention time.Duration
	// SweepBatch bounds the expired marks one Sweep call removes, so a
	// backlog of expiries cannot make one transaction huge. Default 5000.
	SweepBatch int
	// RestoreFlush is how many changelog records a restore applies per
	// Pebble batch. Default 1000.
	RestoreFlush int
	// ErasureLogRetention is how long an erasure request is remembered to
	// be replayed into partitions restored later. It must be at least the
	// longest region retention: older marks have expired anyway.
	// Default 400 days.
	ErasureLogRetention time.Duration
	// ReadOnly opens the store without writing (triage state stats). It
	// still takes Pebble's directory lock.
	ReadOnly bool
	// Logger receives store events (never keys or hashes). Default
	// slog.Default().
	Logger *slog.Logger
}

// EnsureDefaults fills zero values with defaults.
func (o *Options) EnsureDefaults() {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.CacheSize == 0 {
		o.CacheSize = 64 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DefaultRetention == 0 {
		o.DefaultRetention = 30 * 24 * time.Hour
	}
	if o.SweepBatch == 0 {
		o.SweepBatch = 5000
	}
	if o.RestoreFlush == 0 {
		o.RestoreFlush = 1000
	}
	if o.ErasureLogRetention == 0 {
		o.ErasureLogRetention = 400 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Validate reports every problem at once.
func (o *Options) Validate() error {
	var errs []string
	if strings.TrimSpace(o.Dir) == "" {
		errs = append(errs, "dir: required (--state-dir)")
	}
	if o.CacheSize < 0 {
		errs = append(errs, fmt.Sprintf("cache_size: %d must be >= 0", o.CacheSize))
	}
	if o.DefaultRetention < 0 {
		errs = append(errs, "default_retention: must be > 0")
	}
	if o.SweepBatch < 0 {
		errs = append(errs, "sweep_batch: must be > 0")
	}
	if o.RestoreFlush < 0 {
		errs = append(errs, "restore_flush: must be > 0")
	}
	if o.ErasureLogRetention < 0 {
		errs = append(errs, "erasure_log_retention: must be > 0")
	}
	if len(errs) > 0 {
		return errors.New("state: options: " + strings.Join(errs, "; "))
	}
	return nil
}
