# inputs: litmus.csv
# litmus.gp — litmus test outcomes: frequency per million instances of every
# outcome, per test (SB, MP, LB, 2+2W, IRIW) and variant (relaxed, rel_acq,
# sc_fence, seq_cst), log y.  Each shape's weak outcome (the one no
# interleaving produces) is marked by what allows it: C11 and the architecture
# (blue), C11 only (orange: forbidden by x86-TSO / ARMv8), nobody (red cross:
# a forbidden outcome; seen at all, the run failed).  Outcomes never seen sit
# on the "0 seen" line.  The title names the sync mode (--litmus-sync).  Run
# with cwd = the run folder, host and cpu set with -e.  Writes litmus.png and
# litmus.svg.
if (!exists("host")) host = "unknown host"
if (!exists("cpu")) cpu = "unknown CPU"
set datafile separator ","
set datafile columnheaders

shape(s) = s eq "sb" ? 0 : s eq "mp" ? 1 : s eq "lb" ? 2 : s eq "2+2w" ? 3 : s eq "iriw" ? 4 : NaN
variant(v) = v eq "relaxed" ? 0 : v eq "rel_acq" ? 1 : v eq "sc_fence" ? 2 : v eq "seq_cst" ? 3 : NaN
slot = 5
xp(r) = slot * shape(strcol("test")) + variant(strcol("variant"))
floor = 0.01
yp(r) = column("count") > 0 ? column("per_million") : floor
weak(r) = column("weak") == 1
kind(k) = (k == 0 && !weak(0)) || \
          (k == 1 && weak(0) && column("allowed_c11") == 1 && column("allowed_arch") != 0) || \
          (k == 2 && weak(0) && column("allowed_c11") == 1 && column("allowed_arch") == 0) || \
          (k == 3 && column("allowed_c11") == 0)

# the sync mode(s) of the run (litmus.csv column sync; runs before it had none)
syncs = ""
has_sync = system("head -n 1 litmus.csv | tr ',' '\\n' | grep -qx sync && echo 1 || echo 0") + 0
do for [m in "timebase instance round"] {
    if (has_sync) {
        stats 'litmus.csv' using (strcol("sync") eq m ? 1 : 0) nooutput
        if (STATS_sum > 0) { syncs = syncs . (strlen(syncs) ? ", " : "") . m }
    }
}
set title offset 0,1.5
set title sprintf("Litmus tests: outcomes per million instances (sync %s) — %s (%s)", \
                  strlen(syncs) ? syncs : "unknown", host, cpu) noenhanced
set xlabel "test and variant" offset 0,-1.5
set ylabel "outcomes per million instances (log scale)"
set logscale y
set yrange [floor / 2 : 2e6]
set xrange [-0.7 : 5 * slot - 1.3]
set grid ytics
set key below horizontal maxcols 2 font ",9"
set tmargin 5
set xtics rotate by -40 font ",8" ( \
    "relaxed" 0, "rel_acq" 1, "sc_fence" 2, "seq_cst" 3, \
    "relaxed" 5, "rel_acq" 6, "sc_fence" 7, "seq_cst" 8, \
    "relaxed" 10, "rel_acq" 11, "sc_fence" 12, "seq_cst" 13, \
    "relaxed" 15, "rel_acq" 16, "sc_fence" 17, "seq_cst" 18, \
    "relaxed" 20, "rel_acq" 21, "sc_fence" 22, "seq_cst" 23)
set label "SB\nweak r0=0,r1=0" at 1.5, graph 1.06 center font ",9"
set label "MP\nweak r0=1,r1=0" at 6.5, graph 1.06 center font ",9"
set label "LB\nweak r0=1,r1=1" at 11.5, graph 1.06 center font ",9"
set label "2+2W\nweak x=1,y=1" at 16.5, graph 1.06 center font ",9"
set label "IRIW (needs 4 CPUs)\nweak r0=1,r1=0,r2=1,r3=0" at 21.5, graph 1.06 center font ",9"
do for [g=1:4] { set arrow from g * slot - 1, graph 0 to g * slot - 1, graph 1 nohead lc rgb "gray70" }
set arrow from graph 0, first floor to graph 1, first floor nohead dashtype 2 lc rgb "gray40"
set label "0 seen" at graph 0.005, first floor * 1.6 font ",8" tc rgb "gray30"

plots = "plot 'litmus.csv' using (kind(0) ? xp(0) : NaN):(yp(0)) with points pt 7 ps 0.5 lc rgb 'gray50' title 'other outcomes (any interleaving)', " . \
        "'' using (kind(1) ? xp(0) : NaN):(yp(0)) with points pt 7 ps 1.4 lc rgb '#1f77b4' title 'weak outcome, allowed by C11 and the CPU', " . \
        "'' using (kind(2) ? xp(0) : NaN):(yp(0)) with points pt 9 ps 1.6 lc rgb '#ff7f0e' title 'weak outcome, allowed by C11, forbidden by the CPU model', " . \
        "'' using (kind(3) ? xp(0) : NaN):(yp(0)) with points pt 2 ps 2 lw 2 lc rgb '#d62728' title 'weak outcome, forbidden by C11 (above the 0 line: run failed)'"
set terminal pngcairo size 1200,650 noenhanced
set output "litmus.png"
eval plots
set terminal svg size 1200,650 noenhanced
set output "litmus.svg"
eval plots
