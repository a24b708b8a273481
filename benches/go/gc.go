// gc.go — Go's collector under allocation pressure, the Go twin of
// gc/collected in benches/gc.c.
//
// A live set of L bytes of linked 64-byte nodes (each with a next pointer
// and a cross link, so marking has real work) stays reachable from a global
// while one allocating goroutine per GOMAXPROCS allocates garbage nodes at
// full speed for a fixed time.  GOGC comes from the environment.
//
// Pauses, two ways:
//   - exact per-cycle stop-the-world time from debug.ReadGCStats (the
//     MemStats PauseNs ring: one entry per GC cycle, the sum of its two
//     stop-the-world phases), polled every few milliseconds so none of the
//     256 ring entries is overwritten unseen;
//   - the runtime/metrics histogram /gc/pauses:seconds, which records every
//     stop-the-world phase (two per cycle) in buckets.
//
// GC CPU fraction: /cpu/classes/gc/total over /cpu/classes/total where the
// runtime has them (Go 1.20+), else MemStats.GCCPUFraction differenced over
// the allocation phase.  Both are shares of GOMAXPROCS x wall time.
package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// node is one 64-byte object of the live set or of the garbage.
type node struct {
	next, link *node
	payload    [6]uint64
}

const nodeBytes = 64

var liveRoot *node

// processStart approximates the runtime's start (for GCCPUFraction windows).
var processStart = time.Now()

// buildLive links bytes/64 nodes into liveRoot, each cross-linked to an
// earlier node.
func buildLive(bytes int64) int64 {
	count := bytes / nodeBytes
	var head *node
	nodes := make([]*node, 0, 1024)
	for i := int64(0); i < count; i++ {
		n := &node{next: head}
		n.payload[0] = uint64(i)
		if len(nodes) > 0 {
			n.link = nodes[int(uint64(i)*2654435761%uint64(len(nodes)))]
		}
		if len(nodes) < cap(nodes) {
			nodes = append(nodes, n)
		} else {
			nodes[i%int64(len(nodes))] = n
		}
		head = n
	}
	liveRoot = head
	return count
}

// pauseOut is one GC cycle's stop-the-world time.
type pauseOut struct {
	Cycle   uint32  `json:"cycle"`    // runtime GC number
	PauseNs int64   `json:"pause_ns"` // both stop-the-world phases of the cycle
	EndMs   float64 `json:"end_ms"`   // when the pause ended, after the phase started
}

// pauseRecorder collects cycles from debug.ReadGCStats as they happen.
type pauseRecorder struct {
	stats   debug.GCStats
	lastGC  int64
	phase0  time.Time
	pauses  []pauseOut
	missed  int64
	started bool
}

func newPauseRecorder() *pauseRecorder {
	r := &pauseRecorder{}
	r.stats.Pause = make([]time.Duration, 0, 512)
	r.stats.PauseEnd = make([]time.Time, 0, 512)
	debug.ReadGCStats(&r.stats)
	r.lastGC = r.stats.NumGC
	r.phase0 = time.Now()
	return r
}

// poll appends the cycles finished since the last poll (ReadGCStats lists
// the most recent first).
func (r *pauseRecorder) poll() {
	debug.ReadGCStats(&r.stats)
	fresh := r.stats.NumGC - r.lastGC
	if fresh <= 0 {
		return
	}
	avail := int64(len(r.stats.Pause))
	if fresh > avail {
		r.missed += fresh - avail
		fresh = avail
	}
	for i := fresh - 1; i >= 0; i-- {
		r.pauses = append(r.pauses, pauseOut{
			Cycle:   uint32(r.stats.NumGC - i),
			PauseNs: r.stats.Pause[i].Nanoseconds(),
			EndMs:   float64(r.stats.PauseEnd[i].Sub(r.phase0).Nanoseconds()) / 1e6,
		})
	}
	r.lastGC = r.stats.NumGC
}

// stwHistogram reads /gc/pauses:seconds (every stop-the-world phase).
func stwHistogram() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/gc/pauses:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	h := s[0].Value.Float64Histogram()
	return &metrics.Float64Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
}

// histDelta summarises after - before: count and the p50/p99/max bucket
// bounds in ns (upper bound of the bucket holding the percentile).
func histDelta(before, after *metrics.Float64Histogram) map[string]float64 {
	out := map[string]float64{}
	if before == nil || after == nil {
		return out
	}
	counts := make([]uint64, len(after.Counts))
	var total uint64
	for i := range counts {
		counts[i] = after.Counts[i] - before.Counts[i]
		total += counts[i]
	}
	out["stw_phases"] = float64(total)
	if total == 0 {
		return out
	}
	bound := func(i int) float64 {
		b := after.Buckets[i+1]
		if b > 1e9 { // +Inf: use the lower edge
			b = after.Buckets[i]
		}
		return b * 1e9
	}
	pct := func(p float64) float64 {
		var cum uint64
		for i, c := range counts {
			cum += c
			if float64(cum) >= p*float64(total) {
				return bound(i)
			}
		}
		return bound(len(counts) - 1)
	}
	out["stw_hist_p50_ns"] = pct(0.50)
	out["stw_hist_p99_ns"] = pct(0.99)
	out["stw_hist_max_ns"] = pct(1.0)
	return out
}

// gcCPUMeter measures the collector's share of GOMAXPROCS x wall time.
type gcCPUMeter struct {
	useMetrics bool
	gc0, all0  float64
	frac0      float64
	t0         time.Time
}

func hasMetric(name string) bool {
	for _, d := range metrics.All() {
		if d.Name == name {
			return true
		}
	}
	return false
}

func cpuClasses() (gc, total float64) {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64(), s[1].Value.Float64()
}

func startGCCPU() *gcCPUMeter {
	m := &gcCPUMeter{useMetrics: hasMetric("/cpu/classes/gc/total:cpu-seconds")}
	if m.useMetrics {
		m.gc0, m.all0 = cpuClasses()
	} else {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m.frac0 = ms.GCCPUFraction
	}
	m.t0 = time.Now()
	return m
}

// stop returns the fraction over the window and which source gave it
// (1: runtime/metrics cpu classes, 2: MemStats.GCCPUFraction).
func (m *gcCPUMeter) stop() (float64, float64) {
	if m.useMetrics {
		gc, all := cpuClasses()
		if all > m.all0 {
			return (gc - m.gc0) / (all - m.all0), 1
		}
		return 0, 1
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t1 := time.Now()
	a := m.frac0 * m.t0.Sub(processStart).Seconds()
	b := ms.GCCPUFraction * t1.Sub(processStart).Seconds()
	return (b - a) / t1.Sub(m.t0).Seconds(), 2
}

// allocateGarbage allocates nodes until stop is set; returns the count.
// A ring of 64 keeps each node alive for a moment, as the C mutator does;
// garbage nodes point into the live set only, never at older garbage, so
// nothing chains them together.
func allocateGarbage(stop *atomic.Bool) int64 {
	var ring [64]*node
	var count int64
	anchor := liveRoot
	for !stop.Load() {
		for i := 0; i < 256; i++ {
			n := &node{link: anchor}
			n.payload[0] = uint64(count)
			ring[i&63] = n
			count++
		}
	}
	runtime.KeepAlive(ring)
	return count
}

// percentile of sorted values, p in [0, 1]: linear interpolation between
// the closest ranks (position p * (n - 1), numpy's default), the same
// definition as the C side's stats_quantile_sorted, so that columns of the
// same name mean the same in both runtimes.
func percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 1 {
		return sorted[n-1]
	}
	pos := p * float64(n-1)
	lo := int(math.Floor(pos))
	if lo+1 >= n {
		return sorted[n-1]
	}
	return sorted[lo] + (pos-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// gcPressure runs the workload: returns the benchmark row and the pauses.
func gcPressure(live int64, duration time.Duration, gogc int64) (benchOut, []pauseOut) {
	objects := buildLive(live)
	runtime.GC()
	cpu := startGCCPU() // may stop the world itself (ReadMemStats): before hist0
	hist0 := stwHistogram()
	rec := newPauseRecorder()
	var stop atomic.Bool
	procs := runtime.GOMAXPROCS(0)
	allocs := make([]int64, procs)
	var wg sync.WaitGroup
	begin := sync0.point()
	t0 := time.Now()
	for g := 0; g < procs; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			allocs[g] = allocateGarbage(&stop)
		}(g)
	}
	for time.Since(t0) < duration {
		time.Sleep(2 * time.Millisecond)
		rec.poll()
	}
	stop.Store(true)
	wg.Wait()
	wall := time.Since(t0)
	end := sync0.point()
	rec.poll()
	info := histDelta(hist0, stwHistogram())
	frac, source := cpu.stop()
	var total int64
	for _, a := range allocs {
		total += a
	}
	values := make([]float64, len(rec.pauses))
	for i, p := range rec.pauses {
		values[i] = float64(p.PauseNs)
	}
	sort.Float64s(values)
	c := map[string]float64{
		"allocs": float64(total), "allocs_per_second": float64(total) / wall.Seconds(),
		"collections": float64(len(rec.pauses) + int(rec.missed)), "pauses": float64(len(rec.pauses)),
		"pauses_missed": float64(rec.missed), "gc_cpu_fraction": frac, "gc_cpu_source": source,
		"goroutines": float64(procs), "live_objects": float64(objects),
	}
	if len(values) > 0 {
		c["pause_p50_ns"] = percentile(values, 0.50)
		c["pause_p99_ns"] = percentile(values, 0.99)
		c["pause_max_ns"] = values[len(values)-1]
	}
	for k, v := range info {
		c[k] = v
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	c["heap_bytes"] = float64(ms.HeapSys)
	runtime.KeepAlive(liveRoot)
	row := benchOut{Name: "gc/go_collected", Func: "allocateGarbage",
		Args: map[string]int64{"live_bytes": live, "object_bytes": nodeBytes, "gogc": gogc},
		Reps: []repetition{{NsPerOp: float64(wall.Nanoseconds()), Ops: 1, WallNs: wall.Nanoseconds(),
			SyncBegin: begin, SyncEnd: end, Counters: c}}}
	return row, rec.pauses
}

// gcOnce forces exactly one collection with automatic collection off.
func gcOnce() (benchOut, []pauseOut) {
	debug.SetGCPercent(-1)
	hist0 := stwHistogram()
	rec := newPauseRecorder()
	runtime.GC()
	rec.poll()
	info := histDelta(hist0, stwHistogram())
	info["collections"] = float64(len(rec.pauses) + int(rec.missed))
	row := benchOut{Name: "gc/go_gc_once", Func: "runtime.GC", Args: map[string]int64{},
		Reps: []repetition{{Ops: 1, SyncBegin: -1, SyncEnd: -1, Counters: info}}}
	return row, rec.pauses
}
