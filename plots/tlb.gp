# inputs: results.csv
# tlb.gp — TLB reach: translation_ns (a spread chase, one line per 4 KiB
# stride, minus the packed control of the same line count) against the
# strides touched (log x), for base pages, transparent huge pages and
# hugetlbfs pages where they ran; each repetition's value, smoothed to the
# mean.  Run with cwd = the run folder, host and cpu set with -e.  Writes
# tlb.png and tlb.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
set title sprintf("TLB reach: translation cost per load — %s (%s)", host, cpu) noenhanced
set logscale x 2
set xlabel "4 KiB strides touched, one line each (log scale)"
set ylabel "ns per load over the packed control"
set grid
set key top left box opaque
row(v) = strcol("family") eq "tlb" && strcol("variant") eq v && strcol("status") eq "ok" && strcol("run_type") eq "iteration"
draw = "plot for [v in 'spread spread_thp spread_hugetlb'] 'results.csv' using (row(v) ? column('pages') : NaN):(column('translation_ns')) smooth unique with linespoints lw 2 title v"
set terminal pngcairo size 1000,600 noenhanced
set output "tlb.png"
eval draw
set terminal svg size 1000,600 noenhanced
set output "tlb.svg"
eval draw
