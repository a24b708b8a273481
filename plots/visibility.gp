# inputs: visibility.csv
# visibility.gp — how long until another core sees a write: the cumulative
# distribution of latency per mechanism (store_to_load: a plain store seen by
# a spinning reader, both directions, corrected by the estimated clock
# offset; flag_only: a bare sequence number, one cache-line transfer; the
# flags: payload write, flag, payload check and ack, about three transfers;
# the others: one handoff through the mechanism, half a ping-pong round
# trip), from the quantiles in visibility.csv (log x).  One curve per
# mechanism and repetition, one panel per pair class present.  Each
# mechanism is one pass over the file (a pass per repetition made the plot
# take 20 s on a default run): its repetitions' blocks follow each other, and
# the row of quantile 0 (the minimum) is left out so that the line breaks
# there instead of joining one repetition's maximum to the next one's
# minimum; the curves start at the 1st percentile.
# Run with cwd = the run folder, host and cpu set with -e.  Writes
# visibility.png and visibility.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders

mechanisms = "store_to_load flag_only relaxed release_acquire seq_cst mutex mutex_condvar channel_0 channel_1 channel_64 pipe eventfd futex"
# pair classes present, closest first
classes = ""
do for [c in "smt l2 llc numa package cross-package"] {
    stats 'visibility.csv' using (strcol("pair_class") eq c ? 1 : 0) nooutput
    if (STATS_sum > 0) { classes = classes . " " . c }
}
ncls = words(classes)
# only mechanisms present (a --filter may have left some out)
present = ""
do for [m in mechanisms] {
    stats 'visibility.csv' using (strcol("mechanism") eq m ? 1 : 0) nooutput
    if (STATS_sum > 0) { present = present . " " . m }
}
iscurve(m, c) = strcol("mechanism") eq m && strcol("pair_class") eq c && column("quantile") > 0
color(i) = word("#000000 #ff7f0e #7f7f7f #1f77b4 #17becf #2ca02c #98df8a #d62728 #ff9896 #9467bd #8c564b #e377c2 #bcbd22", i)

set grid
set logscale x
set xlabel "latency (ns, log scale)"
set ylabel "fraction of samples at or below"
set yrange [0:1]
set key outside right top

do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 1100, 450 * ncls + 100 noenhanced; set output "visibility.png" }
    if (fmt eq "svg") { set terminal svg size 1100, 450 * ncls + 100 noenhanced; set output "visibility.svg" }
    set multiplot layout ncls,1 title sprintf("Visibility and handoff latency (CDF) — %s (%s)", host, cpu) noenhanced
    do for [k=1:ncls] {
        cls = word(classes, k)
        set title sprintf("pair class %s", cls) noenhanced
        plot for [i=1:words(present)] 'visibility.csv' \
             using (iscurve(word(present, i), cls) ? column("latency_ns") : NaN):(column("quantile")) \
             with lines lw (word(present, i) eq "store_to_load" ? 3 : 1.5) \
             lc rgb color(1 + (i - 1) % 13) \
             title word(present, i)
    }
    unset multiplot
}
