# inputs: rss_series.csv
# hoard.gp — the hoarding leak: resident set size over time for the
# never-pruned cache (unbounded) against the bounded one, each with malloc
# and with the collector (solid: RSS; dashed: the collector's heap size),
# and the cap that stopped the unbounded runs; a Go companion's runs
# (allocator=go) are drawn too when present.  Run with cwd = the run
# folder, host and cpu set with -e.  Writes hoard.png and hoard.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
MiB = 1048576.0

is(v, a) = strcol("variant") eq v && strcol("allocator") eq a && column("repetition") == 0
stats "rss_series.csv" using (column("cap_bytes") / MiB) nooutput
cap_mib = STATS_max

set title sprintf("Hoarding leak: global cache never pruned vs bounded (LRU) — %s (%s)", host, cpu) noenhanced
set xlabel "time since the first insert (s)"
set ylabel "memory (MiB)"
set grid
set key top left
set yrange [0:cap_mib * 1.15]
set label 1 sprintf("cap %.0f MiB (--hoard-cap)", cap_mib) at graph 0.99, first cap_mib * 1.03 right tc rgb "#a31515"

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,650 font "Sans,10"
        set output "hoard.png"
    } else {
        set terminal svg size 1000,650 dynamic font "Sans,10"
        set output "hoard.svg"
    }
    plot "rss_series.csv" using (is("unbounded", "malloc") ? column("time_ms") / 1e3 : NaN):(column("rss_bytes") / MiB) \
             with lines lw 2 lc rgb "#d62728" title "unbounded, malloc: RSS", \
         "" using (is("unbounded", "gc") ? column("time_ms") / 1e3 : NaN):(column("rss_bytes") / MiB) \
             with lines lw 2 lc rgb "#ff7f0e" title "unbounded, collector: RSS", \
         "" using (is("unbounded", "gc") ? column("time_ms") / 1e3 : NaN):(column("heap_bytes") / MiB) \
             with lines lw 1 dt 2 lc rgb "#ff7f0e" title "unbounded, collector: heap", \
         "" using (is("bounded", "malloc") ? column("time_ms") / 1e3 : NaN):(column("rss_bytes") / MiB) \
             with lines lw 2 lc rgb "#1f77b4" title "bounded, malloc: RSS", \
         "" using (is("bounded", "gc") ? column("time_ms") / 1e3 : NaN):(column("rss_bytes") / MiB) \
             with lines lw 2 lc rgb "#2ca02c" title "bounded, collector: RSS", \
         "" using (is("bounded", "gc") ? column("time_ms") / 1e3 : NaN):(column("heap_bytes") / MiB) \
             with lines lw 1 dt 2 lc rgb "#2ca02c" title "bounded, collector: heap", \
         "" using (is("unbounded", "go") ? column("time_ms") / 1e3 : NaN):(column("rss_bytes") / MiB) \
             with lines lw 2 lc rgb "#9467bd" title "unbounded, Go runtime: RSS", \
         "" using (is("bounded", "go") ? column("time_ms") / 1e3 : NaN):(column("rss_bytes") / MiB) \
             with lines lw 2 lc rgb "#17becf" title "bounded, Go runtime: RSS", \
         cap_mib with lines dt 2 lw 2 lc rgb "#a31515" notitle
    unset output
}
