# inputs: go_ratios.csv gc_pauses.csv
# go.gp — C and Go side by side, two panels: (1) the cost of handing back a
# pointer that escapes against returning the struct by value, per struct
# size: Go's SlowPath/FastPath (go_ratios.csv; its hot_heap_over_hot_stack
# rows are for the report, not drawn here) beside C's ptr_malloc/by_value
# and ptr_gc/by_value (passing_ratios.csv, glibc rows, when the passing
# family ran), with the explainer's 10x line; (2) every stop-the-world pause
# against the live-heap size: Go's per-cycle pauses (gc_pauses.csv,
# heap=go) beside libgc's (heap=gc), with the 1 ms line.  Run with cwd = the
# run folder, host and cpu set with -e.  Writes go.png and go.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
MiB = 1048576.0
have(f) = int(system("test -s '" . f . "' && echo 1 || echo 0"))
has_c_ratios = have("passing_ratios.csv")
has_pauses = have("gc_pauses.csv")

# rows: Go's ratio of one variant; C's ratio of one pointer variant (glibc)
go_ratio(v) = strcol("variant") eq v ? column("ratio") : NaN
c_ratio(v) = strcol("variant") eq v && strcol("allocator") eq "glibc" ? column("ratio") : NaN
pause_ms(h) = strcol("heap") eq h ? column("pause_ns") / 1e6 : NaN

do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1400,600 font ",10"; set output "go.png" } \
    else { set terminal svg size 1400,600 font ",10" dynamic; set output "go.svg" }
    set multiplot layout 1,2 title sprintf("C vs Go on %s (%s)", host, cpu)

    set title "Pointer that escapes vs return by value"
    set xlabel "struct size (bytes)"
    set ylabel "pointer / by-value time (ratio)"
    set logscale xy 2
    set xrange [6:1400]
    set yrange [*:*]
    set key top left
    plot 10 with lines dashtype 2 lc rgb "red" title "10x (the explainer's claim)", \
         "go_ratios.csv" using "size":(go_ratio("slowpath_over_fastpath")) with linespoints lw 2 pt 7 title "Go SlowPath / FastPath", \
         (has_c_ratios ? "passing_ratios.csv" : "go_ratios.csv") using "size":(has_c_ratios ? c_ratio("ptr_malloc") : NaN) with linespoints pt 5 title "C ptr\\_malloc / by\\_value", \
         (has_c_ratios ? "passing_ratios.csv" : "go_ratios.csv") using "size":(has_c_ratios ? c_ratio("ptr_gc") : NaN) with linespoints pt 9 title "C ptr\\_gc (libgc) / by\\_value"

    set title "Stop-the-world pauses vs live heap"
    set xlabel "live heap (MiB)"
    set ylabel "pause (ms)"
    set logscale xy 10
    set xrange [*:*]
    set yrange [*:*]
    set key bottom right box opaque
    if (has_pauses) {
        plot 1 with lines dashtype 2 lc rgb "red" title "1 ms", \
             "gc_pauses.csv" using (column("live_bytes") / MiB * 1.03):(pause_ms("go")) with points pt 7 ps 0.6 title "Go (per GC cycle)", \
             "gc_pauses.csv" using (column("live_bytes") / MiB / 1.03):(pause_ms("gc")) with points pt 6 ps 0.6 title "C, libgc (per pause)"
    } else {
        set label 3 "no gc_pauses.csv in this run" at graph 0.3, graph 0.5
        plot NaN notitle
        unset label 3
    }
    unset multiplot
    unset output
}
