/*
 * streams.h — the bandwidth kernels: read, write, copy, triad and their
 * non-temporal (streaming-store) forms, each in a scalar version and in every
 * vector width this build has (SSE2, AVX2, AVX-512 on x86-64; NEON and
 * SVE on aarch64), chosen at run time from what the CPU supports.
 *
 * Every kernel has one signature over arrays of doubles:
 *   read      returns the sum of b[0..n)            (1 array read)
 *   write     a[i] = s                              (1 array written)
 *   copy      a[i] = b[i]                           (1 read, 1 written)
 *   triad     a[i] = b[i] + s * c[i]                (2 read, 1 written)
 *   nt_write  write with streaming stores (x86: MOVNT*, then SFENCE)
 *   nt_copy   copy with streaming stores
 * n must be a multiple of STREAMS_BLOCK and the arrays aligned to 64 bytes.
 * The scalar kernels move one double per instruction (each value passes
 * through an empty asm, so the compiler can neither vectorise the loop nor
 * turn it into memcpy/memset); the vector kernels are named for the register
 * width their loads and stores use (tests/test_streams.c checks the
 * disassembly).
 *
 * Bytes counted: what the kernel asks for, 8 per double read or written
 * (STREAM's convention).  A cached store also reads the line first
 * (write-allocate): that traffic is real but not counted, so write, copy and
 * triad show less than the memory bus carries; the nt_ kernels bypass it.
 */
#ifndef MEMPROBE_STREAMS_H
#define MEMPROBE_STREAMS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Elements every kernel's n is a multiple of (64 doubles, 512 bytes). */
#define STREAMS_BLOCK 64

typedef enum streams_kernel {
    STREAMS_READ,
    STREAMS_WRITE,
    STREAMS_COPY,
    STREAMS_TRIAD,
    STREAMS_NT_WRITE,
    STREAMS_NT_COPY,
    STREAMS_KERNEL_COUNT
} streams_kernel;

typedef enum streams_width {
    STREAMS_SCALAR,
    STREAMS_SSE2,
    STREAMS_AVX2,
    STREAMS_AVX512,
    STREAMS_NEON,
    STREAMS_SVE,   /* the CPU's vector length, 128 to 2048 bits */
    STREAMS_WIDTH_COUNT
} streams_width;

typedef double (*streams_fn)(double *a, const double *b, const double *c, size_t n, double s);

/* "read", "write", "copy", "triad", "nt_write", "nt_copy". */
const char *streams_kernel_name(streams_kernel k);
/* "scalar", "sse2", "avx2", "avx512", "neon". */
const char *streams_width_name(streams_width w);
/* Arrays a kernel touches (1, 2 or 3): a working set of W bytes is W / arrays
 * bytes per array. */
int streams_arrays(streams_kernel k);
/* 1 when this build has kernel k in width w and the CPU runs it. */
int streams_usable(streams_kernel k, streams_width w);
/* The widest vector width usable for every kernel this CPU has (scalar when
 * there is none). */
streams_width streams_widest(void);
/* Kernel k in width w; NULL when !streams_usable(k, w). */
streams_fn streams_get(streams_kernel k, streams_width w);
/* Fill x[0..n) with the pattern the checks below expect: small whole numbers
 * ((i + seed) mod 251), so every sum and triad result is exact in double. */
void streams_fill(double *x, size_t n, unsigned seed);
/* What read returns over n elements filled with seed. */
double streams_fill_sum(size_t n, unsigned seed);
/* Check a's content after kernel k ran over a, b (filled with seed_b), c
 * (seed_c) with scalar s, every stride-th element: 0, or the index + 1 of the
 * first wrong element.  Read and the kernels' sums are not checked here. */
size_t streams_check(streams_kernel k, const double *a, size_t n, unsigned seed_b, unsigned seed_c, double s,
                     size_t stride);

#ifdef __cplusplus
}
#endif
#endif
