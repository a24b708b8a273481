// timing.go — timed loops, repetitions and the counter handshake.
//
// A micro benchmark is a function that runs n operations and returns a
// checksum plus any extra numbers it measured.  calibrate grows n until one
// run lasts at least the minimum time (as Go's testing package does); each
// repetition then runs exactly n operations between two sync points.
//
// Sync points: with -sync the parent (benches/go.c) counts hardware and
// software events for this whole process.  Before and after each timed
// region we print "sync K" on stdout and wait for one line on stdin, so the
// parent reads its counters exactly at the region's edges.  Without -sync a
// sync point is free.
package main

import (
	"bufio"
	"fmt"
	"os"
	"time"
)

// opResult is what one timed run of a benchmark function hands back.
type opResult struct {
	checksum uint64
	extra    map[string]float64 // user counters measured by the function (may be nil)
}

// opFunc runs n operations.
type opFunc func(n int) opResult

// repetition is one timed run as printed in the JSON output.
type repetition struct {
	NsPerOp   float64            `json:"ns_per_op"`
	Ops       int64              `json:"ops"`
	WallNs    int64              `json:"wall_ns"`
	SyncBegin int                `json:"sync_begin"` // -1 without -sync
	SyncEnd   int                `json:"sync_end"`
	Counters  map[string]float64 `json:"counters,omitempty"`
}

// syncer implements the handshake with the parent.
type syncer struct {
	enabled bool
	next    int
	in      *bufio.Reader
}

var sync0 = &syncer{}

func (s *syncer) enable() {
	s.enabled = true
	s.in = bufio.NewReader(os.Stdin)
}

// point prints "sync K" and waits for the parent's acknowledgement.
// Returns K, or -1 when disabled.
func (s *syncer) point() int {
	if !s.enabled {
		return -1
	}
	k := s.next
	s.next++
	fmt.Fprintf(os.Stdout, "sync %d\n", k)
	if _, err := s.in.ReadString('\n'); err != nil {
		fatalf("sync %d: the parent closed stdin (%v)", k, err)
	}
	return k
}

// timeOps runs f(n) between two sync points.
func timeOps(f opFunc, n int) (repetition, opResult) {
	begin := sync0.point()
	t0 := time.Now()
	r := f(n)
	wall := time.Since(t0)
	end := sync0.point()
	rep := repetition{NsPerOp: float64(wall.Nanoseconds()) / float64(n), Ops: int64(n),
		WallNs: wall.Nanoseconds(), SyncBegin: begin, SyncEnd: end, Counters: r.extra}
	return rep, r
}

// calibrate finds n such that f(n) takes at least minTime (n capped at 1e9).
func calibrate(f opFunc, minTime time.Duration) int {
	n := 1
	for {
		t0 := time.Now()
		f(n)
		d := time.Since(t0)
		if d >= minTime || n >= 1e9 {
			return n
		}
		next := n * 100
		if d > 0 {
			next = int(float64(n) * 1.2 * float64(minTime) / float64(d))
		}
		if next <= n {
			next = n + 1
		}
		if next > 100*n {
			next = 100 * n
		}
		if next > 1e9 {
			next = 1e9
		}
		n = next
	}
}

// measure calibrates f, then runs reps timed repetitions.  want (when not
// nil) is the checksum n operations must yield; a mismatch is recorded as
// the checksum_errors counter of that repetition.
func measure(f opFunc, reps int, minTime time.Duration, want func(n int) uint64) []repetition {
	n := calibrate(f, minTime)
	out := make([]repetition, 0, reps)
	for i := 0; i < reps; i++ {
		rep, r := timeOps(f, n)
		if want != nil {
			if rep.Counters == nil {
				rep.Counters = map[string]float64{}
			}
			bad := 0.0
			if r.checksum != want(n) {
				bad = 1
			}
			rep.Counters["checksum_errors"] = bad
		}
		out = append(out, rep)
	}
	return out
}
