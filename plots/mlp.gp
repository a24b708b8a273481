# inputs: mlp.csv
# mlp.gp — memory-level parallelism: loads completed per ns (left axis) and
# each chain's ns per load (right axis) against the number of independent
# chains (log x), the knee marked.  Run with cwd = the run folder, host and
# cpu set with -e.  Writes mlp.png and mlp.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
stats "mlp.csv" using 5 nooutput
knee = STATS_max
set title sprintf("Memory-level parallelism: %d misses in flight — %s (%s)", knee, host, cpu) noenhanced
set logscale x 2
set xlabel "independent chains walked together"
set ylabel "loads per ns (all chains)"
set y2label "ns per load (each chain)"
set ytics nomirror
set y2tics
set grid
set key top left box opaque
set arrow from knee, graph 0 to knee, graph 1 nohead dashtype 2 lc rgb "#d62728"
set label "knee" at knee, graph 0.95 left offset 0.5,0 textcolor rgb "#d62728"
draw = "plot 'mlp.csv' using 1:3 with linespoints lw 2 pt 7 title 'loads per ns', '' using 1:2 axes x1y2 with linespoints dt 2 pt 5 title 'ns per load'"
set terminal pngcairo size 1000,600 noenhanced
set output "mlp.png"
eval draw
set terminal svg size 1000,600 noenhanced
set output "mlp.svg"
eval draw
