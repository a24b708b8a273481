/*
 * sysinfo.c — the machine fingerprint (machine.json) and the warnings an
 * experimenter needs before trusting a timing.
 *
 * Everything is collected once into a json-c object (the same object answers
 * sysinfo_get and becomes machine.json), from /proc, /sys, uname, hwloc (via
 * the run's topo), PAPI and the build's macros.  Unknown values are JSON
 * null or "unknown", never invented.  Warnings are decided at collection
 * time, so the console summary and the report show the same list.
 */
#include "memprobe/sysinfo.h"

#include <ctype.h>
#include <gc.h>
#include <math.h>
#include <gnu/libc-version.h>
#include <json-c/json.h>
#include <papi.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "memprobe/caches.h"
#include "memprobe/cbench.h"
#include "memprobe/counters.h"
#include "memprobe/output.h"
#include "memprobe/pages.h"
#include "memprobe/procfs.h"

#ifndef MEMPROBE_VERSION
#define MEMPROBE_VERSION "unknown"
#endif
#ifndef MEMPROBE_GIT_REV
#define MEMPROBE_GIT_REV "unknown"
#endif
#ifndef MEMPROBE_CC
#define MEMPROBE_CC "unknown"
#endif
#ifndef MEMPROBE_CFLAGS
#define MEMPROBE_CFLAGS "unknown"
#endif
#ifndef MEMPROBE_BENCH_FLAGS
#define MEMPROBE_BENCH_FLAGS "unknown"
#endif
#ifndef MEMPROBE_BENCH_HARDENING
#define MEMPROBE_BENCH_HARDENING ""
#endif
#ifndef MEMPROBE_HARNESS_HARDENING
#define MEMPROBE_HARNESS_HARDENING ""
#endif
#ifndef MEMPROBE_BENCHMARK_VERSION
#define MEMPROBE_BENCHMARK_VERSION "unknown"
#endif

#define SYSINFO_MAX_WARNINGS 64

struct sysinfo {
    json_object *root;
    char *warnings[SYSINFO_MAX_WARNINGS];
    int n_warnings;
    int caches_warning;      /* index of the caches warning, -1 when none */
    unsigned long long hwloc_llc;
    char host[256];
};

/* ---------- reading the system ---------- */

/* The value of the first "key : value" line of /proc/cpuinfo, or -1. */
static int cpuinfo_field(const char *key, char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    char line[4096];
    int found = -1;
    size_t klen = strlen(key);
    while (found < 0 && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0 || (line[klen] != '\t' && line[klen] != ' ' && line[klen] != ':'))
            continue;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        colon++;
        while (*colon == ' ')
            colon++;
        snprintf(buf, len, "%s", colon);
        procfs_trim(buf);
        found = 0;
    }
    fclose(f);
    return found;
}

/* 1 when /proc/cpuinfo's flags list holds flag. */
static int cpuinfo_has_flag(const char *flag)
{
    char flags[4096];
    if (cpuinfo_field("flags", flags, sizeof flags) < 0)
        return 0;
    size_t n = strlen(flag);
    for (char *p = flags; (p = strstr(p, flag)) != NULL; p += n)
        if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

static void utc_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* PAPI's view of the hardware, only when the counters started PAPI (it is
 * not started for this alone). */
static const PAPI_hw_info_t *papi_hw(void)
{
    return counters_papi_started() ? PAPI_get_hardware_info() : NULL;
}

static int first_allowed_cpu(const topo *t)
{
    return t && topo_pu_count(t) > 0 ? topo_pu(t, 0) : 0;
}

static void cpufreq_path(const topo *t, const char *file, char *buf, size_t len)
{
    snprintf(buf, len, "/sys/devices/system/cpu/cpu%d/cpufreq/%s", first_allowed_cpu(t), file);
}

/* ---------- json helpers ---------- */

static void put_str(json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

static void put_int(json_object *o, const char *key, long long value)
{
    json_object_object_add(o, key, json_object_new_int64(value));
}

static void put_bool(json_object *o, const char *key, int value)
{
    json_object_object_add(o, key, json_object_new_boolean(value != 0));
}

/* A string from /proc/cpuinfo, else fallback (may be NULL -> "unknown"). */
static void put_cpuinfo_str(json_object *o, const char *key, const char *field, const char *fallback)
{
    char buf[512];
    if (cpuinfo_field(field, buf, sizeof buf) == 0 && buf[0])
        put_str(o, key, buf);
    else
        put_str(o, key, fallback && fallback[0] ? fallback : "unknown");
}

/* A number from /proc/cpuinfo (decimal or 0x hex), else fallback (<0: null). */
static void put_cpuinfo_int(json_object *o, const char *key, const char *field, long fallback)
{
    char buf[64], *end;
    if (cpuinfo_field(field, buf, sizeof buf) == 0) {
        long v = strtol(buf, &end, 0);
        if (end != buf) {
            put_int(o, key, v);
            return;
        }
    }
    json_object_object_add(o, key, fallback >= 0 ? json_object_new_int64(fallback) : NULL);
}

/* ARM's /proc/cpuinfo has no "model name": name the core from its
 * implementer and part numbers.  0, or -1 when those fields are absent. */
static int cpuinfo_arm_model(char *buf, size_t len)
{
    static const struct { unsigned long implementer, part; const char *name; } cores[] = {
        {0x41, 0xd03, "ARM Cortex-A53"}, {0x41, 0xd07, "ARM Cortex-A57"}, {0x41, 0xd08, "ARM Cortex-A72"},
        {0x41, 0xd0b, "ARM Cortex-A76"}, {0x41, 0xd0c, "ARM Neoverse-N1"}, {0x41, 0xd40, "ARM Neoverse-V1"},
        {0x41, 0xd49, "ARM Neoverse-N2"}, {0x41, 0xd4f, "ARM Neoverse-V2"},
    };
    char impl[32], part[32];
    if (cpuinfo_field("CPU implementer", impl, sizeof impl) != 0 || cpuinfo_field("CPU part", part, sizeof part) != 0)
        return -1;
    unsigned long i = strtoul(impl, NULL, 0), p = strtoul(part, NULL, 0);
    for (size_t k = 0; k < sizeof cores / sizeof cores[0]; k++)
        if (cores[k].implementer == i && cores[k].part == p) {
            snprintf(buf, len, "%s", cores[k].name);
            return 0;
        }
    snprintf(buf, len, "ARM implementer 0x%lx part 0x%lx", i, p);
    return 0;
}

/* ---------- the fingerprint, section by section ---------- */

static void collect_cpu_identity(json_object *root)
{
    const PAPI_hw_info_t *hw = papi_hw();
    put_cpuinfo_str(root, "cpu_vendor", "vendor_id", hw ? hw->vendor_string : NULL);
    char arm[96];
    const char *model_fallback = cpuinfo_arm_model(arm, sizeof arm) == 0 ? arm : hw ? hw->model_string : NULL;
    put_cpuinfo_str(root, "cpu_model", "model name", model_fallback);
    put_cpuinfo_int(root, "cpu_family", "cpu family", hw ? hw->cpuid_family : -1);
    put_cpuinfo_int(root, "cpu_model_number", "model", hw ? hw->cpuid_model : -1);
    put_cpuinfo_int(root, "cpu_stepping", "stepping", hw ? hw->cpuid_stepping : -1);
    char mc[64];
    if (cpuinfo_field("microcode", mc, sizeof mc) == 0 ||
        procfs_read_line("/sys/devices/system/cpu/cpu0/microcode/version", mc, sizeof mc) == 0)
        put_str(root, "microcode", mc);
    else
        put_str(root, "microcode", "unknown");
}

static int count_type(const topo *t, hwloc_obj_type_t type)
{
    return t ? hwloc_get_nbobjs_by_type(topo_hwloc(t), type) : 0;
}

static void collect_topology(json_object *root, const topo *t)
{
    put_int(root, "packages", count_type(t, HWLOC_OBJ_PACKAGE));
    put_int(root, "cores", count_type(t, HWLOC_OBJ_CORE));
    put_int(root, "pus", count_type(t, HWLOC_OBJ_PU));
    put_int(root, "numa_nodes", count_type(t, HWLOC_OBJ_NUMANODE));
    long smt_active = 0;
    int smt = t ? topo_has_smt(t) : procfs_read_long("/sys/devices/system/cpu/smt/active", &smt_active) == 0 && smt_active;
    put_str(root, "smt", smt ? "on" : "off");

    json_object *caches = json_object_new_array();
    static const hwloc_obj_type_t levels[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
                                              HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};
    for (int i = 0; t && i < (int)(sizeof levels / sizeof levels[0]); i++) {
        hwloc_obj_t c = hwloc_get_obj_by_type(topo_hwloc(t), levels[i], 0);
        if (!c || !c->attr)
            continue;
        json_object *e = json_object_new_object();
        put_int(e, "level", (long long)c->attr->cache.depth);
        put_str(e, "type", c->attr->cache.type == HWLOC_OBJ_CACHE_UNIFIED ? "unified" : "data");
        put_int(e, "size_bytes", (long long)c->attr->cache.size);
        put_int(e, "line_bytes", c->attr->cache.linesize);
        put_int(e, "shared_by_pus", hwloc_bitmap_weight(c->cpuset));
        put_int(e, "count", hwloc_get_nbobjs_by_type(topo_hwloc(t), levels[i]));
        json_object_array_add(caches, e);
    }
    json_object_object_add(root, "caches", caches);
    put_str(root, "caches_source", "hwloc");

    char cpus[1024] = "unknown";
    if (t)
        topo_format_cpulist(topo_allowed(t), cpus, sizeof cpus);
    put_str(root, "allowed_cpus", cpus);
}

/* MHz from a cpufreq file in kHz, or -1. */
static long cpufreq_mhz(const topo *t, const char *file)
{
    char path[256];
    long khz;
    cpufreq_path(t, file, path, sizeof path);
    return procfs_read_long(path, &khz) == 0 && khz > 0 ? khz / 1000 : -1;
}

static void put_mhz(json_object *root, const char *key, long mhz)
{
    json_object_object_add(root, key, mhz > 0 ? json_object_new_int64(mhz) : NULL);
}

/* "on", "off" or "unknown", from the knobs the kernel offers. */
static const char *boost_state(const topo *t)
{
    long v;
    char path[256];
    if (procfs_read_long("/sys/devices/system/cpu/cpufreq/boost", &v) == 0)
        return v ? "on" : "off";
    if (procfs_read_long("/sys/devices/system/cpu/intel_pstate/no_turbo", &v) == 0)
        return v ? "off" : "on";
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpufreq/policy%d/boost", first_allowed_cpu(t));
    if (procfs_read_long(path, &v) == 0)
        return v ? "on" : "off";
    return "unknown";
}

static void collect_frequency(json_object *root, const topo *t)
{
    long base = cpufreq_mhz(t, "base_frequency");
    char path[256], mhz[64];
    cpufreq_path(t, "", path, sizeof path);
    if (base < 0 && access(path, F_OK) != 0 && cpuinfo_field("cpu MHz", mhz, sizeof mhz) == 0)
        base = strtol(mhz, NULL, 10);   /* no cpufreq driver: the fixed clock the kernel reports */
    long max = cpufreq_mhz(t, "cpuinfo_max_freq");
    const PAPI_hw_info_t *hw = papi_hw();
    if (max < 0 && hw && hw->cpu_max_mhz > 0)
        max = hw->cpu_max_mhz;
    put_mhz(root, "base_mhz", base);
    put_mhz(root, "max_mhz", max);

    char gov[64];
    cpufreq_path(t, "scaling_governor", path, sizeof path);
    put_str(root, "governor", procfs_read_line(path, gov, sizeof gov) == 0 && gov[0] ? gov : "unknown");
    put_str(root, "boost", boost_state(t));
}

/* A readable name for a CPUID hypervisor signature. */
static const char *hypervisor_name(const char *signature)
{
    static const char *const names[][2] = {
        {"KVMKVMKVM", "kvm"},       {"Microsoft Hv", "hyperv"}, {"VMwareVMware", "vmware"},
        {"XenVMMXenVMM", "xen"},    {"TCGTCGTCGTCG", "qemu-tcg"}, {"bhyve bhyve", "bhyve"},
        {"ACRNACRNACRN", "acrn"},   {"QNXQVMBSQG", "qnx"},      {" lrpepyh  vr", "parallels"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strncmp(signature, names[i][0], strlen(names[i][0])) == 0)
            return names[i][1];
    return signature;
}

static void lower_word(char *s)
{
    procfs_trim(s);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

/* The kernel's own "Hypervisor detected: NAME" boot line (needs the kernel
 * log to be readable: root, or kernel.dmesg_restrict=0).  0, or -1. */
static int hypervisor_from_kernel_log(char *buf, size_t len)
{
    int size = klogctl(10, NULL, 0);   /* SYSLOG_ACTION_SIZE_BUFFER */
    if (size <= 0)
        return -1;
    char *log = malloc((size_t)size + 1);
    if (!log)
        return -1;
    int got = klogctl(3, log, size);   /* SYSLOG_ACTION_READ_ALL: does not consume */
    int found = -1;
    if (got > 0) {
        log[got] = '\0';
        const char *key = "Hypervisor detected: ";
        const char *p = strstr(log, key);
        if (p) {
            p += strlen(key);
            snprintf(buf, len, "%.*s", (int)strcspn(p, "\r\n"), p);
            lower_word(buf);
            found = buf[0] ? 0 : -1;
        }
    }
    free(log);
    return found;
}

/* The hypervisor's CPUID leaf 0x40000000 signature, read directly. 0, or -1. */
static int hypervisor_from_cpuid(char *buf, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    __cpuid(0x40000000, a, b, c, d);
    (void)a;
    char sig[13];
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    sig[12] = '\0';
    if (!sig[0])
        return -1;
    snprintf(buf, len, "%s", hypervisor_name(sig));
    procfs_trim(buf);
    return 0;
#else
    (void)buf;
    (void)len;
    return -1;
#endif
}

/* systemd-detect-virt --vm, when it is installed.  0, or -1 ("none" too). */
static int hypervisor_from_systemd(char *buf, size_t len)
{
    if (access("/usr/bin/systemd-detect-virt", X_OK) != 0 && access("/bin/systemd-detect-virt", X_OK) != 0)
        return -1;
    FILE *p = popen("systemd-detect-virt --vm 2>/dev/null", "r");
    if (!p)
        return -1;
    int ok = fgets(buf, (int)len, p) != NULL;
    pclose(p);
    if (!ok)
        return -1;
    lower_word(buf);
    return buf[0] && strcmp(buf, "none") != 0 ? 0 : -1;
}

static struct {
    pthread_once_t once;
    char name[64], source[64], cpuid[64];
} hypervisor = {.once = PTHREAD_ONCE_INIT};

/* The kernel's word first: /sys/hypervisor/type, its boot log line, then
 * the CPUID signature when /proc/cpuinfo flags a hypervisor, then
 * systemd-detect-virt. */
static void hypervisor_detect(void)
{
    char *name = hypervisor.name;
    size_t len = sizeof hypervisor.name;
    const char *source;
    int flagged = cpuinfo_has_flag("hypervisor");
#if defined(__x86_64__) || defined(__i386__)
    int maybe = flagged;   /* every x86 hypervisor sets the flag */
#else
    int maybe = 1;
#endif
    if (!flagged || hypervisor_from_cpuid(hypervisor.cpuid, sizeof hypervisor.cpuid) != 0)
        hypervisor.cpuid[0] = '\0';
    if (procfs_read_line("/sys/hypervisor/type", name, len) == 0 && name[0]) {
        source = "/sys/hypervisor/type";
    } else if (maybe && hypervisor_from_kernel_log(name, len) == 0) {
        source = "the kernel log";
    } else if (hypervisor.cpuid[0]) {
        snprintf(name, len, "%s", hypervisor.cpuid);
        source = "CPUID 0x40000000";
    } else if (maybe && hypervisor_from_systemd(name, len) == 0) {
        source = "systemd-detect-virt";
    } else {
        snprintf(name, len, "%s", flagged ? "unknown" : "none");
        source = flagged ? "/proc/cpuinfo's hypervisor flag" : "no hypervisor flag or signature";
    }
    lower_word(name);
    snprintf(hypervisor.source, sizeof hypervisor.source, "%s", source);
}

const char *sysinfo_hypervisor(const char **source)
{
    pthread_once(&hypervisor.once, hypervisor_detect);
    if (source)
        *source = hypervisor.source;
    return hypervisor.name;
}

static void collect_hypervisor(json_object *root)
{
    const char *source;
    const char *name = sysinfo_hypervisor(&source);
    put_str(root, "hypervisor", name);
    put_str(root, "hypervisor_source", source);
    /* the other views, as second fields, where they say something else */
    if (hypervisor.cpuid[0] && strcmp(hypervisor.cpuid, name) != 0)
        put_str(root, "hypervisor_cpuid", hypervisor.cpuid);
    const PAPI_hw_info_t *hw = papi_hw();
    if (hw && hw->virtualized && hw->virtual_vendor_string[0]) {
        char papi_view[PAPI_MAX_STR_LEN];
        snprintf(papi_view, sizeof papi_view, "%s", hypervisor_name(hw->virtual_vendor_string));
        procfs_trim(papi_view);
        if (strcmp(papi_view, name) != 0)
            put_str(root, "hypervisor_papi", papi_view);
    }
}

static void format_version(char *buf, size_t len, unsigned major, unsigned minor, unsigned micro)
{
    snprintf(buf, len, "%u.%u.%u", major, minor, micro);
}

static void collect_software(json_object *root)
{
    struct utsname u;
    char buf[512];
    if (uname(&u) == 0) {
        snprintf(buf, sizeof buf, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
        put_str(root, "kernel", buf);
        put_str(root, "arch", u.machine);
    } else {
        put_str(root, "kernel", "unknown");
        put_str(root, "arch", "unknown");
    }
    put_str(root, "glibc", gnu_get_libc_version());
    put_str(root, "compiler", MEMPROBE_CC);
    snprintf(buf, sizeof buf, "%s", MEMPROBE_CFLAGS);
    procfs_trim(buf);
    put_str(root, "cflags", buf);

    json_object *libs = json_object_new_object();
    int pv = PAPI_is_initialized() ? PAPI_get_opt(PAPI_LIB_VERSION, NULL) : (int)PAPI_VER_CURRENT;
    snprintf(buf, sizeof buf, "%d.%d.%d.%d", PAPI_VERSION_MAJOR(pv), PAPI_VERSION_MINOR(pv),
             PAPI_VERSION_REVISION(pv), PAPI_VERSION_INCREMENT(pv));
    put_str(libs, "papi", buf);
    put_str(libs, "hwloc", HWLOC_VERSION);   /* the release (the runtime only reports its API level) */
    put_str(libs, "benchmark", MEMPROBE_BENCHMARK_VERSION);
    put_bool(libs, "benchmark_debug_build", cbench_library_is_debug());
    unsigned gv = GC_get_version();
    format_version(buf, sizeof buf, gv >> 16, (gv >> 8) & 0xff, gv & 0xff);
    put_str(libs, "libgc", buf);
    put_str(libs, "json-c", json_c_version());
    json_object_object_add(root, "libraries", libs);
}

static void collect_counters(json_object *root)
{
    long paranoid;
    if (procfs_read_long("/proc/sys/kernel/perf_event_paranoid", &paranoid) == 0)
        put_int(root, "perf_event_paranoid", paranoid);
    else
        json_object_object_add(root, "perf_event_paranoid", NULL);
    put_bool(root, "hardware_counters", counters_hardware_countable());
    put_str(root, "counters_backend", counters_backend_name());
    json_object *arr = json_object_new_array();
    for (int i = 0; i < counters_event_count(); i++) {
        json_object *e = json_object_new_object();
        put_str(e, "column", counters_event_column(i));
        put_str(e, "backend", counters_event_backend(i));   /* "papi", "perf" or null (not counted) */
        put_str(e, "papi_name", counters_event_papi_name(i));
        put_str(e, "kernel_event", counters_event_generic_name(i));
        put_bool(e, "available", counters_event_available(i));
        put_str(e, "reason", counters_event_reason(i));
        put_str(e, "papi_reason", counters_event_papi_reason(i));
        json_object_array_add(arr, e);
    }
    json_object_object_add(root, "counters", arr);
    const char *messages = counters_library_messages();
    if (messages[0])
        put_str(root, "library_messages", messages);
}

/* ---------- pages and build flags (self-contained: the page policy
 * families choose is read against these, and compare reads them) ---------- */

/* "pages": the base page, the THP settings (null without THP) and the free
 * hugetlbfs pages per size. */
static void collect_pages(json_object *root)
{
    json_object *o = json_object_new_object();
    char buf[64];
    put_int(o, "base_page_bytes", sysconf(_SC_PAGESIZE));
    static const char *const thp[] = {"enabled", "defrag"};
    for (size_t i = 0; i < sizeof thp / sizeof thp[0]; i++) {
        char key[32];
        snprintf(key, sizeof key, "thp_%s", thp[i]);
        if (pages_thp_setting(thp[i], buf, sizeof buf) == 0)
            put_str(o, key, buf);
        else
            json_object_object_add(o, key, NULL);
    }
    size_t pmd = pages_policy_bytes(PAGES_THP);
    if (pmd)
        put_int(o, "thp_page_bytes", (long long)pmd);
    else
        json_object_object_add(o, "thp_page_bytes", NULL);
    pages_hugetlb_pool pools[16];
    int n = pages_hugetlb_pools(pools, 16);
    json_object *arr = json_object_new_array();
    for (int i = 0; i < n; i++) {
        json_object *p = json_object_new_object();
        put_int(p, "page_bytes", (long long)pools[i].page_bytes);
        json_object_object_add(p, "total_pages",
                               pools[i].total_pages < 0 ? NULL : json_object_new_int64(pools[i].total_pages));
        json_object_object_add(p, "free_pages",
                               pools[i].free_pages < 0 ? NULL : json_object_new_int64(pools[i].free_pages));
        json_object_array_add(arr, p);
    }
    json_object_object_add(o, "hugetlb", arr);
    json_object_object_add(root, "pages", o);
}

/* The compiler's answers ("key=value key=value", scripts/cc-hardening.sh)
 * as string members of o; an empty answer (built outside the Makefile)
 * leaves them out. */
static void put_hardening(json_object *o, const char *words)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", words);
    char *save = NULL;
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        if (!eq)
            continue;
        *eq = '\0';
        put_str(o, w, eq + 1);
    }
}

/* "build_flags": the flags benches/ (the measured code, hardening pinned
 * off) and the harness were built with, and what the compiler applied. */
static void collect_build_flags(json_object *root)
{
    json_object *o = json_object_new_object(), *benches = json_object_new_object(),
                *harness = json_object_new_object();
    char buf[512];
    snprintf(buf, sizeof buf, "%s", MEMPROBE_BENCH_FLAGS);
    procfs_trim(buf);
    put_str(benches, "flags", buf);
    put_hardening(benches, MEMPROBE_BENCH_HARDENING);
    snprintf(buf, sizeof buf, "%s", MEMPROBE_CFLAGS);
    procfs_trim(buf);
    put_str(harness, "flags", buf);
    put_hardening(harness, MEMPROBE_HARNESS_HARDENING);
    json_object_object_add(o, "benches", benches);
    json_object_object_add(o, "harness", harness);
    json_object_object_add(root, "build_flags", o);
}

/* argv joined into one line, shell-quoted where needed. */
static char *command_line(int argc, char **argv)
{
    size_t cap = 1;
    for (int i = 0; i < argc; i++)
        cap += 4 * strlen(argv[i]) + 3;
    char *s = malloc(cap), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int quote = a[0] == '\0' || strpbrk(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!") != NULL;
        if (i)
            *p++ = ' ';
        if (quote)
            *p++ = '\'';
        for (; *a; a++) {
            if (quote && *a == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *a;
            }
        }
        if (quote)
            *p++ = '\'';
    }
    *p = '\0';
    return s;
}

static void collect_run(json_object *root, int argc, char **argv)
{
    put_str(root, "memprobe_version", MEMPROBE_VERSION);
    put_str(root, "git_revision", MEMPROBE_GIT_REV);
    char *cmd = command_line(argc, argv);
    put_str(root, "command_line", cmd ? cmd : "");
    free(cmd);
    char now[32];
    utc_now(now, sizeof now);
    put_str(root, "start_utc", now);
    json_object_object_add(root, "end_utc", NULL);
    put_bool(root, "completed", 0);
    double load[1];
    char text[32];
    if (getloadavg(load, 1) == 1 && snprintf(text, sizeof text, "%.2f", load[0]) > 0)
        json_object_object_add(root, "load_average", json_object_new_double_s(load[0], text));
    else
        json_object_object_add(root, "load_average", NULL);
    put_int(root, "online_cpus", sysconf(_SC_NPROCESSORS_ONLN));
    put_int(root, "ram_bytes", (long long)sysinfo_ram_bytes());
}

/* The effective levels (caches.h) with their source, beside hwloc's. */
static void collect_caches_inferred(json_object *root, const caches_levels *c)
{
    json_object *o = json_object_new_object(), *levels = json_object_new_array();
    put_str(o, "source", c->source);
    for (int i = 0; i < c->n; i++) {
        json_object *e = json_object_new_object();
        put_int(e, "level", i + 1);
        put_int(e, "size_bytes", (long long)c->level[i].bytes);
        json_object_object_add(e, "ns", isnan(c->level[i].ns) ? NULL : json_object_new_double(c->level[i].ns));
        json_object_array_add(levels, e);
    }
    json_object_object_add(o, "levels", levels);
    json_object_object_add(o, "memory_ns", isnan(c->memory_ns) ? NULL : json_object_new_double(c->memory_ns));
    put_str(o, "note", c->note[0] ? c->note : NULL);
    json_object_object_add(root, "caches_inferred", o);
}

/* ---------- warnings ---------- */

void sysinfo_add_warning(sysinfo *s, const char *fmt, ...)
{
    if (!s || s->n_warnings == SYSINFO_MAX_WARNINGS)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->warnings[s->n_warnings] = strdup(buf);
    if (s->warnings[s->n_warnings])
        s->n_warnings++;
}

/* The warning that hwloc's and the measured caches disagree; 1 when added. */
static int add_caches_warning(sysinfo *s, const char *text)
{
    int before = s->n_warnings;
    sysinfo_add_warning(s, "%s", text);
    if (s->n_warnings == before)
        return 0;
    s->caches_warning = before;
    return 1;
}

static const char *field(const sysinfo *s, const char *key)
{
    const char *v = sysinfo_get(s, key);
    return v ? v : "unknown";
}

/* Two allowed PUs on one core: "CPUs a and b share a core", else 0. */
static int smt_siblings_in_use(const topo *t, char *buf, size_t len)
{
    if (!t)
        return 0;
    hwloc_topology_t h = topo_hwloc(t);
    int cores = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_CORE), found = 0;
    hwloc_bitmap_t both = hwloc_bitmap_alloc();
    for (int i = 0; i < cores && !found; i++) {
        hwloc_obj_t core = hwloc_get_obj_by_type(h, HWLOC_OBJ_CORE, i);
        hwloc_bitmap_and(both, core->cpuset, topo_allowed(t));
        if (hwloc_bitmap_weight(both) >= 2) {
            int a = hwloc_bitmap_first(both);
            snprintf(buf, len, "CPUs %d and %d are SMT siblings of one core", a, hwloc_bitmap_next(both, a));
            found = 1;
        }
    }
    hwloc_bitmap_free(both);
    return found;
}

static void decide_warnings(sysinfo *s, const topo *t)
{
    const char *gov = field(s, "governor");
    if (strcmp(gov, "performance") != 0)
        sysinfo_add_warning(s, "frequency scaling not pinned (governor: %s); clock speed may vary between runs%s", gov,
                    strcmp(gov, "unknown") == 0 ? " (no cpufreq control visible here)"
                                                : "; fix: cpupower frequency-set -g performance");
    if (strcmp(field(s, "boost"), "on") == 0)
        sysinfo_add_warning(s, "boost/turbo is on: clock speed follows load and temperature; fix: echo 0 > "
                       "/sys/devices/system/cpu/cpufreq/boost (or 1 > .../intel_pstate/no_turbo)");
    const char *hyp = field(s, "hypervisor");
    if (strcmp(hyp, "none") != 0)
        sysinfo_add_warning(s, "running under a hypervisor (%s, from %s): vCPUs may share physical cores with other "
                       "guests; topology, caches and timings are the host's, seen through virtualisation, and pair "
                       "classes (smt, l2, llc, ...) describe the guest's topology as presented, not where the vCPUs "
                       "really run", hyp, field(s, "hypervisor_source"));
    if (!counters_hardware_countable())
        sysinfo_add_warning(s, "no hardware counters: cycles, instructions and cache-miss columns stay empty "
                       "(see `memprobe counters`)");
    double load[1];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (getloadavg(load, 1) == 1 && cpus > 0 && load[0] > 0.5 * (double)cpus)
        sysinfo_add_warning(s, "high load average %.2f on %ld CPUs: other work competes for cores and caches", load[0],
                    cpus);
    char sib[128];
    if (smt_siblings_in_use(t, sib, sizeof sib))
        sysinfo_add_warning(s, "SMT siblings in use: %s; pairs of them share one core's caches and pipelines "
                       "(use --cpus to allow one PU per core)", sib);
    s->caches_warning = -1;
    char caches[512];
    if (caches_disagreement(caches_inferred(), s->hwloc_llc, caches, sizeof caches))
        add_caches_warning(s, caches);
    if (cbench_library_is_debug())
        sysinfo_add_warning(s, "libbenchmark was built as DEBUG: the library's own code has asserts enabled; this affects "
                       "libbenchmark's bookkeeping between batches, not the timed loop bodies, since memprobe's "
                       "timed loops are plain C batches");
}

/* ---------- public ---------- */

sysinfo *sysinfo_collect(const topo *t, int argc, char **argv)
{
    sysinfo *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->root = json_object_new_object();
    char host[256] = "unknown";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    host[strcspn(host, ".")] = '\0';
    snprintf(s->host, sizeof s->host, "%s", host[0] ? host : "unknown");
    put_str(s->root, "host", s->host);
    collect_cpu_identity(s->root);
    collect_topology(s->root, t);
    s->hwloc_llc = t ? topo_cache_size(t, first_allowed_cpu(t), topo_cache_levels(t)) : 0;
    collect_caches_inferred(s->root, caches_inferred());
    collect_frequency(s->root, t);
    collect_hypervisor(s->root);
    collect_software(s->root);
    collect_counters(s->root);
    collect_pages(s->root);
    collect_build_flags(s->root);
    collect_run(s->root, argc, argv);
    decide_warnings(s, t);
    return s;
}

void sysinfo_free(sysinfo *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_warnings; i++)
        free(s->warnings[i]);
    json_object_put(s->root);
    free(s);
}

const char *sysinfo_get(const sysinfo *s, const char *key)
{
    json_object *v;
    if (!s || !json_object_object_get_ex(s->root, key, &v) || !v)
        return NULL;
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

const char *sysinfo_host(const sysinfo *s)
{
    return s ? s->host : "unknown";
}

unsigned long long sysinfo_ram_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (unsigned long long)pages * (unsigned long long)size : 0;
}

int sysinfo_warning_count(const sysinfo *s)
{
    return s ? s->n_warnings : 0;
}

const char *sysinfo_warning(const sysinfo *s, int i)
{
    return s && i >= 0 && i < s->n_warnings ? s->warnings[i] : NULL;
}

static void print_size(FILE *out, unsigned long long bytes)
{
    if (bytes >= (1ull << 20))
        fprintf(out, "%.1f MiB", (double)bytes / (double)(1ull << 20));
    else
        fprintf(out, "%.0f KiB", (double)bytes / 1024.0);
}

/* "caches: hwloc L1 48 KiB, L2 1.0 MiB, ...; measured (probe) L1 ..." */
static void print_caches(const sysinfo *s, FILE *out)
{
    json_object *hw, *inf, *levels, *src;
    fprintf(out, "caches: hwloc");
    if (json_object_object_get_ex(s->root, "caches", &hw))
        for (size_t i = 0; i < json_object_array_length(hw); i++) {
            json_object *e = json_object_array_get_idx(hw, i), *lv, *sz;
            if (json_object_object_get_ex(e, "level", &lv) && json_object_object_get_ex(e, "size_bytes", &sz)) {
                fprintf(out, "%s L%d ", i ? "," : "", json_object_get_int(lv));
                print_size(out, (unsigned long long)json_object_get_int64(sz));
            }
        }
    if (json_object_object_get_ex(s->root, "caches_inferred", &inf) && json_object_object_get_ex(inf, "levels", &levels) &&
        json_object_object_get_ex(inf, "source", &src)) {
        fprintf(out, "; measured (%s)", json_object_get_string(src));
        for (size_t i = 0; i < json_object_array_length(levels); i++) {
            json_object *sz;
            if (json_object_object_get_ex(json_object_array_get_idx(levels, i), "size_bytes", &sz)) {
                fprintf(out, "%s L%zu ", i ? "," : "", i + 1);
                print_size(out, (unsigned long long)json_object_get_int64(sz));
            }
        }
    }
    fputc('\n', out);
}

void sysinfo_print_summary(const sysinfo *s, FILE *out)
{
    if (!s)
        return;
    fprintf(out, "machine: %s, %s, glibc %s; memprobe %s (%s)\n", s->host, field(s, "kernel"), field(s, "glibc"),
            field(s, "memprobe_version"), field(s, "git_revision"));
    fprintf(out, "cpu: %s (%s family %s model %s stepping %s, microcode %s); base %s MHz, max %s MHz; "
                 "governor %s, boost %s\n",
            field(s, "cpu_model"), field(s, "cpu_vendor"), field(s, "cpu_family"), field(s, "cpu_model_number"),
            field(s, "cpu_stepping"), field(s, "microcode"), field(s, "base_mhz"), field(s, "max_mhz"),
            field(s, "governor"), field(s, "boost"));
    fprintf(out, "topology: %s package(s), %s cores, %s PUs (SMT %s), %s NUMA node(s); allowed CPUs %s\n",
            field(s, "packages"), field(s, "cores"), field(s, "pus"), field(s, "smt"), field(s, "numa_nodes"),
            field(s, "allowed_cpus"));
    print_caches(s, out);
    fprintf(out, "counters: %d of %d selected events count here, backend %s (see `memprobe counters`)\n",
            counters_available_count(), counters_event_count(), counters_backend_name());
    for (int i = 0; i < s->n_warnings; i++)
        fprintf(out, "warning: %s\n", s->warnings[i]);
}

void sysinfo_put(sysinfo *s, const char *key, struct json_object *value)
{
    if (s)
        json_object_object_add(s->root, key, value);
    else
        json_object_put(value);
}

/* The latency family's ladder may have run since collection: record its
 * levels, and warn (once, printed) when it disagrees with hwloc. */
static void refresh_caches(sysinfo *s)
{
    const caches_levels *c = caches_inferred();
    collect_caches_inferred(s->root, c);
    char text[512];
    if (!caches_disagreement(c, s->hwloc_llc, text, sizeof text))
        return;
    if (s->caches_warning >= 0) {
        char *copy = strdup(text);   /* the same warning, from the better ladder */
        if (copy) {
            free(s->warnings[s->caches_warning]);
            s->warnings[s->caches_warning] = copy;
        }
        return;
    }
    if (add_caches_warning(s, text))
        fprintf(stderr, "warning: %s\n", text);
}

void sysinfo_mark_end(sysinfo *s)
{
    char now[32];
    utc_now(now, sizeof now);
    put_str(s->root, "end_utc", now);
}

int sysinfo_write_json(sysinfo *s, const char *dir, int completed, char *err, size_t errlen)
{
    char path[4096];
    refresh_caches(s);
    put_bool(s->root, "completed", completed);
    json_object *warnings = json_object_new_array();
    for (int i = 0; i < s->n_warnings; i++)
        json_object_array_add(warnings, json_object_new_string(s->warnings[i]));
    json_object_object_add(s->root, "warnings", warnings);
    if (snprintf(path, sizeof path, "%s/machine.json", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "output folder path too long: '%s'", dir);
        return -1;
    }
    const char *text = json_object_to_json_string_ext(s->root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen(text);
    char *buf = malloc(len + 2);
    if (!buf) {
        snprintf(err, errlen, "out of memory writing '%s'", path);
        return -1;
    }
    /* a byte buffer written with its length, not a C string */
    memcpy(buf, text, len);   /* NOLINT(bugprone-not-null-terminated-result) */
    buf[len] = '\n';
    int rc = output_write_atomic(path, buf, len + 1, err, errlen);
    free(buf);
    return rc;
}
