# inputs: results.csv bandwidth_caches.csv
# bandwidth.gp — two panels: (1) GB/s against working set (log x) on one
# thread, one line per kernel in the vector width (scalar read, copy and
# triad dashed), with the measured cache sizes marked; (2) total GB/s against
# threads at the largest (DRAM-sized) set of the thread sweep, per kernel.
# Points are each repetition's value (iteration rows).  Run with cwd = the
# run folder, host and cpu set with -e.  Writes bandwidth.png and
# bandwidth.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
row(k, w, t) = strcol("family") eq "bandwidth" && strcol("kernel") eq k && strcol("variant") eq (k . "/" . w) \
               && strcol("status") eq "ok" && strcol("run_type") eq "iteration" && column("threads") == t
at_dram(k) = strcol("family") eq "bandwidth" && strcol("variant") eq (k . "/vector") && strcol("status") eq "ok" \
             && strcol("run_type") eq "iteration" && column("working_set") == dram
kernels = "read write copy triad nt_write nt_copy"
# the DRAM-sized set of the thread sweep: the largest set run on 2 threads
stats "results.csv" using (strcol("family") eq "bandwidth" && column("threads") == 2 ? column("working_set") : NaN) nooutput
dram = exists("STATS_max") ? STATS_max : 0
if (dram == 0) {   # one allowed CPU: no thread sweep; the largest set of the one-thread rows
    stats "results.csv" using (strcol("family") eq "bandwidth" && column("threads") == 1 ? column("working_set") : NaN) nooutput
    dram = exists("STATS_max") ? STATS_max : 0
}
stats "bandwidth_caches.csv" using 2 nooutput
ncaches = STATS_records
do for [i=0:ncaches-1] {
    stats "bandwidth_caches.csv" every ::i::i using 2 nooutput
    x = STATS_max
    set arrow from x, graph 0 to x, graph 1 nohead dashtype 3 lw 1.5 lc rgb "#9467bd"
    set label sprintf("L%d", i + 1) at x, graph 0.95 right offset -0.5,0 textcolor rgb "#9467bd"
}
draw = "set multiplot layout 1,2 title sprintf('Bandwidth — %s (%s)', host, cpu) noenhanced; " . \
  "set logscale x 2; set format x '%.0b%B'; set xlabel 'working set per thread (bytes, log scale)'; set ylabel 'GB/s (1 thread)'; set grid; set key top right; " . \
  "plot for [k in kernels] 'results.csv' using (row(k, 'vector', 1) ? column('working_set') : NaN):(column('gb_per_s')) smooth unique with linespoints lw 2 title k, " . \
  "     for [k in 'read copy triad'] 'results.csv' using (row(k, 'scalar', 1) ? column('working_set') : NaN):(column('gb_per_s')) smooth unique with linespoints dt 2 title k . ' scalar'; " . \
  "unset arrow; unset label; unset logscale x; set format x '%g'; set xrange [0.5:*]; set xlabel sprintf('threads (working set %.0f MiB each)', dram / 1048576); set ylabel 'GB/s, all threads'; " . \
  "plot for [k in kernels] 'results.csv' using (at_dram(k) ? column('threads') : NaN):(column('gb_per_s')) smooth unique with linespoints lw 2 title k; " . \
  "unset multiplot"
set terminal pngcairo size 1400,600 noenhanced
set output "bandwidth.png"
eval draw
set terminal svg size 1400,600 noenhanced
set output "bandwidth.svg"
eval draw
