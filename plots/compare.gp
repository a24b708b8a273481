# inputs: compare_families.csv
# compare.gp — `memprobe compare`: the runs (machines) side by side, one
# series per run.  Run by memprobe in the comparison folder; host holds "A vs B"
# or "N runs".  Every input is a table with a first column (a family, a
# working set, a benchmark) and one column per run, headed by the run's name;
# an empty cell is a run that did not measure it.
#   compare.png          per family, the geometric mean of each run's ratios to
#                        the baseline (log scale; the dashed line is the baseline)
#   compare-latency.png  the latency ladders overlaid
#   compare-c2c.png      c2c one-way latency per variant and pair class
#   compare-alloc.png    allocation cost per allocator at 64 B and 1 KiB
#   compare-gc.png       libgc's p99 pause by live heap
#   compare-litmus.png   litmus weak outcomes per million instances
#   compare-handoff.png  handoff medians per mechanism (visibility)
# Each image is drawn only when its table was written (the runs measured it).
if (!exists("host")) host = "compare"
if (!exists("cpu")) cpu = ""
set datafile separator ","
set key autotitle columnheader

array img[7] = ["compare", "compare-latency", "compare-c2c", "compare-alloc", "compare-gc", "compare-litmus", \
                 "compare-handoff"]
array titles[7] = ["geometric mean of each family's ratios to the baseline", \
                  "latency ladder: ns per dependent load", \
                  "core-to-core one-way latency (median) per variant and pair class", \
                  "allocation cost per allocator at 64 B and 1 KiB", \
                  "libgc pause p99 by live heap (1 marker, 64-byte objects)", \
                  "litmus: weak outcomes per million instances", \
                  "visibility: median handoff per mechanism"]
array ylabels[7] = ["ratio to the baseline (log scale; < 1: faster)", "ns per load (log scale)", \
                   "ns one-way (log scale)", "ns per allocation (log scale)", "p99 pause, ns (log scale)", \
                   "weak outcomes per million", "ns per handoff (log scale)"]
array xlabels[7] = ["", "working set, bytes (log scale)", "", "", "live heap, bytes (log scale)", "", ""]
array numeric_x[7] = [0, 1, 0, 0, 1, 0, 0]
array log_y[7] = [1, 1, 1, 1, 1, 0, 1]

do for [k=1:7] {
    file = k == 1 ? "compare_families.csv" : img[k].".csv"
    if (system("test -s '".file."' && echo yes") eq "yes") {
        stats file using 0 skip 1 nooutput
        n = STATS_columns
        unset logscale
        unset label
        set grid ytics
        set title sprintf("%s\n%s", titles[k], host) noenhanced
        set ylabel ylabels[k]
        set xlabel xlabels[k]
        set offsets 0.5, 0.5, 0, 0
        if (n > 13) { set key off } else { set key outside right top noenhanced }
        if (log_y[k]) { set logscale y }
        if (numeric_x[k]) {
            set logscale x 2
            set format x "%.0s%cB"
            set xtics auto norotate
            set offsets 0, 0, 0, 0
        } else {
            set format x "% h"
            set xtics noenhanced rotate by -35 left
        }
        do for [fmt in "png svg"] {
            if (fmt eq "png") {
                set terminal pngcairo size 1200,650 font "Sans,10"
                set output img[k].".png"
            } else {
                set terminal svg size 1200,650 dynamic font "Sans,10"
                set output img[k].".svg"
            }
            if (numeric_x[k]) {
                plot for [i=2:n] file using 1:i with linespoints pt (i % 12) + 1 ps 1.1
            } else {
                if (k == 1) {
                    plot for [i=2:n] file using 0:i:xtic(1) with linespoints pt (i % 12) + 1 ps 1.3, \
                         1 with lines dt 2 lc rgb "#a31515" notitle
                } else {
                    plot for [i=2:n] file using 0:i:xtic(1) with points pt (i % 12) + 1 ps 1.3
                }
            }
            unset output
        }
    }
}
