# inputs: results.csv
# c2c.gp — core-to-core latency.  Per pair class, bars of the one-way latency
# (median over batches of 64 round trips; mean over the pairs and
# repetitions of that class) for both variants, with the minimum as a dot;
# and, when the run used --c2c-all (c2c_matrix.csv present), a heatmap of the
# load_store median for every pair of CPUs.  A run whose c2c rows were all
# skipped (one CPU) gets empty bars saying so.  Run with cwd = the run folder,
# host and cpu set with -e.  Writes c2c.png and c2c.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders

classes = "smt l2 llc numa package cross-package"
class_index(c) = c eq "smt" ? 0 : c eq "l2" ? 1 : c eq "llc" ? 2 : c eq "numa" ? 3 : \
                 c eq "package" ? 4 : c eq "cross-package" ? 5 : NaN
variant_index(v) = v eq "load_store" ? 0 : v eq "cas" ? 1 : NaN
isrow(v) = strcol("family") eq "c2c" && strcol("status") eq "ok" && strcol("aggregate") eq "" && \
           strcol("variant") eq v
xpos(v) = 3 * class_index(strcol("pair_class")) + variant_index(v)
have_matrix = system("test -s c2c_matrix.csv && echo 1 || echo 0") + 0

set style fill solid 0.7 border -1
set boxwidth 0.9
set grid ytics
set logscale y
set ylabel "one-way latency (ns, log scale)"
set xlabel "pair class"
set xtics () nomirror
do for [i=1:words(classes)] { set xtics add (word(classes, i) 3 * (i - 1) + 0.5) }
set xrange [-1:17]
set key top left

bars = "plot 'results.csv' using (isrow('load_store') ? xpos('load_store') : NaN):(column('median_ns')) smooth unique with boxes lc rgb '#1f77b4' title 'load_store median', " . \
       "'results.csv' using (isrow('cas') ? xpos('cas') : NaN):(column('median_ns')) smooth unique with boxes lc rgb '#ff7f0e' title 'cas median', " . \
       "'results.csv' using (isrow('load_store') ? xpos('load_store') : isrow('cas') ? xpos('cas') : NaN):(column('min_ns')) with points pt 7 ps 0.8 lc rgb 'black' title 'minimum'"

# no measured pair (e.g. every row skipped): empty axes that say so
stats "results.csv" using (isrow("load_store") || isrow("cas") ? 1 : 0) nooutput
if ((exists("STATS_sum") ? STATS_sum : 0) == 0) {
    set yrange [10:1000]
    set label 1 "no measured pair of CPUs in this run" at graph 0.5, graph 0.5 center
    bars = "plot NaN notitle"
}

isload(v) = strcol("variant") eq "load_store"
heat = "plot 'c2c_matrix.csv' using (isload(0) ? column('cpu_a') : NaN):(column('cpu_b')):(0.5):(0.5):(column('median_ns')) with boxxyerror fs solid 1.0 noborder lc palette notitle, " . \
       "'c2c_matrix.csv' using (isload(0) ? column('cpu_b') : NaN):(column('cpu_a')):(0.5):(0.5):(column('median_ns')) with boxxyerror fs solid 1.0 noborder lc palette notitle"

do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size (have_matrix ? 1500 : 900),600 noenhanced; set output "c2c.png" }
    if (fmt eq "svg") { set terminal svg size (have_matrix ? 1500 : 900),600 noenhanced; set output "c2c.svg" }
    if (have_matrix) {
        set multiplot layout 1,2 title sprintf("Core-to-core latency — %s (%s)", host, cpu) noenhanced
        set title "one-way latency per pair class" noenhanced
    } else {
        set title sprintf("Core-to-core latency per pair class — %s (%s)", host, cpu) noenhanced
    }
    eval bars
    if (have_matrix) {
        set title "load_store median one-way latency per pair of CPUs (ns)" noenhanced
        unset logscale y
        set xlabel "CPU"
        set ylabel "CPU"
        stats 'c2c_matrix.csv' using 'cpu_b' nooutput
        step = STATS_max < 32 ? 1 : int(STATS_max / 16)
        set xtics step
        set ytics step
        set autoscale xy
        set size ratio -1
        set palette rgbformulae 33,13,10
        set cblabel "ns"
        eval heat
        unset multiplot
        # restore the bar chart's settings for the next format
        set size noratio
        set logscale y
        set ylabel "one-way latency (ns, log scale)"
        set xlabel "pair class"
        set ytics autofreq
        set xtics () nomirror
        do for [i=1:words(classes)] { set xtics add (word(classes, i) 3 * (i - 1) + 0.5) }
        set xrange [-1:17]
        set autoscale y
    }
}
