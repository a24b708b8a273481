# inputs: compare_families.csv
# compare.gp — `memprobe compare A B`: per family, the geometric mean of the
# B/A ratios of real ns per operation, as bars on a log scale with the line of
# no change at 1 (below 1: B is faster).  Run by memprobe in the folder where
# compare_families.csv was written; host and cpu hold "A vs B" labels.
if (!exists("host")) host = "A vs B"
if (!exists("cpu")) cpu = ""
set datafile separator ","
set title sprintf("memprobe compare (B/A): %s\n%s", host, cpu) noenhanced
set ylabel "B / A, geometric mean of real-ns ratios (log scale; < 1: B faster)"
set xlabel "benchmark family"
set logscale y 2
set grid ytics
set style fill solid 0.6 border -1
set boxwidth 0.6
set key off
set xtics noenhanced rotate by -30
set offsets 0.5, 0.5, 0, 0
do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "Sans,10"
        set output "compare.png"
    } else {
        set terminal svg size 1000,600 dynamic font "Sans,10"
        set output "compare.svg"
    }
    plot "compare_families.csv" skip 1 using 0:2:xtic(1) with boxes lc rgb "#4a7bb7", \
         "" skip 1 using 0:2:(sprintf("%.3g (%d)", $2, $3)) with labels offset 0,0.8, \
         1 with lines dt 2 lc rgb "#a31515"
    unset output
}
