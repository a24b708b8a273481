# inputs: gc_pauses.csv results.csv
# gc.gp — the gc family in four panels: (1) every stop-the-world pause against
# the live-heap size, log-log, with the 1 ms line the explainer promises;
# (2) the pause CDF per configuration (live set; all markers; incremental);
# (3) the collector's share of wall time (gc_cpu_fraction) against the
# allocation rate; (4) allocation throughput of the collector relative to
# malloc/free on the same workload.  libgc series use only the C rows
# (gc_pauses.csv heap=gc, results.csv runtime=c); the Go companion's pauses
# (heap=go) and collector share (gc/go_collected, runtime=go) are drawn beside
# them when the run has them.  A panel without rows in this run says so
# instead of failing.  Run with cwd = the run folder, host and cpu set with
# -e.  Writes gc.png and gc.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
MiB = 1048576.0
# a word of a size list as a number (-1 for the empty word a loop over an
# empty list still evaluates its title with)
bytes(w) = strlen(w) ? w + 0 : -1

# gc_pauses.csv rows of libgc (heap=gc; Go rows leave divisor and markers
# empty) in the base configuration (object 64 B, divisor 3, no mutator work)
# with the given markers (0: more than one) and incremental mode
base(m, inc) = strcol("heap") eq "gc" && column("object_bytes") == 64 && column("divisor") == 3 && column("work_per_alloc") == 0 \
               && (m == 0 ? column("markers") > 1 : column("markers") == m) && column("incremental") == inc
# results.csv rows of gc/collected (C) and gc/go_collected (Go), one per
# repetition, not aggregates
measured(v, rt) = strcol("family") eq "gc" && strcol("variant") eq v && strcol("runtime") eq rt \
                  && strcol("status") eq "ok" && strcol("run_type") eq "iteration"
collected = 'measured("collected", "c")'
gocollected = 'measured("go_collected", "go")'

# the live sets a run may use (1 MiB .. 1 GiB in steps of 4), and which of
# them each configuration of panel (2) has pauses for
sizes = "1048576 4194304 16777216 67108864 268435456 1073741824"
list1 = ""; listall = ""; listinc = ""; listgo = ""
# rows of a Go companion (heap=go), if the run has one
isgo = 'strcol("heap") eq "go"'
do for [s in sizes . " 33554432"] {
    stats "gc_pauses.csv" using (@isgo && column("live_bytes") == bytes(s) ? 1 : 0) nooutput
    if (exists("STATS_sum") && STATS_sum > 0) { listgo = listgo . " " . s }
}
do for [s in sizes] {
    stats "gc_pauses.csv" using (base(1, 0) && column("live_bytes") == bytes(s) ? 1 : 0) nooutput
    if (exists("STATS_sum") && STATS_sum > 0) { list1 = list1 . " " . s }
    stats "gc_pauses.csv" using (base(0, 0) && column("live_bytes") == bytes(s) ? 1 : 0) nooutput
    if (exists("STATS_sum") && STATS_sum > 0) { listall = listall . " " . s }
    stats "gc_pauses.csv" using (base(1, 1) && column("live_bytes") == bytes(s) ? 1 : 0) nooutput
    if (exists("STATS_sum") && STATS_sum > 0) { listinc = listinc . " " . s }
}

# rows each panel has (stats leaves STATS_sum undefined on an empty file)
stats "gc_pauses.csv" using ((strcol("heap") eq "gc" || @isgo) && column("pause_ns") > 0 ? column("pause_ns") / 1e6 : NaN) nooutput
npauses = exists("STATS_records") ? STATS_records : 0
# the pause axis of the CDF, in whole decades: fixed, because a CDF series
# without points (a configuration this run lacks) breaks log autoscaling
pmin = npauses > 0 ? 10 ** floor(log10(STATS_min)) : 0.01
pmax = npauses > 0 ? 10 ** ceil(log10(STATS_max)) : 100
pmax = pmax > pmin ? pmax : pmin * 10
stats "results.csv" using (@collected || @gocollected ? 1 : 0) nooutput
nshare = exists("STATS_sum") ? STATS_sum : 0
stats "results.csv" using (@collected ? 1 : 0) nooutput
nthroughput = exists("STATS_sum") ? STATS_sum : 0
ncdf = words(list1 . listall . listinc . listgo)
# an empty panel: the axes it would have and a line saying why
nodata(what) = sprintf("no %s in this run", what)

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1400,1000 font "Sans,10"
        set output "gc.png"
    } else {
        set terminal svg size 1400,1000 dynamic font "Sans,10"
        set output "gc.svg"
    }
    set multiplot layout 2,2 title sprintf("Garbage collection: libgc from C against malloc/free, and the Go runtime — %s (%s)", \
                                          host, cpu) noenhanced

    # (1) pause against live set
    set title "World stopped (pause\\_ns) against live heap"
    set xlabel "live set (MiB, log scale)"
    set ylabel "world stopped (ms, log scale)"
    set logscale xy
    set xrange [0.5:2048]
    set grid
    set key bottom right
    if (npauses == 0) { set label 1 nodata("pauses") at graph 0.5, graph 0.5 center; set yrange [0.01:100] }
    plot "gc_pauses.csv" using (base(1, 0) ? column("live_bytes") / MiB : NaN):(column("pause_ns") / 1e6) \
             with points pt 7 ps 0.6 lc rgb "#1f77b4" title "1 marker", \
         "" using (base(0, 0) ? column("live_bytes") / MiB * 1.1 : NaN):(column("pause_ns") / 1e6) \
             with points pt 5 ps 0.6 lc rgb "#ff7f0e" title "all CPUs marking", \
         "" using (base(1, 1) ? column("live_bytes") / MiB * 0.9 : NaN):(column("pause_ns") / 1e6) \
             with points pt 9 ps 0.6 lc rgb "#2ca02c" title "incremental", \
         for [g in (strlen(listgo) ? "go" : "")] "" using (@isgo ? column("live_bytes") / MiB * 1.2 : NaN):(column("pause_ns") / 1e6) \
             with points pt 13 ps 0.6 lc rgb "#9467bd" title "Go runtime (companion)", \
         1 with lines dt 2 lw 2 lc rgb "#a31515" title "1 ms"
    unset label 1
    set autoscale y

    # (2) pause CDF per configuration
    set title "World-stopped pauses per configuration"
    set xlabel "world stopped (ms, log scale)"
    set ylabel "fraction of pauses at or below"
    unset logscale y
    set logscale x
    set yrange [0:1.02]
    set key bottom right font ",8"
    set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lw 2 lc rgb "#a31515"
    set xrange [pmin:pmax]
    if (ncdf == 0) {
        set label 1 nodata("pauses") at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    } else {
    plot NaN notitle, \
         for [s in list1] "gc_pauses.csv" \
             using (base(1, 0) && column("live_bytes") == bytes(s) ? column("pause_ns") / 1e6 : NaN):(1) \
             smooth cnormal with lines lw 2 title sprintf("%g MiB, 1 marker", bytes(s) / MiB), \
         for [s in listall] "gc_pauses.csv" \
             using (base(0, 0) && column("live_bytes") == bytes(s) ? column("pause_ns") / 1e6 : NaN):(1) \
             smooth cnormal with lines dt 3 lw 2 title sprintf("%g MiB, all CPUs", bytes(s) / MiB), \
         for [s in listinc] "gc_pauses.csv" \
             using (base(1, 1) && column("live_bytes") == bytes(s) ? column("pause_ns") / 1e6 : NaN):(1) \
             smooth cnormal with lines dt 4 lw 2 title sprintf("%g MiB, incremental", bytes(s) / MiB), \
         for [s in listgo] "gc_pauses.csv" \
             using (@isgo && column("live_bytes") == bytes(s) ? column("pause_ns") / 1e6 : NaN):(1) \
             smooth cnormal with lines dt 5 lw 2 title sprintf("%g MiB, Go runtime", bytes(s) / MiB)
    }
    unset arrow 1
    set autoscale y

    # (3) collector share against allocation rate
    set title "Collector share of wall time against allocation rate"
    set xlabel "allocation rate (MiB/s allocated, log scale)"
    set ylabel "gc_cpu_fraction (collector time / wall time)" noenhanced
    set logscale x
    unset logscale y
    set yrange [0:1.15]
    set key top left
    set cblabel "live set (MiB, log scale)"
    set logscale cb 2
    set palette rgbformulae 33,13,10
    if (nshare == 0) {
        set xrange [10:10000]
        set cbrange [1:64]
        set label 1 nodata("gc/collected or gc/go_collected rows") at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    } else {
    set autoscale x
    set autoscale cb
    plot "results.csv" using (@collected ? column("bytes_per_second") / MiB : NaN):(column("gc_cpu_fraction")):(column("live_bytes") / MiB) \
             with points pt 7 ps 1 lc palette title "libgc, gc/collected (each run; colour: live set)", \
         "" using (@gocollected ? column("allocs_per_second") * column("object_bytes") / MiB : NaN):(column("gc_cpu_fraction")):(column("live_bytes") / MiB) \
             with points pt 5 ps 1 lc palette title "Go runtime, gc/go_collected (each run)" noenhanced
    }
    unset colorbox
    unset logscale cb
    set autoscale y

    # (4) throughput relative to malloc
    set title "Allocation throughput: collector / malloc (same workload)"
    set xlabel "live set (MiB, log scale)"
    set ylabel "allocs per second, gc / malloc"
    set logscale x
    set xrange [0.5:2048]
    unset logscale y
    set key top right
    if (nthroughput == 0) { set label 1 nodata("gc/collected rows") at graph 0.5, graph 0.5 center; set yrange [0:1.2]; set xrange [1:1024] }
    plot "results.csv" using (@collected ? column("live_bytes") / MiB : NaN):(column("throughput_vs_malloc")) \
             with points pt 7 ps 1 lc rgb "#1f77b4" title "libgc, gc/collected (each run)", \
         1 with lines dt 2 lc rgb "gray40" title "malloc"
    unset label 1
    set autoscale y
    set autoscale x

    unset multiplot
    unset output
}
