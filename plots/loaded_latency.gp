# inputs: loaded_latency.csv
# loaded_latency.gp — latency against bandwidth: the chase's ns per load
# against the bandwidth the other CPUs injected, one curve per traffic mix
# (read-only, 2:1 read/write), the idle point (nothing injected) marked.
# Run with cwd = the run folder, host and cpu set with -e.  Writes
# loaded_latency.png and loaded_latency.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
set title sprintf("Loaded latency — %s (%s)", host, cpu) noenhanced
set xlabel "bandwidth injected by the other CPUs (GB/s)"
set ylabel "ns per dependent load"
set grid
set key top left box opaque
draw = "plot for [v in 'read mix_2to1'] 'loaded_latency.csv' using (strcol('variant') eq v ? column('injected_gb_per_s') : NaN):(column('ns_per_load')) with linespoints lw 2 pt 7 title v, " . \
       "'loaded_latency.csv' using (strcol('variant') eq 'idle' ? 0 : NaN):(column('ns_per_load')) with points pt 9 ps 2 lc rgb '#d62728' title 'idle'"
set terminal pngcairo size 1000,600 noenhanced
set output "loaded_latency.png"
eval draw
set terminal svg size 1000,600 noenhanced
set output "loaded_latency.svg"
eval draw
