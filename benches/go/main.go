// memprobe-go — the Go companion of memprobe.  benches/go.c (the C harness's
// "go" family) starts it pinned to the run's CPUs with GOMAXPROCS and GOGC
// set, reads one JSON document from its stdout, and folds the numbers into
// the run folder beside the C families' rows.
//
// Modes (-mode):
//
//	micro     the benchmarks named by -run, each calibrated to -min-time and
//	          repeated -reps times: passing/go_fastpath, passing/go_slowpath,
//	          access/go_hot_stack, access/go_hot_heap (argument: size in
//	          bytes) and visibility/go_{chan_unbuffered,chan_cap1,mutex,
//	          racy_flag}.  -run "passing/go_fastpath=8,64;visibility/go_mutex"
//	gc        the collector under allocation pressure (-live, -duration)
//	gc-once   exactly one forced runtime.GC() with automatic GC off
//	hoard     the hoarding map, -variant unbounded|bounded
//	racecheck a short racy handoff (for the -race build's verdict)
//
// Output: one JSON object on stdout (the last line).  With -sync, "sync K"
// lines come first (see timing.go).  Bad input: one line on stderr, exit 2.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// benchOut is one benchmark instance with its repetitions.
type benchOut struct {
	Name string           `json:"name"`
	Args map[string]int64 `json:"args"`
	Func string           `json:"func"` // the function the escape report is keyed by
	Reps []repetition     `json:"reps"`
}

// output is the whole JSON document.
type output struct {
	GoVersion  string     `json:"go_version"`
	GOARCH     string     `json:"goarch"`
	GOMAXPROCS int        `json:"gomaxprocs"`
	GOGC       string     `json:"gogc"`
	Mode       string     `json:"mode"`
	Benchmarks []benchOut `json:"benchmarks"`
	Pauses     []pauseOut `json:"pauses,omitempty"`
	RSS        []rssOut   `json:"rss,omitempty"`
}

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "memprobe-go: "+format+"\n", args...)
	os.Exit(2)
}

// microBench is one runnable micro benchmark instance.
type microBench struct {
	name string
	size int64 // 0: no size argument
	fn   string
	op   opFunc
	want func(n int) uint64
}

// microLookup resolves a benchmark name and size into its functions.
func microLookup(name string, size int64) (microBench, error) {
	m := microBench{name: name, size: size}
	sz := int(size)
	switch name {
	case "passing/go_fastpath", "passing/go_slowpath":
		pc := findPassingCase(sz)
		if pc == nil {
			return m, fmt.Errorf("%s: size %d: expected one of 8, 16, 32, 64, 128, 256, 512, 1024", name, size)
		}
		loop, fn := pc.fast, pc.fastFunc
		if name == "passing/go_slowpath" {
			loop, fn = pc.slow, pc.slowFunc
		}
		m.fn = fn
		m.op = func(n int) opResult { return opResult{checksum: loop(n)} }
		m.want = func(n int) uint64 { return passingExpected(sz, n) }
	case "access/go_hot_stack", "access/go_hot_heap":
		if sz < 64 || sz > hotMaxBytes || sz%8 != 0 {
			return m, fmt.Errorf("%s: size %d: expected a multiple of 8 from 64 to %d", name, size, hotMaxBytes)
		}
		f, fn := hotStack, "hotStack"
		if name == "access/go_hot_heap" {
			f, fn = hotHeap, "hotHeap"
		}
		m.fn = fn
		m.op = func(n int) opResult {
			return opResult{checksum: f(sz, n)}
		}
		m.want = func(n int) uint64 { return hotExpected(sz, n) }
	default:
		mech := strings.TrimPrefix(name, "visibility/go_")
		f, ok := handoffFuncs[mech]
		if !ok || mech == name {
			return m, fmt.Errorf("unknown benchmark '%s'", name)
		}
		m.fn = map[string]string{"chan_unbuffered": "chanPingPong", "chan_cap1": "chanPingPong",
			"mutex": "mutexPingPong", "racy_flag": "racyHandoff"}[mech]
		m.op = f
	}
	return m, nil
}

// parseRunSpec turns "a=8,16;b" into benchmark instances.
func parseRunSpec(spec string) ([]microBench, error) {
	var out []microBench
	for _, item := range strings.Split(spec, ";") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, sizes, hasSizes := strings.Cut(item, "=")
		if !hasSizes {
			m, err := microLookup(name, 0)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
			continue
		}
		for _, s := range strings.Split(sizes, ",") {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("-run '%s': size '%s' is not a whole number", item, s)
			}
			m, err := microLookup(name, v)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-run '%s': names no benchmark", spec)
	}
	return out, nil
}

func runMicro(spec string, reps int, minTime time.Duration) []benchOut {
	list, err := parseRunSpec(spec)
	if err != nil {
		fatalf("%v", err)
	}
	var out []benchOut
	for _, m := range list {
		args := map[string]int64{}
		if m.size > 0 {
			args["size"] = m.size
		}
		out = append(out, benchOut{Name: m.name, Args: args, Func: m.fn, Reps: measure(m.op, reps, minTime, m.want)})
	}
	return out
}

// gogcValue is GOGC as the runtime sees it (100 when unset, -1 for off).
func gogcValue() int64 {
	v := os.Getenv("GOGC")
	if v == "" {
		return 100
	}
	if v == "off" {
		return -1
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		fatalf("GOGC='%s': expected a whole number or off", v)
	}
	return n
}

func main() {
	mode := flag.String("mode", "micro", "micro, gc, gc-once, hoard or racecheck")
	run := flag.String("run", "", "micro: benchmarks to run, e.g. \"passing/go_fastpath=8,64;visibility/go_mutex\"")
	reps := flag.Int("reps", 1, "micro: timed repetitions per benchmark")
	minTime := flag.Duration("min-time", 20*time.Millisecond, "micro: minimum time per repetition")
	syncFlag := flag.Bool("sync", false, "handshake with the parent around each timed region")
	live := flag.Int64("live", 4<<20, "gc: live-set bytes")
	duration := flag.Duration("duration", 500*time.Millisecond, "gc, hoard: length of the measured phase")
	variant := flag.String("variant", "unbounded", "hoard: unbounded or bounded")
	entry := flag.Int64("entry", 4000, "hoard: bytes per entry")
	rate := flag.Int64("rate", 40000, "hoard: inserts per second (0: full speed)")
	bound := flag.Int64("bound", 8192, "hoard: entries kept by the bounded map")
	capBytes := flag.Int64("cap", 512<<20, "hoard: RSS or bytes inserted that end the unbounded run")
	sample := flag.Duration("sample", 20*time.Millisecond, "hoard: RSS sampling period")
	flag.Parse()
	if flag.NArg() > 0 {
		fatalf("unexpected argument '%s'; see -help", flag.Arg(0))
	}
	if *reps < 1 || *reps > 100 {
		fatalf("-reps %d: expected 1 to 100", *reps)
	}
	if *syncFlag {
		sync0.enable()
	}
	out := output{GoVersion: runtime.Version(), GOARCH: runtime.GOARCH, GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOGC: os.Getenv("GOGC"), Mode: *mode}
	switch *mode {
	case "micro":
		out.Benchmarks = runMicro(*run, *reps, *minTime)
	case "gc":
		if *live < nodeBytes || *live > 64<<30 {
			fatalf("-live %d: expected 64 bytes to 64 GiB", *live)
		}
		row, pauses := gcPressure(*live, *duration, gogcValue())
		out.Benchmarks, out.Pauses = []benchOut{row}, pauses
	case "gc-once":
		row, pauses := gcOnce()
		out.Benchmarks, out.Pauses = []benchOut{row}, pauses
	case "hoard":
		if *variant != "unbounded" && *variant != "bounded" {
			fatalf("-variant '%s': expected unbounded or bounded", *variant)
		}
		if *entry < 1 || *bound < 1 || *rate < 0 || *capBytes < 1<<20 {
			fatalf("-entry and -bound must be >= 1, -rate >= 0 and -cap >= 1 MiB")
		}
		row, samples := hoardRun(hoardParams{bounded: *variant == "bounded", entryBytes: *entry, bound: *bound,
			capBytes: *capBytes, rate: *rate, duration: *duration, sampleEvery: *sample})
		out.Benchmarks, out.RSS = []benchOut{row}, samples
	case "racecheck":
		r := racyHandoff(2000)
		out.Benchmarks = []benchOut{{Name: "visibility/go_racy_flag", Func: "racyHandoff", Args: map[string]int64{},
			Reps: []repetition{{Ops: 2000, SyncBegin: -1, SyncEnd: -1, Counters: r.extra}}}}
	default:
		fatalf("-mode '%s': expected micro, gc, gc-once, hoard or racecheck", *mode)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fatalf("writing the result: %v", err)
	}
}
