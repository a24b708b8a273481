/*
 * test_streams.c — the bandwidth kernels (streams.h) and the chase builder
 * (chase.h).
 *
 * Kernels: every kernel in every width this CPU runs computes what its name
 * says (read's sum, write's value, copy's destination, triad's values), on
 * sizes that end at a block boundary and leave the bytes around the output
 * untouched; the checker catches a wrong element.  Widths the CPU does not
 * run are refused, not faked.  The generated code is what each name says:
 * on x86-64 the test disassembles its own binary with objdump (skipped with
 * the reason where objdump cannot read it) and checks that the scalar kernels
 * use no packed instruction, sse2 kernels xmm packed ones, avx2 ymm, avx512
 * zmm, and that the nt_ kernels store with MOVNT*.
 * Chases: chase_link makes k cycles that together visit every slot once.
 */
#include "memprobe/chase.h"
#include "memprobe/streams.h"

#include "testutil.h"

#include <stdlib.h>
#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#define N (STREAMS_BLOCK * 7)
#define GUARD 64

static double *aligned_doubles(size_t n)
{
    double *p = NULL;
    assert_int_equal(posix_memalign((void **)&p, 64, n * sizeof(double)), 0);
    return p;
}

static void check_kernel(streams_kernel k, streams_width w)
{
    double *a = aligned_doubles(N + GUARD), *b = aligned_doubles(N), *c = aligned_doubles(N);
    streams_fill(b, N, 5);
    streams_fill(c, N, 9);
    for (size_t i = 0; i < N + GUARD; i++)
        a[i] = -1.0;
    streams_fn fn = streams_get(k, w);
    assert_non_null(fn);
    double got = fn(a, b, c, N, 3.0);
    if (k == STREAMS_READ) {
        assert_true(got == streams_fill_sum(N, 5));
        for (size_t i = 0; i < N; i++)
            assert_true(a[i] == -1.0);   /* read writes nothing */
    } else {
        assert_int_equal(streams_check(k, a, N, 5, 9, 3.0, 1), 0);
    }
    for (size_t i = N; i < N + GUARD; i++)
        assert_true(a[i] == -1.0);   /* nothing past n */
    free(a);
    free(b);
    free(c);
}

static void test_every_usable_kernel_is_right(void **state)
{
    (void)state;
    int ran = 0;
    printf("kernels checked, by width:");
    for (int w = 0; w < STREAMS_WIDTH_COUNT; w++) {
        int of_width = 0;
        for (int k = 0; k < STREAMS_KERNEL_COUNT; k++)
            if (streams_usable((streams_kernel)k, (streams_width)w)) {
                check_kernel((streams_kernel)k, (streams_width)w);
                of_width++;
            } else {
                assert_null(streams_get((streams_kernel)k, (streams_width)w));
            }
        if (of_width)
            printf(" %s %d", streams_width_name((streams_width)w), of_width);
        ran += of_width;
    }
    printf("\n");
    /* scalar read, write, copy and triad exist everywhere */
    assert_true(ran >= 4);
    for (int k = STREAMS_READ; k <= STREAMS_TRIAD; k++)
        assert_true(streams_usable((streams_kernel)k, STREAMS_SCALAR));
    assert_true(streams_usable(STREAMS_READ, streams_widest()));
}

/* The widest set is the widest this CPU has: AVX-512 where the CPU has
 * avx512f, SVE where the kernel reports it (qemu-user's default CPU does). */
static void test_widest_is_what_the_cpu_has(void **state)
{
    (void)state;
#if defined(__x86_64__)
    streams_width want = __builtin_cpu_supports("avx512f")                                   ? STREAMS_AVX512
                         : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? STREAMS_AVX2
                                                                                            : STREAMS_SSE2;
#elif defined(__aarch64__)
    streams_width want = getauxval(AT_HWCAP) & HWCAP_SVE ? STREAMS_SVE : STREAMS_NEON;
#else
    streams_width want = STREAMS_SCALAR;
#endif
    printf("widest: %s\n", streams_width_name(streams_widest()));
    assert_int_equal(streams_widest(), want);
}

static void test_checker_catches_a_wrong_element(void **state)
{
    (void)state;
    double *a = aligned_doubles(N), *b = aligned_doubles(N), *c = aligned_doubles(N);
    streams_fill(b, N, 1);
    streams_fill(c, N, 2);
    streams_get(STREAMS_TRIAD, STREAMS_SCALAR)(a, b, c, N, 3.0);
    assert_int_equal(streams_check(STREAMS_TRIAD, a, N, 1, 2, 3.0, 1), 0);
    a[100] += 1;
    assert_int_equal(streams_check(STREAMS_TRIAD, a, N, 1, 2, 3.0, 1), 101);
    assert_int_equal(streams_check(STREAMS_COPY, a, N, 1, 2, 3.0, 1), 1);   /* a is not b */
    /* the closed-form sum is the sum */
    double sum = 0;
    for (size_t i = 0; i < N; i++)
        sum += b[i];
    assert_true(sum == streams_fill_sum(N, 1));
    free(a);
    free(b);
    free(c);
}

static void test_names_and_arrays(void **state)
{
    (void)state;
    assert_string_equal(streams_kernel_name(STREAMS_TRIAD), "triad");
    assert_string_equal(streams_kernel_name(STREAMS_NT_COPY), "nt_copy");
    assert_string_equal(streams_width_name(STREAMS_AVX512), "avx512");
    assert_int_equal(streams_arrays(STREAMS_READ), 1);
    assert_int_equal(streams_arrays(STREAMS_COPY), 2);
    assert_int_equal(streams_arrays(STREAMS_TRIAD), 3);
}

#if defined(__x86_64__)
/* The disassembly of function name in this binary (malloc'd), or NULL. */
static char *disassemble(const char *name)
{
    char *out = NULL;
    if (testutil_run(&out, "objdump -d --no-show-raw-insn /proc/%d/exe 2>/dev/null | "
                           "awk '/^[0-9a-f]+ <%s>:$/{p=1;next} /^$/{p=0} p'",
                     (int)getpid(), name) != 0 || !out || !*out) {
        free(out);
        return NULL;
    }
    return out;
}

/* 1 when a line of code holds both a and b. */
static int has_line(const char *code, const char *a, const char *b)
{
    for (const char *line = code; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[256];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
        if (strstr(buf, a) && strstr(buf, b))
            return 1;
        line = end ? end + 1 : NULL;
    }
    return 0;
}

/* The instructions of the kernel name (the width-specific part of it). */
static void check_code(const char *kernel, const char *width)
{
    char name[64];
    snprintf(name, sizeof name, "streams_%s_%s", kernel, width);
    char *code = disassemble(name);
    if (!code)
        fail_msg("%s not found in the disassembly", name);
    int nt = strncmp(kernel, "nt_", 3) == 0;
    if (strcmp(width, "scalar") == 0) {
        /* one double per load and store: no packed access to memory */
        assert_false(has_line(code, "pd ", "("));
        assert_null(strstr(code, "%ymm"));
        assert_null(strstr(code, "%zmm"));
        assert_true(nt ? has_line(code, "movnti", "(") : has_line(code, "sd ", "("));
    } else {
        const char *reg = strcmp(width, "avx512") == 0 ? "%zmm" : strcmp(width, "avx2") == 0 ? "%ymm" : "%xmm";
        assert_true(has_line(code, "pd ", reg) && has_line(code, reg, "("));   /* packed, and to memory */
        if (strcmp(width, "sse2") == 0) {
            assert_null(strstr(code, "%ymm"));
            assert_null(strstr(code, "%zmm"));
        }
        if (strcmp(width, "avx2") == 0)
            assert_null(strstr(code, "%zmm"));
        if (nt)
            assert_non_null(strstr(code, "movntpd"));
        else
            assert_null(strstr(code, "movnt"));
    }
    free(code);
}

static void test_generated_code_matches_the_names(void **state)
{
    (void)state;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    fprintf(stderr, "skipped: a sanitizer build's kernels carry its checks (and -O1 code); the normal build's "
                    "code is the one checked\n");
    skip();
#endif
    if (testutil_run(NULL, "command -v objdump >/dev/null") != 0)
        skip();   /* binutils missing: nothing to read the code with */
    char *probe = disassemble("streams_read_scalar");
    if (!probe) {
        fprintf(stderr, "skipped: objdump cannot find streams_read_scalar in this binary (stripped?)\n");
        skip();
    }
    free(probe);
    static const char *const widths[] = {"scalar", "sse2", "avx2", "avx512"};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
        for (int k = 0; k < STREAMS_KERNEL_COUNT; k++)
            check_code(streams_kernel_name((streams_kernel)k), widths[w]);
}
#else
static void test_generated_code_matches_the_names(void **state)
{
    (void)state;
    fprintf(stderr, "skipped: the disassembly check reads x86-64 code only\n");
    skip();
}
#endif

/* chase: k cycles over n slots visit every slot exactly once. */
static void check_cycles(size_t n, int k)
{
    void **buf = calloc(n * 8, sizeof(void *));
    size_t *off = malloc(n * sizeof *off);
    void *heads[32];
    assert_int_equal(chase_line_offsets(off, n * 8 * sizeof(void *), 8 * sizeof(void *)), n);
    assert_int_equal(chase_link(buf, off, n, k, 42, heads), 0);
    unsigned char *seen = calloc(n, 1);
    size_t total = 0;
    for (int c = 0; c < k; c++) {
        void **p = heads[c];
        size_t len = 0;
        do {
            size_t slot = (size_t)((char *)p - (char *)buf) / (8 * sizeof(void *));
            assert_true(slot < n);
            assert_int_equal(seen[slot], 0);
            seen[slot] = 1;
            p = *p;
            len++;
        } while (p != heads[c]);
        assert_true(len == n / (size_t)k || len == n / (size_t)k + 1);
        total += len;
    }
    assert_int_equal(total, n);
    free(seen);
    free(off);
    free(buf);
}

static void test_chase_cycles_cover_every_slot(void **state)
{
    (void)state;
    check_cycles(1000, 1);
    check_cycles(1000, 7);
    check_cycles(1024, 32);
    void *heads[2];
    size_t off[1] = {0};
    void *slot;
    assert_int_equal(chase_link(&slot, off, 1, 2, 1, heads), -1);   /* more chains than slots */
}

static void test_page_offsets_one_line_per_page(void **state)
{
    (void)state;
    size_t off[130];
    assert_int_equal(chase_page_offsets(off, 130, 4096, 64), 130);
    for (size_t i = 0; i < 130; i++) {
        assert_int_equal(off[i] / 4096, i);               /* page i */
        assert_int_equal(off[i] % 4096, (i % 64) * 64);   /* its line varies */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_usable_kernel_is_right),
        cmocka_unit_test(test_widest_is_what_the_cpu_has),
        cmocka_unit_test(test_checker_catches_a_wrong_element),
        cmocka_unit_test(test_names_and_arrays),
        cmocka_unit_test(test_generated_code_matches_the_names),
        cmocka_unit_test(test_chase_cycles_cover_every_slot),
        cmocka_unit_test(test_page_offsets_one_line_per_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
