// hoard.go — the explainer's CacheData leak, the Go twin of benches/hoard.c.
//
// unbounded: a global map[string][]byte that never deletes a key (the
// explainer's globalCache).  bounded: the same map, but once it holds
// bound entries the oldest key is deleted before each insert.  Both insert
// entries of entryBytes at the same paced rate as the C hoard (inserts per
// second, 0 for full speed); a sampler records RSS
// (/proc/self/statm) and the Go heap's object bytes every sampleEvery.
// The unbounded run stops when RSS or the bytes inserted reach capBytes
// (so the host is never endangered) and says so (cap_hit = 1); otherwise
// both stop after duration.
package main

import (
	"os"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

var globalCache = map[string][]byte{}

// rssOut is one sample of the hoard's memory.
type rssOut struct {
	TMs           float64 `json:"t_ms"`
	Entries       int64   `json:"entries"`
	BytesInserted int64   `json:"bytes_inserted"`
	RSSBytes      int64   `json:"rss_bytes"`
	HeapBytes     int64   `json:"heap_bytes"`
}

// rssBytes reads the resident set size from /proc/self/statm (0 if unreadable).
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := 0
	start := -1
	for i, c := range b {
		if c == ' ' || c == '\n' {
			if fields == 1 && start >= 0 {
				pages, _ := strconv.ParseInt(string(b[start:i]), 10, 64)
				return pages * int64(os.Getpagesize())
			}
			fields++
			start = i + 1
		}
	}
	return 0
}

func heapObjectBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// hoardState is shared between the inserter and the sampler.
type hoardState struct {
	mu       sync.Mutex
	entries  int64
	inserted int64
}

func (h *hoardState) snapshot() (int64, int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.entries, h.inserted
}

// hoardParams configures one run.
type hoardParams struct {
	bounded               bool
	entryBytes, bound     int64
	capBytes, rate        int64
	duration, sampleEvery time.Duration
}

// hoardRun inserts until the cap or the duration; returns the row and samples.
func hoardRun(p hoardParams) (benchOut, []rssOut) {
	for k := range globalCache {
		delete(globalCache, k)
	}
	st := &hoardState{}
	var samples []rssOut
	stopSampler := make(chan struct{})
	samplerDone := make(chan struct{})
	t0 := time.Now()
	capHit := false
	sample := func() int64 {
		e, b := st.snapshot()
		r := rssOut{TMs: float64(time.Since(t0).Nanoseconds()) / 1e6, Entries: e, BytesInserted: b,
			RSSBytes: rssBytes(), HeapBytes: heapObjectBytes()}
		samples = append(samples, r)
		return r.RSSBytes
	}
	sample()
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(p.sampleEvery)
		defer tick.Stop()
		for {
			select {
			case <-stopSampler:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	begin := sync0.point()
	var inserts, oldest int64
	for time.Since(t0) < p.duration {
		if p.rate > 0 {
			due := t0.Add(time.Duration(float64(inserts) / float64(p.rate) * 1e9))
			if wait := time.Until(due); wait > 0 {
				time.Sleep(wait)
			}
		}
		for i := 0; i < 64; i++ {
			data := make([]byte, p.entryBytes)
			data[0], data[len(data)-1] = byte(inserts), byte(inserts>>8)
			st.mu.Lock()
			if p.bounded && int64(len(globalCache)) >= p.bound {
				delete(globalCache, "key-"+strconv.FormatInt(oldest, 10))
				oldest++
			}
			globalCache["key-"+strconv.FormatInt(inserts, 10)] = data
			st.entries = int64(len(globalCache))
			st.inserted += p.entryBytes
			st.mu.Unlock()
			inserts++
		}
		if !p.bounded && (st.inserted >= p.capBytes || rssBytes() >= p.capBytes) {
			capHit = true
			break
		}
	}
	wall := time.Since(t0)
	end := sync0.point()
	close(stopSampler)
	<-samplerDone
	final := sample()
	first := samples[0]
	last := samples[len(samples)-1]
	slope := 0.0
	if dt := (last.TMs - first.TMs) / 1e3; dt > 0 {
		slope = float64(last.RSSBytes-first.RSSBytes) / dt
	}
	hit := 0.0
	if capHit {
		hit = 1
	}
	variant := "hoard/go_unbounded"
	if p.bounded {
		variant = "hoard/go_bounded"
	}
	c := map[string]float64{"inserts": float64(inserts), "inserts_per_second": float64(inserts) / wall.Seconds(),
		"entries": float64(len(globalCache)), "cap_hit": hit, "cap_bytes": float64(p.capBytes),
		"rss_final_bytes": float64(final), "rss_slope_bytes_per_s": slope, "samples": float64(len(samples)),
		"heap_bytes": float64(last.HeapBytes)}
	if p.bounded {
		c["bound_entries"] = float64(p.bound)
	}
	bound := int64(0)
	if p.bounded {
		bound = p.bound * p.entryBytes
	}
	row := benchOut{Name: variant, Func: "CacheData", Args: map[string]int64{"value_bytes": p.entryBytes,
		"insert_rate": p.rate, "bound_bytes": bound, "cap_bytes": p.capBytes},
		Reps: []repetition{{NsPerOp: float64(wall.Nanoseconds()), Ops: 1, WallNs: wall.Nanoseconds(),
			SyncBegin: begin, SyncEnd: end, Counters: c}}}
	return row, samples
}
