/*
 * cbench.cc — the C API over Google Benchmark (include/memprobe/cbench.h).
 *
 * The project's only C++.  Each C benchmark is registered with libbenchmark
 * as a lambda that runs a trampoline: it wraps benchmark::State in a
 * cbench_state and calls the C function.  The C function's timed loop asks
 * for batches with cbench_next_batch(); a whole libbenchmark run is ONE batch
 * of State::max_iterations, driven through State::KeepRunningBatch(), so the
 * C loop pays one cross-language call per run, not per iteration.  Around
 * that batch the calling thread's PAPI events are counted (counters.h) and
 * reported per iteration as user counters; tags become the run's label.
 *
 * cbench_run() runs everything registered with a reporter that forwards each
 * report to libbenchmark's default display reporter (the usual console
 * table, honouring --benchmark_format/_color/_counters_tabular), to a
 * JSONReporter writing json_path, prints progress on stderr, and hands every
 * run (iterations and aggregates) to the C callback.  The user's own
 * --benchmark_out keeps working: libbenchmark handles it as usual.
 *
 * Names are stable: libbenchmark appends the run settings a benchmark chose
 * for itself to its name (min_time:0.050, iterations:N, repeats:N,
 * manual_time), which differ between a --quick and a default run; the
 * reporters (console, gbench.json, results.csv) and `memprobe list` get the
 * name without them, "<family>/<variant>/<args>", the same in every mode.
 *
 * libbenchmark state machine notes (1.7.1, built with assertions on in
 * Debian): PauseTiming/ResumeTiming abort when misused, a function must not
 * return before KeepRunningBatch() returned false unless it skipped with an
 * error, and SkipWithError stops the timer.  cbench_state tracks its phase
 * and the timer so that the C side cannot trip those checks: whatever the C
 * function does, the trampoline completes the state machine.
 *
 * Threads: the cbench_state calls belong to the thread running the benchmark
 * function, except cbench_add_thread_counters (any thread, locked) and
 * cbench_request_stop (async-signal-safe).  cbench_run consumes what was
 * registered: a later cbench_run runs only benchmarks registered after it
 * (tests rely on this); cbench_registered_count keeps counting all of them.
 */
#include "memprobe/cbench.h"
#include "memprobe/counters.h"

#include <benchmark/benchmark.h>

#include <regex.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#ifndef MEMPROBE_BENCHMARK_VERSION
#define MEMPROBE_BENCHMARK_VERSION "unknown"
#endif

namespace benchmark {
/* --benchmark_repetitions as parsed by Initialize() (exported by the library,
 * declared only in its internal headers); used for the progress total. */
extern int32_t FLAGS_benchmark_repetitions;
/* and the two a selection count must set aside (cbench_selected_count) */
extern bool FLAGS_benchmark_list_tests;
extern std::string FLAGS_benchmark_out;
}  // namespace benchmark

/* One registered benchmark (one libbenchmark family, >= 1 instances). */
struct cbench_bench {
    std::string name;
    cbench_fn fn = nullptr;          /* nullptr for the native overhead loop */
    void *user = nullptr;
    benchmark::internal::Benchmark *gb = nullptr;
    size_t arg_tuples = 0;           /* instances added with arguments */
    size_t arg_width = 0;            /* arguments per instance */
    std::vector<std::string> arg_names;
    int repetitions = 0;             /* 0: the run's --benchmark_repetitions */

    size_t instances() const { return arg_tuples ? arg_tuples : 1; }
};

namespace {

/* How a run that did not complete ended, as the C side said it. */
struct Outcome {
    cbench_status status;
    std::string message;
};

/* Registrations waiting for cbench_run, the filter, and the stop flag. */
struct Registry {
    std::vector<std::unique_ptr<cbench_bench>> pending;
    size_t instances_run = 0;        /* instances of earlier cbench_run calls */
    const regex_t *filter = nullptr;
    std::set<std::string> manual_time; /* names reporting manual time */
    /* Per instance ("<function>/<args>" as libbenchmark names it), the
     * outcomes of its failed runs, oldest first: libbenchmark reports every
     * failed run of an instance, in order, and carries only an error text,
     * so whether it was a skip travels here (see cbench_state::record). */
    std::map<std::string, std::deque<Outcome>> outcomes;
};

Registry &registry()
{
    static Registry r;
    return r;
}

std::atomic<int> stop_flag{0};
static_assert(std::atomic<int>::is_always_lock_free, "stop flag must be async-signal-safe");

bool name_selected(const char *name)
{
    const regex_t *re = registry().filter;
    return !re || regexec(re, name, 0, nullptr, 0) == 0;
}

cbench_bench *registry_add(const char *name, cbench_fn fn, void *user)
{
    auto b = std::make_unique<cbench_bench>();
    b->name = name;
    b->fn = fn;
    b->user = user;
    cbench_bench *raw = b.get();
    registry().pending.push_back(std::move(b));
    return raw;
}

/* Progress total: instances x repetitions of everything pending. */
size_t pending_runs()
{
    size_t n = 0;
    int global_reps = benchmark::FLAGS_benchmark_repetitions > 0 ? benchmark::FLAGS_benchmark_repetitions : 1;
    for (const auto &b : registry().pending)
        n += b->instances() * (size_t)(b->repetitions > 0 ? b->repetitions : global_reps);
    return n;
}

size_t pending_instances()
{
    size_t n = 0;
    for (const auto &b : registry().pending)
        n += b->instances();
    return n;
}

}  // namespace

/* One run of one benchmark instance, as the C function sees it. */
struct cbench_state {
    enum Phase { BEFORE, RUNNING, DONE };

    cbench_state(benchmark::State &s, cbench_bench *b)
        : gs(s), bench(b), event_sums((size_t)counters_event_count(), NAN) {}

    benchmark::State &gs;
    cbench_bench *bench;
    Phase phase = BEFORE;
    Outcome outcome{CBENCH_OK, ""};  /* the first skip or failure */
    bool user_paused = false;        /* cbench_pause_timing without resume */
    bool self_counting = true;
    counters_thread *self = nullptr;
    std::mutex sums_mutex;           /* worker threads add their counters */
    std::vector<double> event_sums;  /* per run, NaN = not counted */
    std::vector<std::pair<std::string, std::string>> tags;

    bool failed() const { return gs.error_occurred(); }
    void fail(const std::string &message, cbench_status status = CBENCH_ERROR);
    void add_events(const double *values);
    void start_self_counters();
    void stop_self_counters(bool keep);
    void complete_loop();
    void end_of_function();
    void publish();
    void record() const;
};

/* The key of an instance in Registry::outcomes: libbenchmark's
 * "<function>/<args>" with args as it formats them ("size:64/n:2"). */
static std::string outcome_key(const std::string &function, const std::string &args)
{
    return args.empty() ? function : function + "/" + args;
}

void cbench_state::fail(const std::string &message, cbench_status status)
{
    if (failed())
        return;                      /* libbenchmark keeps the first message */
    outcome = {status, message};
    /* libbenchmark drops the user counters of a failed run: what was counted
     * so far (a correctness count that made the run fail, say) goes into the
     * label as tags, which results.csv turns into the same columns */
    for (const auto &c : gs.counters) {
        char value[64];
        std::snprintf(value, sizeof value, "%.17g", c.second.value);
        tags.emplace_back(c.first, value);
    }
    /* libbenchmark 1.7 knows errors only: a skip shows as one on its console and in gbench.json */
    std::string shown = status == CBENCH_SKIPPED ? "skipped: " + message : message;
    gs.SkipWithError(shown.c_str());   /* stops the timer */
    user_paused = false;
    stop_self_counters(false);
}

void cbench_state::add_events(const double *values)
{
    std::lock_guard<std::mutex> lock(sums_mutex);
    for (size_t i = 0; i < event_sums.size(); i++) {
        if (std::isnan(values[i]))
            continue;
        event_sums[i] = std::isnan(event_sums[i]) ? values[i] : event_sums[i] + values[i];
    }
}

void cbench_state::start_self_counters()
{
    if (self_counting && !event_sums.empty())
        self = counters_thread_start();
}

/* Stop this thread's counters; keep the values unless the run failed.  The
 * timer is paused around the PAPI read so its cost is not timed. */
void cbench_state::stop_self_counters(bool keep)
{
    if (!self)
        return;
    bool pause = phase == RUNNING && !failed() && !user_paused;
    if (pause)
        gs.PauseTiming();
    std::vector<double> values(event_sums.size(), NAN);
    counters_thread_stop(self, values.data());
    self = nullptr;
    if (pause)
        gs.ResumeTiming();
    if (keep)
        add_events(values.data());
}

/* Drive KeepRunningBatch() to its end (FinishKeepRunning): it returns false
 * at once when the batch was consumed or the run failed. */
void cbench_state::complete_loop()
{
    if (phase == DONE)
        return;
    if (user_paused && !failed())
        gs.ResumeTiming();
    user_paused = false;
    while (gs.KeepRunningBatch(gs.max_iterations)) {
    }
    phase = DONE;
}

/* After the C function returned: finish whatever it left open. */
void cbench_state::end_of_function()
{
    if (phase == BEFORE && !failed())
        fail("error: " + bench->name + " returned without running its loop (cbench_next_batch)");
    if (phase == RUNNING)
        stop_self_counters(!failed());
    complete_loop();
    publish();
    record();
}

/* Queue how a failed run ended for the reporter, under its instance key. */
void cbench_state::record() const
{
    if (!failed())
        return;
    std::string args;
    for (size_t i = 0; i < bench->arg_width; i++) {
        if (i)
            args += "/";
        if (i < bench->arg_names.size() && !bench->arg_names[i].empty())
            args += bench->arg_names[i] + ":";
        args += std::to_string(gs.range(i));
    }
    registry().outcomes[outcome_key(bench->name, args)].push_back(outcome);
}

/* Event counters per iteration, derived metrics, and the tags as label. */
void cbench_state::publish()
{
    if (!failed()) {
        for (size_t i = 0; i < event_sums.size(); i++)
            if (!std::isnan(event_sums[i]))
                gs.counters[counters_event_column((int)i)] =
                    benchmark::Counter(event_sums[i], benchmark::Counter::kAvgIterations);
        for (int d = 0; !event_sums.empty() && d < counters_derived_count(); d++) {
            double v = counters_derived_value(d, event_sums.data());
            if (!std::isnan(v))
                gs.counters[counters_derived_column(d)] = benchmark::Counter(v);
        }
    }
    std::string label;
    for (const auto &kv : tags)
        label += (label.empty() ? "" : ";") + kv.first + "=" + kv.second;
    if (!label.empty())
        gs.SetLabel(label);
}

namespace {

void run_trampoline(benchmark::State &gs, cbench_bench *b)
{
    cbench_state st(gs, b);
    if (stop_flag.load())
        st.fail("interrupted");
    else
        b->fn(&st);
    st.end_of_function();
}

/* The native C++ twin of the harness family's C loop; aligned like it (see
 * benches/harness.c) so that code placement does not decide the comparison. */
__attribute__((aligned(64))) void native_overhead_loop(benchmark::State &gs)
{
    if (stop_flag.load())
        gs.SkipWithError("interrupted");   /* the loop below then runs no iteration */
    for (auto _ : gs) {  // NOLINT(clang-analyzer-deadcode.DeadStores): libbenchmark's loop idiom
        int x = 1;
        benchmark::DoNotOptimize(x);
    }
}

}  // namespace

/* ---- registration ---- */

extern "C" cbench_bench *cbench_register(const char *name, cbench_fn fn, void *user)
{
    if (!name || !fn || !name_selected(name))
        return nullptr;
    cbench_bench *b = registry_add(name, fn, user);
    b->gb = benchmark::RegisterBenchmark(name, [b](benchmark::State &gs) { run_trampoline(gs, b); });
    return b;
}

extern "C" cbench_bench *cbench_register_native_overhead(const char *name)
{
    if (!name || !name_selected(name))
        return nullptr;
    cbench_bench *b = registry_add(name, nullptr, nullptr);
    b->gb = benchmark::RegisterBenchmark(name, native_overhead_loop);
    return b;
}

extern "C" void cbench_args(cbench_bench *b, const int64_t *values, int n)
{
    if (!b || !values || n <= 0)
        return;
    b->gb->Args(std::vector<int64_t>(values, values + n));
    b->arg_tuples++;
    b->arg_width = (size_t)n;
}

extern "C" void cbench_arg(cbench_bench *b, int64_t value)
{
    cbench_args(b, &value, 1);
}

extern "C" void cbench_arg_names(cbench_bench *b, const char *const *names, int n)
{
    if (!b || !names || n <= 0)
        return;
    b->gb->ArgNames(std::vector<std::string>(names, names + n));
    b->arg_names.assign(names, names + n);
}

extern "C" void cbench_range_mult(cbench_bench *b, int64_t lo, int64_t hi, int mult)
{
    if (!b)
        return;
    if (lo < 0 || lo > hi || mult < 2) {
        std::fprintf(stderr, "memprobe: %s: cbench_range_mult(%lld, %lld, %d): need 0 <= lo <= hi and mult >= 2\n",
                     b->name.c_str(), (long long)lo, (long long)hi, mult);
        std::abort();
    }
    for (int64_t v : benchmark::CreateRange(lo, hi, mult))
        cbench_arg(b, v);
}

extern "C" void cbench_use_manual_time(cbench_bench *b)
{
    if (b) {
        b->gb->UseManualTime();
        registry().manual_time.insert(b->name);
    }
}

extern "C" void cbench_iterations(cbench_bench *b, int64_t n)
{
    if (b && n > 0)
        b->gb->Iterations(n);
}

extern "C" void cbench_min_time(cbench_bench *b, double seconds)
{
    if (b && seconds > 0)
        b->gb->MinTime(seconds);
}

extern "C" void cbench_repetitions(cbench_bench *b, int n)
{
    if (!b || n <= 0)
        return;
    b->gb->Repetitions(n);
    b->repetitions = n;
}

extern "C" void cbench_unit(cbench_bench *b, enum cbench_unit unit)
{
    static const benchmark::TimeUnit units[] = {benchmark::kNanosecond, benchmark::kMicrosecond,
                                                benchmark::kMillisecond, benchmark::kSecond};
    if (b && unit >= CBENCH_NS && unit <= CBENCH_S)
        b->gb->Unit(units[unit]);
}

/* ---- inside a running benchmark ---- */

extern "C" int64_t cbench_next_batch(cbench_state *st)
{
    switch (st->phase) {
    case cbench_state::BEFORE:
        if (!st->failed() && stop_flag.load())
            st->fail("interrupted");
        if (st->failed()) {
            st->complete_loop();
            return 0;
        }
        st->start_self_counters();
        st->phase = cbench_state::RUNNING;
        if (st->gs.KeepRunningBatch(st->gs.max_iterations))
            return st->gs.max_iterations;
        st->phase = cbench_state::DONE;   /* not reached: the run has not failed */
        return 0;
    case cbench_state::RUNNING:
        st->stop_self_counters(!st->failed());
        st->complete_loop();
        return 0;
    case cbench_state::DONE:
        break;
    }
    return 0;
}

extern "C" int64_t cbench_range(const cbench_state *st, int i)
{
    return st->gs.range((size_t)i);
}

extern "C" int64_t cbench_max_iterations(const cbench_state *st)
{
    return st->gs.max_iterations;
}

extern "C" void *cbench_user(const cbench_state *st)
{
    return st->bench->user;
}

extern "C" const char *cbench_name(const cbench_state *st)
{
    return st->bench->name.c_str();
}

extern "C" void cbench_set_iteration_time(cbench_state *st, double seconds)
{
    st->gs.SetIterationTime(seconds);
}

extern "C" void cbench_set_bytes_processed(cbench_state *st, int64_t bytes)
{
    st->gs.SetBytesProcessed(bytes);
}

extern "C" void cbench_set_items_processed(cbench_state *st, int64_t items)
{
    st->gs.SetItemsProcessed(items);
}

extern "C" void cbench_counter(cbench_state *st, const char *name, double value, int flags)
{
    if (!name)
        return;
    int f = benchmark::Counter::kDefaults;
    if (flags & CBENCH_COUNTER_AVG_ITER)
        f |= benchmark::Counter::kAvgIterations;
    if (flags & CBENCH_COUNTER_RATE)
        f |= benchmark::Counter::kIsRate;
    st->gs.counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f));
}

extern "C" void cbench_tag(cbench_state *st, const char *key, const char *value)
{
    if (!key || !value)
        return;
    for (auto &kv : st->tags)
        if (kv.first == key) {
            kv.second = value;
            return;
        }
    st->tags.emplace_back(key, value);
}

extern "C" void cbench_skip(cbench_state *st, const char *message)
{
    st->fail(message ? message : "", CBENCH_SKIPPED);
}

extern "C" void cbench_error(cbench_state *st, const char *message)
{
    st->fail(message && *message ? message : "error");
}

extern "C" void cbench_pause_timing(cbench_state *st)
{
    if (st->phase != cbench_state::RUNNING || st->failed() || st->user_paused)
        return;
    st->gs.PauseTiming();
    st->user_paused = true;
}

extern "C" void cbench_resume_timing(cbench_state *st)
{
    if (!st->user_paused || st->failed())
        return;
    st->gs.ResumeTiming();
    st->user_paused = false;
}

extern "C" void cbench_add_thread_counters(cbench_state *st, const double *values)
{
    if (values)
        st->add_events(values);
}

extern "C" void cbench_no_self_counters(cbench_state *st)
{
    st->self_counting = false;
    if (st->self)   /* called inside the loop: drop what was counted */
        st->stop_self_counters(false);
}

/* ---- the run ---- */

namespace {

double per_iteration_ns(double adjusted, benchmark::TimeUnit unit)
{
    return adjusted / benchmark::GetTimeUnitMultiplier(unit) * 1e9;
}

/* The run's name without the settings libbenchmark appends (see the head
 * of this file); BenchmarkName is documented to be cleared field by field. */
void strip_run_settings(benchmark::BenchmarkName &name)
{
    name.min_time.clear();
    name.min_warmup_time.clear();
    name.iterations.clear();
    name.repetitions.clear();
    name.time_type.clear();
}

/* A line of --benchmark_list_tests output ("<function>/<args>/<settings>")
 * cut after the arguments of the registered benchmark it names. */
std::string stable_listed_name(const std::string &line)
{
    const cbench_bench *best = nullptr;
    for (const auto &b : registry().pending) {
        size_t n = b->name.size();
        bool names_it = line.compare(0, n, b->name) == 0 && (line.size() == n || line[n] == '/');
        if (names_it && (!best || n > best->name.size()))
            best = b.get();
    }
    if (!best)
        return line;
    size_t end = best->name.size();
    for (size_t i = 0; i < best->arg_width && end < line.size(); i++) {
        size_t next = line.find('/', end + 1);
        end = next == std::string::npos ? line.size() : next;
    }
    return line.substr(0, end);
}

/* Forwards every report, under its stable name, to the display and JSON
 * reporters, prints progress on stderr and hands each run to the C callback. */
class ForwardingReporter : public benchmark::BenchmarkReporter {
public:
    ForwardingReporter(benchmark::BenchmarkReporter *display, benchmark::BenchmarkReporter *json,
                       cbench_result_fn on_result, void *ctx, size_t planned)
        : display_(display), json_(json), on_result_(on_result), ctx_(ctx), planned_(planned) {}

    bool ReportContext(const Context &context) override
    {
        bool ok = display_->ReportContext(context);
        if (json_)
            json_->ReportContext(context);
        return ok;
    }

    void ReportRuns(const std::vector<Run> &reported) override
    {
        std::vector<Run> runs(reported);
        for (Run &run : runs)
            strip_run_settings(run.run_name);
        display_->ReportRuns(runs);
        if (json_)
            json_->ReportRuns(runs);
        print_progress(runs);
        for (const Run &run : runs)
            deliver(run);
    }

    void Finalize() override
    {
        display_->Finalize();
        if (json_)
            json_->Finalize();
    }

private:
    void print_progress(const std::vector<Run> &runs)
    {
        size_t iterations_rows = 0;
        for (const Run &run : runs)
            iterations_rows += run.run_type == Run::RT_Iteration;
        if (!iterations_rows)
            return;
        done_ += iterations_rows;
        if (done_ > planned_)
            planned_ = done_;
        const Run &first = runs.front();
        std::string name = first.run_name.function_name;
        if (!first.run_name.args.empty())
            name += "/" + first.run_name.args;
        std::fflush(stdout);
        std::fprintf(stderr, "[%zu/%zu] %s\n", done_, planned_, name.c_str());
    }

    /* How run ended: ok, or the oldest queued outcome of its instance (a
     * failure the C side did not cause, e.g. the native loop interrupted,
     * is an error with libbenchmark's text). */
    static Outcome outcome_of(const Run &run)
    {
        if (!run.error_occurred)
            return {CBENCH_OK, ""};
        auto &outcomes = registry().outcomes;
        auto queued = outcomes.find(outcome_key(run.run_name.function_name, run.run_name.args));
        if (queued == outcomes.end() || queued->second.empty())
            return {CBENCH_ERROR, run.error_message};
        Outcome o = queued->second.front();
        queued->second.pop_front();
        return o;
    }

    void deliver(const Run &run)
    {
        if (!on_result_)
            return;
        bool aggregate = run.run_type == Run::RT_Aggregate;
        std::string name = run.benchmark_name();
        std::vector<const char *> names;
        std::vector<double> values;
        for (const auto &c : run.counters) {
            names.push_back(c.first.c_str());
            values.push_back(c.second.value);
        }
        cbench_result r;
        r.name = name.c_str();
        r.function_name = run.run_name.function_name.c_str();
        r.args = run.run_name.args.c_str();
        r.aggregate = aggregate ? run.aggregate_name.c_str() : "";
        r.repetition_index = aggregate ? -1 : run.repetition_index;
        r.repetitions = run.repetitions;
        r.iterations = run.iterations;
        r.threads = run.threads;
        r.manual_time = registry().manual_time.count(run.run_name.function_name) > 0;
        if (run.error_occurred) {
            r.real_ns = r.cpu_ns = NAN;
        } else if (aggregate && run.aggregate_unit == benchmark::kPercentage) {
            r.real_ns = run.real_accumulated_time;   /* a ratio (cv), not a time */
            r.cpu_ns = run.cpu_accumulated_time;
        } else {
            r.real_ns = per_iteration_ns(run.GetAdjustedRealTime(), run.time_unit);
            r.cpu_ns = per_iteration_ns(run.GetAdjustedCPUTime(), run.time_unit);
        }
        r.label = run.report_label.c_str();
        Outcome outcome = outcome_of(run);
        r.status = outcome.status;
        r.message = outcome.message.c_str();
        r.n_counters = (int)names.size();
        r.counter_names = names.data();
        r.counter_values = values.data();
        on_result_(&r, ctx_);
    }

    benchmark::BenchmarkReporter *display_;
    benchmark::BenchmarkReporter *json_;
    cbench_result_fn on_result_;
    void *ctx_;
    size_t planned_;
    size_t done_ = 0;
};

}  // namespace

extern "C" int cbench_init(int argc, char **argv)
{
    if (argc < 1 || !argv)
        return argc;
    /* libbenchmark keeps argv[0] (the executable name it prints in its
     * context) for the life of the process; the caller's argv may not live
     * that long, so it gets a copy that does. */
    static std::string program;
    char *caller0 = argv[0];
    program = argv[0] ? argv[0] : "memprobe";
    argv[0] = program.data();
    benchmark::Initialize(&argc, argv);
    argv[0] = caller0;
    return argc;
}

extern "C" size_t cbench_run(const char *json_path, cbench_result_fn on_result, void *ctx)
{
    std::ofstream json_file;
    std::unique_ptr<benchmark::JSONReporter> json;
    if (json_path) {
        json_file.open(json_path);
        if (json_file.is_open()) {
            json = std::make_unique<benchmark::JSONReporter>();
            json->SetOutputStream(&json_file);
            json->SetErrorStream(&json_file);
        } else {
            std::fprintf(stderr, "memprobe: cannot write %s: %s\n", json_path, std::strerror(errno));
        }
    }
    /* libbenchmark's own display reporter: a process-wide object it keeps. */
    benchmark::BenchmarkReporter *display = benchmark::CreateDefaultDisplayReporter();
    ForwardingReporter forward(display, json.get(), on_result, ctx, pending_runs());
    registry().outcomes.clear();
    std::ostringstream listed;   /* --benchmark_list_tests prints into the reporter's stream */
    forward.SetOutputStream(&listed);
    size_t n = benchmark::RunSpecifiedBenchmarks(&forward);
    if (benchmark::FLAGS_benchmark_list_tests) {
        std::istringstream lines(listed.str());
        for (std::string line; std::getline(lines, line);)
            std::printf("%s\n", stable_listed_name(line).c_str());
    }
    if (json) {
        json_file.close();
        if (json_file.fail()) {
            /* a truncated JSON file must not be renamed into place: drop it */
            std::fprintf(stderr, "memprobe: cannot write %s (disk full or file too large?); not kept\n", json_path);
            std::remove(json_path);
        }
    }
    /* The registrations are consumed: a later cbench_run runs only new ones. */
    Registry &reg = registry();
    reg.instances_run += pending_instances();
    benchmark::ClearRegisteredBenchmarks();
    reg.pending.clear();
    return n;
}

extern "C" size_t cbench_selected_count(void)
{
    /* libbenchmark's listing mode applies --benchmark_filter to the
     * registered instances and runs nothing; its output (and any error about
     * the regex) goes into a string, and --benchmark_out is set aside so
     * that no file is opened. */
    const bool list = benchmark::FLAGS_benchmark_list_tests;
    const std::string out = benchmark::FLAGS_benchmark_out;
    benchmark::FLAGS_benchmark_list_tests = true;
    benchmark::FLAGS_benchmark_out.clear();
    std::ostringstream sink;
    benchmark::ConsoleReporter quiet;
    quiet.SetOutputStream(&sink);
    quiet.SetErrorStream(&sink);
    size_t n = benchmark::RunSpecifiedBenchmarks(&quiet);
    benchmark::FLAGS_benchmark_list_tests = list;
    benchmark::FLAGS_benchmark_out = out;
    return n;
}

extern "C" void cbench_set_filter(const void *compiled_regex)
{
    registry().filter = static_cast<const regex_t *>(compiled_regex);
}

extern "C" size_t cbench_registered_count(void)
{
    return registry().instances_run + pending_instances();
}

extern "C" void cbench_request_stop(void)
{
    stop_flag.store(1);
}

extern "C" int cbench_stop_requested(void)
{
    return stop_flag.load();
}

extern "C" int cbench_library_is_debug(void)
{
    static const bool debug = [] {
        std::ostringstream out;
        benchmark::BenchmarkReporter::Context context;
        benchmark::BenchmarkReporter::PrintBasicContext(&out, context);
        return out.str().find("Library was built as DEBUG") != std::string::npos;
    }();
    return debug;
}

extern "C" const char *cbench_library_version(void)
{
    return MEMPROBE_BENCHMARK_VERSION;
}
