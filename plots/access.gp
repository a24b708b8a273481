# inputs: results.csv
# access.gp — touching memory by where it lives.  Left: hot read-modify-write
# throughput (GB/s) of a warm buffer on the stack, the malloc heap and the GC
# heap against its size.  Right: a store to every cache line of a freshly
# obtained block (malloc under each allocator, mmap, MAP_POPULATE, THP)
# against the same stores into a warm stack buffer, in ns per 4 KiB page.
# Means of the repetitions' real time.  Run with cwd = the run folder, host
# and cpu set with -e.  Writes access.png and access.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
ok(v) = strcol("family") eq "access" && strcol("status") eq "ok" && strcol("run_type") eq "iteration" && strcol("variant") eq v
row(v, a) = ok(v) && strcol("allocator") eq a
allocators = "glibc jemalloc mimalloc tcmalloc"
hot = "plot for [v in 'hot_stack hot_heap hot_gc'] 'results.csv' using (row(v, 'glibc') ? column('size') : NaN):(column('bytes_per_second') / 1e9) smooth unique with linespoints lw 2 pt 7 ps 0.6 title v"
cold = "plot for [v in 'cold_heap_mmap cold_heap_populate cold_heap_thp cold_stack_touched'] 'results.csv' using (row(v, 'glibc') ? column('size') : NaN):(column('real_ns') / (column('size') / 4096.0)) smooth unique with linespoints lw 2 pt 7 ps 0.6 title v, " . \
       "for [a in allocators] 'results.csv' using (row('cold_heap_malloc', a) ? column('size') : NaN):(column('real_ns') / (column('size') / 4096.0)) smooth unique with linespoints lw 1 dt 2 pt 4 ps 0.6 title 'cold_heap_malloc '.a"
draw = "set multiplot layout 1,2 title sprintf('Touching memory: warm and first touch — %s (%s)', host, cpu); " . \
       "set logscale x 2; set format x '%.0b%B'; set grid; set key bottom left; " . \
       "set title 'hot: read-modify-write of a warm buffer'; set xlabel 'buffer size (bytes, log scale)'; set ylabel 'GB/s'; unset logscale y; set yrange [0:*]; " . hot . "; " . \
       "set title 'cold: one store per cache line of the block'; set xlabel 'block size (bytes, log scale)'; set ylabel 'ns per 4 KiB page (log scale)'; set logscale y; set autoscale y; set key top right; " . cold . "; " . \
       "unset multiplot"
set terminal pngcairo size 1400,600 noenhanced
set output "access.png"
eval draw
set terminal svg size 1400,600 noenhanced
set output "access.svg"
eval draw
