/*
 * fuzz_machine_json.c — libFuzzer target for the machine.json reader:
 * runfolder_open over a folder holding a fixed, valid results.csv and the
 * fuzzer's bytes as machine.json, then every question the report and compare
 * ask of it (top-level values, CPU count, counter states, warnings).
 * Invariants: a malformed machine.json is refused with a message naming it;
 * an accepted one answers every question without crashing.
 */
#include "fuzzutil.h"
#include "analysis/runfolder.h"

static const char results_csv[] =
    "family,benchmark,variant,threads,cpus,pair_class,run_type,real_ns,cycles,page_faults,status,message\n"
    "c2c,c2c/pingpong,pingpong,2,\"0,1\",llc,iteration,50,,3,ok,\n"
    "alloc,alloc/heap,heap,1,,,iteration,20,,,ok,\n";

static const char *const keys[] = {
    "host", "cpu_model", "cpu_vendor", "cores", "pus", "numa_nodes", "allowed_cpus", "governor",
    "boost", "smt", "hypervisor", "kernel", "hardware_counters", "completed", "counters", "warnings", "",
};
static const char *const columns[] = {"cycles", "instructions", "page_faults", "llc_misses", "", "nope"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_write_file(fuzz_scratch_dir(), "results.csv", results_csv, sizeof results_csv - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_scratch_dir();
    fuzz_write_file(dir, "machine.json", data, size);
    char err[1024] = "";
    runfolder *r = runfolder_open(dir, err, sizeof err);
    if (!r) {
        FUZZ_CHECK(strstr(err, "machine.json") != NULL, "refusal does not name machine.json: %s", err);
        return 0;
    }
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        (void)runfolder_machine_get(r, keys[i]);
    int cpus = runfolder_cpu_count(r);
    FUZZ_CHECK(cpus >= -1, "cpu count %d", cpus);
    for (size_t i = 0; i < sizeof columns / sizeof *columns; i++) {
        const char *reason = NULL;
        int state = runfolder_counter_state(r, columns[i], &reason);
        FUZZ_CHECK(state >= -1 && state <= 1, "counter state %d", state);
        FUZZ_CHECK(state != 0 || reason != NULL, "unavailable counter %s without a reason", columns[i]);
    }
    for (size_t i = 0; i < runfolder_warning_count(r); i++)
        FUZZ_CHECK(runfolder_warning(r, i) != NULL, "warning %zu missing", i);
    runfolder_free(r);
    return 0;
}
