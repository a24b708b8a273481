# inputs: results.csv
# access.gp — touching memory by where it lives.  Left: hot read-modify-write
# throughput (GB/s) of a warm buffer on the stack, the malloc heap and the GC
# heap against its size (C, glibc), with the Go companion's stack and heap
# buffers (runtime=go) dashed beside them when the run has them.  Right: a
# store to every cache line of a freshly obtained block (malloc under each
# allocator, mmap, MAP_POPULATE, THP) against the same stores into a warm
# stack buffer, in ns per 4 KiB page (C only).  Means of the repetitions'
# real time.  A panel without rows in this run says so instead of failing.
# Run with cwd = the run folder, host and cpu set with -e.  Writes
# access.png and access.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders

# measurement rows of one variant, one runtime, one allocator
ok(v) = strcol("family") eq "access" && strcol("status") eq "ok" && strcol("run_type") eq "iteration" \
        && strcol("variant") eq v
crow(v, a) = ok(v) && strcol("runtime") eq "c" && strcol("allocator") eq a
gorow(v) = ok(v) && strcol("runtime") eq "go"
# The in-process C rows are tagged with the allocator that serves malloc:
# glibc, or what else does (a sanitizer build's "asan", whose interceptors
# replace malloc).  Such rows are drawn under that name, never passed off as
# glibc: self is the allocator of the rows measured in-process (hot_stack
# runs there only).
self = "glibc"
stats "results.csv" using ((ok("hot_stack") && strcol("runtime") eq "c") ? (self = strcol("allocator"), 1) : 0) nooutput
undefine STATS_*
self_note = self eq "glibc" ? "" : " (malloc: ".self.")"
allocators = self." jemalloc mimalloc tcmalloc"
hot_c = "hot_stack hot_heap hot_gc"
hot_go = "go_hot_stack go_hot_heap"
cold_c = "cold_heap_mmap cold_heap_populate cold_heap_thp cold_heap_hugetlb cold_stack_touched"
# one colour per place (stack, heap, GC heap) shared by C and Go; one per allocator
hot_colors = "#1f77b4 #d62728 #2ca02c"
cold_colors = "#1f77b4 #2ca02c #ff7f0e #e377c2 #000000"
alloc_colors = "#9467bd #17becf #8c564b #7f7f7f"

# rows each panel has (stats leaves STATS_sum undefined on an empty file)
stats "results.csv" using (sum [i=1:words(hot_c)] crow(word(hot_c, i), self) + \
                           sum [i=1:words(hot_go)] gorow(word(hot_go, i))) nooutput
nhot = exists("STATS_sum") ? STATS_sum : 0
stats "results.csv" using (sum [i=1:words(cold_c)] crow(word(cold_c, i), self) + \
                           sum [i=1:words(allocators)] crow("cold_heap_malloc", word(allocators, i))) nooutput
ncold = exists("STATS_sum") ? STATS_sum : 0

# an empty panel: fixed ranges and a line saying why
empty(what) = sprintf("no %s rows in this run", what)

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1400,600 noenhanced font "Sans,10"
        set output "access.png"
    } else {
        set terminal svg size 1400,600 dynamic noenhanced font "Sans,10"
        set output "access.svg"
    }
    set multiplot layout 1,2 title sprintf("Touching memory: warm and first touch — %s (%s)", host, cpu)
    set logscale x 2
    set format x "%.0b%B"
    set grid

    set title "hot: read-modify-write of a warm buffer (C solid, Go dashed)"
    set xlabel "buffer size (bytes, log scale)"
    set ylabel "throughput (GB/s)"
    unset logscale y
    set key bottom left
    if (nhot > 0) {
        set autoscale x
        set yrange [0:*]
        plot for [i=1:words(hot_c)] "results.csv" \
                 using (crow(word(hot_c, i), self) ? column("size") : NaN):(column("bytes_per_second") / 1e9) \
                 smooth unique with linespoints lw 2 pt 7 ps 0.6 lc rgb word(hot_colors, i) title word(hot_c, i).self_note, \
             for [i=1:words(hot_go)] "results.csv" \
                 using (gorow(word(hot_go, i)) ? column("size") : NaN):(column("bytes_per_second") / 1e9) \
                 smooth unique with linespoints lw 2 dt 2 pt 6 ps 0.8 lc rgb word(hot_colors, i) title word(hot_go, i)." (Go)"
    } else {
        set xrange [4096:1048576]
        set yrange [0:1]
        set label 1 empty("hot_* or go_hot_*") at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    }

    set title "cold: one store per cache line of the block (C)"
    set xlabel "block size (bytes, log scale)"
    set ylabel "ns per 4 KiB page (log scale)"
    set logscale y
    set key top right
    if (ncold > 0) {
        set autoscale x
        set autoscale y
        plot for [i=1:words(cold_c)] "results.csv" \
                 using (crow(word(cold_c, i), self) ? column("size") : NaN):(column("real_ns") / (column("size") / 4096.0)) \
                 smooth unique with linespoints lw 2 pt 7 ps 0.6 lc rgb word(cold_colors, i) title word(cold_c, i).self_note, \
             for [i=1:words(allocators)] "results.csv" \
                 using (crow("cold_heap_malloc", word(allocators, i)) ? column("size") : NaN):(column("real_ns") / (column("size") / 4096.0)) \
                 smooth unique with linespoints lw 1.5 dt 2 pt 4 ps 0.8 lc rgb word(alloc_colors, i) title "cold_heap_malloc ".word(allocators, i)
    } else {
        set xrange [131072:4194304]
        set yrange [100:100000]
        set label 1 empty("cold_*") at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    }
    unset multiplot
    unset output
}
