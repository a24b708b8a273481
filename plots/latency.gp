# inputs: results.csv latency_caches.csv
# latency.gp — the latency ladder: ns per dependent load against working-set
# size (log x), the cache sizes hwloc reports (gray) and the levels the
# base-page ladder itself shows (measured, purple) marked.  The base-page
# ladder (latency/chase) with each repetition and the median; the huge-page
# ladders (chase_thp, chase_hugetlb), where they ran, as the mean of their
# repetitions.  Run with cwd = the run folder, host and cpu set with -e.
# Writes latency.png and latency.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
set title sprintf("Latency ladder: dependent loads — %s (%s)", host, cpu) noenhanced
set xlabel "working set (bytes, log scale)"
set ylabel "ns per load (log scale)"
set logscale x 2
set logscale y
set format x "%.0b%B"
set grid
set key bottom right box opaque
isrow(v, agg) = strcol("family") eq "latency" && strcol("variant") eq v && strcol("status") eq "ok" && strcol("aggregate") eq agg
# cache boundaries: hwloc's (gray, labels at the top) and the measured ones
# (purple, labels below them); older run folders have hwloc's only
stats "latency_caches.csv" using 2 nooutput
ncaches = STATS_records
do for [i=0:ncaches-1] {
    stats "latency_caches.csv" every ::i::i using 2 nooutput
    x = STATS_max
    stats "latency_caches.csv" every ::i::i using 1 nooutput
    lvl = int(STATS_max)
    stats "latency_caches.csv" every ::i::i using (strcol("source") eq "measured" ? 1 : 0) nooutput
    if (STATS_max > 0) {
        set arrow from x, graph 0 to x, graph 1 nohead dashtype 3 lw 1.5 lc rgb "#9467bd"
        set label sprintf("L%d measured", lvl) at x, graph 0.88 right offset -0.5,0 textcolor rgb "#9467bd"
    } else {
        set arrow from x, graph 0 to x, graph 1 nohead dashtype 2 lc rgb "gray40"
        set label sprintf("L%d hwloc", lvl) at x, graph 0.95 right offset -0.5,0
    }
}
plots = "plot 'results.csv' using (isrow('chase', '') ? column('working_set') : NaN):(column('real_ns')) with points pt 7 ps 0.6 lc rgb '#1f77b4' title 'base pages: each repetition', " . \
        "'results.csv' using (isrow('chase', 'median') ? column('working_set') : NaN):(column('real_ns')) with linespoints lw 2 pt 5 lc rgb '#d62728' title 'base pages: median', " . \
        "'results.csv' using (isrow('chase_thp', '') ? column('working_set') : NaN):(column('real_ns')) smooth unique with linespoints lw 2 dt 2 pt 9 lc rgb '#ff7f0e' title 'transparent huge pages (mean)', " . \
        "'results.csv' using (isrow('chase_hugetlb', '') ? column('working_set') : NaN):(column('real_ns')) smooth unique with linespoints lw 2 dt 4 pt 11 lc rgb '#2ca02c' title 'hugetlbfs 2 MiB pages (mean)'"
set terminal pngcairo size 1000,600 noenhanced
set output "latency.png"
eval plots
set terminal svg size 1000,600 noenhanced
set output "latency.svg"
eval plots
