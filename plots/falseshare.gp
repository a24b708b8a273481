# inputs: results.csv
# falseshare.gp — false and true sharing: ns per increment for each counter
# layout (pad128, pad64, packed, shared), plain increments and fetch_add side
# by side, grouped by pair class (log y), each bar labelled once with its
# slowdown against pad128.  A bar and its label come from one row: the
# median aggregate when the run had repetitions, else the one iteration.  A run whose falseshare rows
# were all skipped (one CPU) gets empty axes saying so.  Run with cwd = the
# run folder, host and cpu set with -e.  Writes falseshare.png and falseshare.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders

classes = "smt l2 llc numa package cross-package"
layouts = "pad128 pad64 packed shared"
class_index(c) = c eq "smt" ? 0 : c eq "l2" ? 1 : c eq "llc" ? 2 : c eq "numa" ? 3 : \
                 c eq "package" ? 4 : c eq "cross-package" ? 5 : NaN
layout_index(l) = l eq "pad128" ? 0 : l eq "pad64" ? 1 : l eq "packed" ? 2 : l eq "shared" ? 3 : NaN
# variant is "<op>/<layout>"
op_of(v) = v[1:strstrt(v, "/") - 1]
layout_of(v) = v[strstrt(v, "/") + 1:]
# with repetitions, libbenchmark's median rows stand for each bar
stats 'results.csv' using (strcol("family") eq "falseshare" && strcol("aggregate") eq "median" ? 1 : 0) nooutput
bar_aggregate = STATS_sum > 0 ? "median" : ""
isrow(op) = strcol("family") eq "falseshare" && strcol("status") eq "ok" && \
            strcol("aggregate") eq bar_aggregate && op_of(strcol("variant")) eq op
# 5 slots per class (4 layouts and a gap); plain left, fetch_add right
xpos(off) = 5 * class_index(strcol("pair_class")) + layout_index(layout_of(strcol("variant"))) + off
slowdown_label(x) = x == x ? sprintf("%.1fx", x) : layout_of(strcol("variant")) eq "pad128" ? "ref" : ""

set title sprintf("False and true sharing: ns per increment per thread — %s (%s)", host, cpu) noenhanced
set style fill solid 0.7 border -1
set boxwidth 0.38
set grid ytics
set logscale y
set ylabel "ns per increment per thread (log scale)"
set xlabel "counter layout, by pair class"
set xtics () nomirror rotate by -30
do for [c=1:words(classes)] {
    do for [l=1:words(layouts)] {
        set xtics add (sprintf("%s %s", word(layouts, l), word(classes, c)) 5 * (c - 1) + (l - 1))
    }
}
# the classes measured (stats leaves STATS_* undefined when none is)
stats 'results.csv' using (isrow("plain") || isrow("fetch_add") ? 5 * class_index(strcol("pair_class")) : NaN) nooutput
measured = exists("STATS_min")
if (measured) { set xrange [STATS_min - 0.7:STATS_max + 3.7] } else { set xrange [-0.7:3.7]; set yrange [1:100] }
set key top left

plots = "plot 'results.csv' using (isrow('plain') ? xpos(-0.2) : NaN):(column('real_ns')) with boxes lc rgb '#1f77b4' title 'plain (load, add, store)', " . \
        "'results.csv' using (isrow('fetch_add') ? xpos(0.2) : NaN):(column('real_ns')) with boxes lc rgb '#d62728' title 'atomic fetch_add', " . \
        "'results.csv' using (isrow('plain') ? xpos(-0.2) : isrow('fetch_add') ? xpos(0.2) : NaN):(column('real_ns')):(slowdown_label(column('slowdown_vs_padded128'))) with labels offset 0,0.7 font ',8' notitle"

if (!measured) {
    set label 1 "no measured pair of CPUs in this run" at graph 0.5, graph 0.5 center
    plots = "plot NaN notitle"
}
set terminal pngcairo size 1100,650 noenhanced
set output "falseshare.png"
eval plots
set terminal svg size 1100,650 noenhanced
set output "falseshare.svg"
eval plots
