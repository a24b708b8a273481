/*
 * streams.c — the bandwidth kernels of streams.h: one scalar set, and one
 * set per fixed vector width written once (STREAMS_VECTOR_SET) with GNU
 * vector types, and SVE's set (its width is the CPU's) with the ACLE
 * intrinsics; each compiled for its instruction set with a target
 * attribute, so the build needs no -march and the CPU decides at run time
 * which set runs.
 * Non-temporal stores use the ISA's intrinsics (x86 MOVNTPD / MOVNTI);
 * aarch64 has no streaming-store kernels here (STNP and SVE's STNT1D are
 * hints the core may ignore, so they would not say what the name says).
 */
#include "memprobe/streams.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_sve.h>
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

static const char *const streams_kernel_names[STREAMS_KERNEL_COUNT] = {"read",  "write",    "copy",
                                                                       "triad", "nt_write", "nt_copy"};
static const char *const streams_width_names[STREAMS_WIDTH_COUNT] = {"scalar", "sse2", "avx2", "avx512", "neon",
                                                                    "sve"};
static const int streams_kernel_arrays[STREAMS_KERNEL_COUNT] = {1, 1, 2, 3, 1, 2};

/* ---- scalar: one double per load and store ---- */

/* An empty asm that may change v, in a floating-point register: the value
 * stays a scalar, and a store of it is no longer a plain copy. */
#if defined(__x86_64__)
#define STREAMS_OPAQUE(v) __asm__("" : "+x"(v))
#elif defined(__aarch64__)
#define STREAMS_OPAQUE(v) __asm__("" : "+w"(v))
#else
#define STREAMS_OPAQUE(v) __asm__("" : "+g"(v))
#endif

static double streams_read_scalar(double *a, const double *b, const double *c, size_t n, double s)
{
    (void)a, (void)c, (void)s;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = 0; i < n; i += 4) {
        double x0 = b[i], x1 = b[i + 1], x2 = b[i + 2], x3 = b[i + 3];
        STREAMS_OPAQUE(x0);
        STREAMS_OPAQUE(x1);
        STREAMS_OPAQUE(x2);
        STREAMS_OPAQUE(x3);
        s0 += x0;
        s1 += x1;
        s2 += x2;
        s3 += x3;
    }
    return (s0 + s1) + (s2 + s3);
}

static double streams_write_scalar(double *a, const double *b, const double *c, size_t n, double s)
{
    (void)b, (void)c;
    for (size_t i = 0; i < n; i++) {
        double v = s;
        STREAMS_OPAQUE(v);
        a[i] = v;
    }
    return 0;
}

static double streams_copy_scalar(double *a, const double *b, const double *c, size_t n, double s)
{
    (void)c, (void)s;
    for (size_t i = 0; i < n; i++) {
        double v = b[i];
        STREAMS_OPAQUE(v);
        a[i] = v;
    }
    return 0;
}

static double streams_triad_scalar(double *a, const double *b, const double *c, size_t n, double s)
{
    for (size_t i = 0; i < n; i++) {
        double x = b[i], y = c[i];
        STREAMS_OPAQUE(x);
        STREAMS_OPAQUE(y);
        a[i] = x + s * y;
    }
    return 0;
}

#if defined(__x86_64__)
/* MOVNTI: a streaming store of one 64-bit word. */
static inline void streams_nt_scalar_store(double *p, double v)
{
    long long bits;
    memcpy(&bits, &v, sizeof bits);
    _mm_stream_si64((long long *)(void *)p, bits);
}

static double streams_nt_write_scalar(double *a, const double *b, const double *c, size_t n, double s)
{
    (void)b, (void)c;
    for (size_t i = 0; i < n; i++)
        streams_nt_scalar_store(a + i, s);
    _mm_sfence();
    return 0;
}

static double streams_nt_copy_scalar(double *a, const double *b, const double *c, size_t n, double s)
{
    (void)c, (void)s;
    for (size_t i = 0; i < n; i++) {
        double v = b[i];
        STREAMS_OPAQUE(v);
        streams_nt_scalar_store(a + i, v);
    }
    _mm_sfence();
    return 0;
}
#endif

/* ---- vector sets: W names the width, TARGET its attribute, BYTES its
 * register size; NT_STORE(p, v) a streaming store of one register and
 * NT_FENCE() what orders them (empty macros where the ISA has none: the nt_
 * functions are then left out of the table, hence "unused").  Four
 * registers per step, and four accumulators for read, so neither the loop
 * nor one add chain is what limits it. ---- */

#define STREAMS_VECTOR_SET(W, TARGET, BYTES, NT_STORE, NT_FENCE)                                       \
    typedef double streams_v_##W __attribute__((vector_size(BYTES)));                                 \
    enum { STREAMS_LANES_##W = (BYTES) / (int)sizeof(double) };                                        \
                                                                                                       \
    TARGET static double streams_read_##W(double *a, const double *b, const double *c, size_t n, /* NOLINT(bugprone-macro-parentheses) */ \
                                          double s)                                                    \
    {                                                                                                  \
        (void)a, (void)c, (void)s;                                                                     \
        const size_t L = STREAMS_LANES_##W;                                                            \
        streams_v_##W s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};                                          \
        for (size_t i = 0; i < n; i += 4 * L) {                                                        \
            s0 += *(const streams_v_##W *)(b + i);                                                     \
            s1 += *(const streams_v_##W *)(b + i + L);                                                 \
            s2 += *(const streams_v_##W *)(b + i + 2 * L);                                             \
            s3 += *(const streams_v_##W *)(b + i + 3 * L);                                             \
        }                                                                                              \
        streams_v_##W t = (s0 + s1) + (s2 + s3);                                                       \
        double sum = 0;                                                                                \
        for (size_t k = 0; k < L; k++)                                                                 \
            sum += t[k];                                                                               \
        return sum;                                                                                    \
    }                                                                                                  \
                                                                                                       \
    TARGET static double streams_write_##W(double *a, const double *b, const double *c, size_t n, /* NOLINT(bugprone-macro-parentheses) */ \
                                           double s)                                                   \
    {                                                                                                  \
        (void)b, (void)c;                                                                              \
        const size_t L = STREAMS_LANES_##W;                                                            \
        streams_v_##W v = (streams_v_##W){0} + s;                                                      \
        for (size_t i = 0; i < n; i += 4 * L) {                                                        \
            *(streams_v_##W *)(a + i) = v;                                                             \
            *(streams_v_##W *)(a + i + L) = v;                                                         \
            *(streams_v_##W *)(a + i + 2 * L) = v;                                                     \
            *(streams_v_##W *)(a + i + 3 * L) = v;                                                     \
        }                                                                                              \
        return 0;                                                                                      \
    }                                                                                                  \
                                                                                                       \
    TARGET static double streams_copy_##W(double *a, const double *b, const double *c, size_t n, /* NOLINT(bugprone-macro-parentheses) */ \
                                          double s)                                                    \
    {                                                                                                  \
        (void)c, (void)s;                                                                              \
        const size_t L = STREAMS_LANES_##W;                                                            \
        for (size_t i = 0; i < n; i += 4 * L) {                                                        \
            streams_v_##W x0 = *(const streams_v_##W *)(b + i);                                        \
            streams_v_##W x1 = *(const streams_v_##W *)(b + i + L);                                    \
            streams_v_##W x2 = *(const streams_v_##W *)(b + i + 2 * L);                                \
            streams_v_##W x3 = *(const streams_v_##W *)(b + i + 3 * L);                                \
            *(streams_v_##W *)(a + i) = x0;                                                            \
            *(streams_v_##W *)(a + i + L) = x1;                                                        \
            *(streams_v_##W *)(a + i + 2 * L) = x2;                                                    \
            *(streams_v_##W *)(a + i + 3 * L) = x3;                                                    \
        }                                                                                              \
        return 0;                                                                                      \
    }                                                                                                  \
                                                                                                       \
    TARGET static double streams_triad_##W(double *a, const double *b, const double *c, size_t n, /* NOLINT(bugprone-macro-parentheses) */ \
                                           double s)                                                   \
    {                                                                                                  \
        const size_t L = STREAMS_LANES_##W;                                                            \
        for (size_t i = 0; i < n; i += 2 * L) {                                                        \
            *(streams_v_##W *)(a + i) = *(const streams_v_##W *)(b + i) + s * *(const streams_v_##W *)(c + i); \
            *(streams_v_##W *)(a + i + L) =                                                            \
                *(const streams_v_##W *)(b + i + L) + s * *(const streams_v_##W *)(c + i + L);         \
        }                                                                                              \
        return 0;                                                                                      \
    }                                                                                                  \
                                                                                                       \
    TARGET __attribute__((unused)) static double streams_nt_write_##W(double *a, const double *b, const double *c, size_t n, /* NOLINT(bugprone-macro-parentheses) */ \
                                              double s)                                                \
    {                                                                                                  \
        (void)b, (void)c;                                                                              \
        const size_t L = STREAMS_LANES_##W;                                                            \
        streams_v_##W v = (streams_v_##W){0} + s;                                                      \
        for (size_t i = 0; i < n; i += 2 * L) {                                                        \
            NT_STORE(a + i, v);                                                                        \
            NT_STORE(a + i + L, v);                                                                    \
        }                                                                                              \
        NT_FENCE();                                                                                    \
        return 0;                                                                                      \
    }                                                                                                  \
                                                                                                       \
    TARGET __attribute__((unused)) static double streams_nt_copy_##W(double *a, const double *b, const double *c, size_t n, /* NOLINT(bugprone-macro-parentheses) */ \
                                             double s)                                                 \
    {                                                                                                  \
        (void)c, (void)s;                                                                              \
        const size_t L = STREAMS_LANES_##W;                                                            \
        for (size_t i = 0; i < n; i += 2 * L) {                                                        \
            NT_STORE(a + i, *(const streams_v_##W *)(b + i));                                          \
            NT_STORE(a + i + L, *(const streams_v_##W *)(b + i + L));                                  \
        }                                                                                              \
        NT_FENCE();                                                                                    \
        return 0;                                                                                      \
    }

#if defined(__x86_64__)
#define STREAMS_NT_SSE2(p, v) _mm_stream_pd((p), (__m128d)(v))
#define STREAMS_NT_AVX2(p, v) _mm256_stream_pd((p), (__m256d)(v))
#define STREAMS_NT_AVX512(p, v) _mm512_stream_pd((p), (__m512d)(v))
#define STREAMS_SFENCE() _mm_sfence()
STREAMS_VECTOR_SET(sse2, __attribute__((target("sse2"))), 16, STREAMS_NT_SSE2, STREAMS_SFENCE)
STREAMS_VECTOR_SET(avx2, __attribute__((target("avx2,fma"))), 32, STREAMS_NT_AVX2, STREAMS_SFENCE)
STREAMS_VECTOR_SET(avx512, __attribute__((target("avx512f"))), 64, STREAMS_NT_AVX512, STREAMS_SFENCE)
#endif

#define STREAMS_SET_ROW(W)                                                                             \
    {streams_read_##W, streams_write_##W, streams_copy_##W, streams_triad_##W, streams_nt_write_##W,   \
     streams_nt_copy_##W}

#if defined(__aarch64__)
/* No streaming stores: the nt_ kernels are left out (see the head comment). */
#define STREAMS_NT_NONE(p, v) ((void)(p), (void)(v))
#define STREAMS_FENCE_NONE() ((void)0)
STREAMS_VECTOR_SET(neon, , 16, STREAMS_NT_NONE, STREAMS_FENCE_NONE)

/* ---- SVE: the vector length is the CPU's (128 to 2048 bits), so these
 * are written with the ACLE intrinsics rather than a fixed-size vector type:
 * a predicated loop (svwhilelt) over svcntd() doubles a register, four
 * registers a step.  Compiled for SVE by a target attribute; run only where
 * the kernel says the CPU has it (HWCAP_SVE). ---- */
#define STREAMS_SVE_TARGET __attribute__((target("+sve")))

/* acc plus b[i .. i + svcntd()) (the lanes past n left as they were). */
STREAMS_SVE_TARGET static inline svfloat64_t streams_sve_add(svfloat64_t acc, const double *b, size_t i, size_t n)
{
    svbool_t pg = svwhilelt_b64_u64(i, n);
    return svadd_f64_m(pg, acc, svld1_f64(pg, b + i));
}

STREAMS_SVE_TARGET static double streams_read_sve(double *a, const double *b, const double *c, size_t n, double s)
{
    (void)a, (void)c, (void)s;
    const size_t L = svcntd();
    svbool_t all = svptrue_b64();
    svfloat64_t s0 = svdup_n_f64(0), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < n; i += 4 * L) {
        s0 = streams_sve_add(s0, b, i, n);
        s1 = streams_sve_add(s1, b, i + L, n);
        s2 = streams_sve_add(s2, b, i + 2 * L, n);
        s3 = streams_sve_add(s3, b, i + 3 * L, n);
    }
    return svaddv_f64(all, svadd_f64_x(all, svadd_f64_x(all, s0, s1), svadd_f64_x(all, s2, s3)));
}

STREAMS_SVE_TARGET static double streams_write_sve(double *a, const double *b, const double *c, size_t n, double s)
{
    (void)b, (void)c;
    const size_t L = svcntd();
    svfloat64_t v = svdup_n_f64(s);
    for (size_t i = 0; i < n; i += 4 * L)
        for (size_t k = 0; k < 4; k++)
            svst1_f64(svwhilelt_b64_u64(i + k * L, n), a + i + k * L, v);
    return 0;
}

STREAMS_SVE_TARGET static double streams_copy_sve(double *a, const double *b, const double *c, size_t n, double s)
{
    (void)c, (void)s;
    const size_t L = svcntd();
    for (size_t i = 0; i < n; i += 4 * L)
        for (size_t k = 0; k < 4; k++) {
            svbool_t pg = svwhilelt_b64_u64(i + k * L, n);
            svst1_f64(pg, a + i + k * L, svld1_f64(pg, b + i + k * L));
        }
    return 0;
}

STREAMS_SVE_TARGET static double streams_triad_sve(double *a, const double *b, const double *c, size_t n, double s)
{
    const size_t L = svcntd();
    for (size_t i = 0; i < n; i += 2 * L)
        for (size_t k = 0; k < 2; k++) {
            svbool_t pg = svwhilelt_b64_u64(i + k * L, n);
            svfloat64_t vb = svld1_f64(pg, b + i + k * L), vc = svld1_f64(pg, c + i + k * L);
            svst1_f64(pg, a + i + k * L, svmla_n_f64_x(pg, vb, vc, s));
        }
    return 0;
}
#endif

static const streams_fn streams_table[STREAMS_WIDTH_COUNT][STREAMS_KERNEL_COUNT] = {
#if defined(__x86_64__)
    [STREAMS_SCALAR] = {streams_read_scalar, streams_write_scalar, streams_copy_scalar, streams_triad_scalar,
                        streams_nt_write_scalar, streams_nt_copy_scalar},
    [STREAMS_SSE2] = STREAMS_SET_ROW(sse2),
    [STREAMS_AVX2] = STREAMS_SET_ROW(avx2),
    [STREAMS_AVX512] = STREAMS_SET_ROW(avx512),
#else
    [STREAMS_SCALAR] = {streams_read_scalar, streams_write_scalar, streams_copy_scalar, streams_triad_scalar},
#endif
#if defined(__aarch64__)
    [STREAMS_NEON] = {streams_read_neon, streams_write_neon, streams_copy_neon, streams_triad_neon},
    [STREAMS_SVE] = {streams_read_sve, streams_write_sve, streams_copy_sve, streams_triad_sve},
#endif
};

/* 1 when the CPU runs width w (the build having it is the table's part). */
static int streams_cpu_has(streams_width w)
{
    switch (w) {
    case STREAMS_SCALAR:
#if defined(__x86_64__)
    case STREAMS_SSE2:   /* part of x86-64 */
#endif
#if defined(__aarch64__)
    case STREAMS_NEON:   /* part of AArch64 */
#endif
        return 1;
#if defined(__aarch64__)
    case STREAMS_SVE:
        return (getauxval(AT_HWCAP) & HWCAP_SVE) != 0;
#endif
#if defined(__x86_64__)
    case STREAMS_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case STREAMS_AVX512:
        return __builtin_cpu_supports("avx512f");
#endif
    default:
        return 0;
    }
}

const char *streams_kernel_name(streams_kernel k)
{
    return (unsigned)k < STREAMS_KERNEL_COUNT ? streams_kernel_names[k] : "?";
}

const char *streams_width_name(streams_width w)
{
    return (unsigned)w < STREAMS_WIDTH_COUNT ? streams_width_names[w] : "?";
}

int streams_arrays(streams_kernel k)
{
    return (unsigned)k < STREAMS_KERNEL_COUNT ? streams_kernel_arrays[k] : 1;
}

int streams_usable(streams_kernel k, streams_width w)
{
    return (unsigned)k < STREAMS_KERNEL_COUNT && (unsigned)w < STREAMS_WIDTH_COUNT && streams_table[w][k] &&
           streams_cpu_has(w);
}

streams_width streams_widest(void)
{
    static const streams_width widest_first[] = {STREAMS_AVX512, STREAMS_AVX2, STREAMS_SSE2, STREAMS_SVE, STREAMS_NEON};
    for (size_t i = 0; i < sizeof widest_first / sizeof widest_first[0]; i++)
        if (streams_usable(STREAMS_READ, widest_first[i]))
            return widest_first[i];
    return STREAMS_SCALAR;
}

streams_fn streams_get(streams_kernel k, streams_width w)
{
    return streams_usable(k, w) ? streams_table[w][k] : NULL;
}

static double streams_pattern(size_t i, unsigned seed)
{
    return (double)((i + seed) % 251);
}

void streams_fill(double *x, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        x[i] = streams_pattern(i, seed);
}

double streams_fill_sum(size_t n, unsigned seed)
{
    /* whole cycles of 0..250 plus the partial one, in closed form */
    unsigned long long full = n / 251, sum = full * (250ull * 251 / 2);
    for (size_t i = full * 251; i < n; i++)
        sum += (unsigned long long)((i + seed) % 251);
    /* a rotation of the cycle keeps each full cycle's sum */
    return (double)sum;
}

size_t streams_check(streams_kernel k, const double *a, size_t n, unsigned seed_b, unsigned seed_c, double s,
                     size_t stride)
{
    if (stride == 0)
        stride = 1;
    for (size_t i = 0; i < n; i += stride) {
        double want;
        switch (k) {
        case STREAMS_WRITE:
        case STREAMS_NT_WRITE:
            want = s;
            break;
        case STREAMS_COPY:
        case STREAMS_NT_COPY:
            want = streams_pattern(i, seed_b);
            break;
        case STREAMS_TRIAD:
            want = streams_pattern(i, seed_b) + s * streams_pattern(i, seed_c);
            break;
        default:
            return 0;
        }
        if (a[i] != want)
            return i + 1;
    }
    return 0;
}
