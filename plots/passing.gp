# inputs: passing_ratios.csv
# passing.gp — pointer against copy: the cost of handing back a pointer to a
# fresh heap struct (malloc under each allocator, and GC_MALLOC_ATOMIC),
# divided by the cost of returning the struct by value, against struct size;
# the explainer's "often 10x" drawn as a line, and 1x (no difference).
# Ratios of medians of real time, from passing_ratios.csv.  Run with cwd =
# the run folder, host and cpu set with -e.  Writes passing.png and passing.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders
set title sprintf("Pointer to a fresh heap struct / return by value — %s (%s)", host, cpu) noenhanced
set xlabel "struct size (bytes, log scale)"
set ylabel "time ratio to by-value return (log scale)"
set logscale x 2
set logscale y
set format x "%.0b%B"
set xrange [6:1400]
set yrange [0.1:100]
set grid
set key top right
row(v, a) = strcol("variant") eq v && strcol("allocator") eq a
allocators = "glibc jemalloc mimalloc tcmalloc"
plots = "plot for [a in allocators] 'passing_ratios.csv' using (row('ptr_malloc', a) ? column('size') : NaN):(column('ratio')) with linespoints lw 2 pt 7 ps 0.7 title 'malloc pointer, '.a, " . \
        "'passing_ratios.csv' using (row('ptr_gc', 'glibc') ? column('size') : NaN):(column('ratio')) with linespoints lw 2 dt 4 pt 9 ps 0.7 lc rgb '#8c564b' title 'GC_MALLOC_ATOMIC pointer', " . \
        "'passing_ratios.csv' using (row('out_param', 'glibc') ? column('size') : NaN):(column('ratio')) with linespoints lw 1 dt 3 pt 4 ps 0.5 lc rgb 'gray40' title 'out-parameter (no escape)', " . \
        "10 with lines lw 2 dt 2 lc rgb '#d62728' title 'explainer: \"often 10x\"', " . \
        "1 with lines lw 1 lc rgb 'black' title 'same cost'"
set terminal pngcairo size 1000,600 noenhanced
set output "passing.png"
eval plots
set terminal svg size 1000,600 noenhanced
set output "passing.svg"
eval plots
