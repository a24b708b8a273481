# inputs: results.csv
# alloc.gp — what allocating (and touching) a block costs against its size,
# log-log: one line per malloc implementation the rows name (malloc+free one at a time),
# plus the fixed-size stack array and GC_MALLOC.  Each point is the mean of
# the repetitions' ns per operation (real time); C rows only (runtime=c).  A
# run without alloc measurements (all skipped) gets an empty plot saying so.
# Run with cwd = the run folder, host and cpu set with -e.  Writes alloc.png
# and alloc.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
set title sprintf("Allocation + first touch of every cache line — %s (%s)", host, cpu) noenhanced
set xlabel "block size (bytes, log scale)"
set ylabel "ns per allocation (log scale)"
set logscale x 2
set logscale y
set format x "%.0b%B"
set grid
set key top left
ok(v) = strcol("family") eq "alloc" && strcol("runtime") eq "c" && strcol("status") eq "ok" && strcol("run_type") eq "iteration" \
        && strcol("variant") eq v
row(v, a) = ok(v) && strcol("allocator") eq a
# one series per allocator the rows name (glibc, jemalloc, ..., asan in a
# sanitizer build): every series is named after what served its malloc
allocators = ""
stats "results.csv" using ((ok("heap_malloc_free") && strstrt(" ".allocators." ", " ".strcol("allocator")." ") == 0) \
                           ? (allocators = allocators.(allocators eq "" ? "" : " ").strcol("allocator"), 1) : 0) nooutput
undefine STATS_*
plots = "plot for [a in allocators] 'results.csv' using (row('heap_malloc_free', a) ? column('size') : NaN):(column('real_ns')) smooth unique with linespoints lw 2 pt 7 ps 0.6 title 'malloc+free '.a, " . \
        "'results.csv' using (ok('stack_fixed') ? column('size') : NaN):(column('real_ns')) smooth unique with linespoints lw 2 dt 2 pt 5 ps 0.6 lc rgb 'black' title 'stack (fixed-size array)', " . \
        "'results.csv' using (ok('gc_malloc') ? column('size') : NaN):(column('real_ns')) smooth unique with linespoints lw 2 dt 4 pt 9 ps 0.6 lc rgb '#8c564b' title 'GC_MALLOC (libgc)'"
# rows to draw (stats leaves STATS_sum undefined on an empty file)
stats "results.csv" using (ok("heap_malloc_free") || ok("stack_fixed") || ok("gc_malloc") ? 1 : 0) nooutput
if ((exists("STATS_sum") ? STATS_sum : 0) == 0) {
    set xrange [16:65536]
    set yrange [1:100000]
    set label 1 "no alloc measurements in this run" at graph 0.5, graph 0.5 center
    plots = "plot NaN notitle"
}
set terminal pngcairo size 1000,600 noenhanced
set output "alloc.png"
eval plots
set terminal svg size 1000,600 noenhanced
set output "alloc.svg"
eval plots
