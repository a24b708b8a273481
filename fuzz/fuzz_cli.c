/*
 * fuzz_cli.c — libFuzzer target for the command line of `memprobe run`:
 * parse_run_options in harness/main.c (take_value, --repetitions, every
 * family option through bench_option_find/bench_option_set, --benchmark_*).
 *
 * main.c keeps its parsers static, so this file includes it whole with three
 * renames: main becomes memprobe_main (never called here), exit() returns to
 * the fuzzer through longjmp (a usage error is an expected outcome, status
 * 2; --help is status 0), and stdout/stderr go to /dev/null.  The input is
 * one argument per line.  Invariants: every exit is status 0 or 2; a run
 * that parses has 1..1000 repetitions and at most 64 --benchmark_* flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzzutil.h"

static jmp_buf fuzz_exit_point;
static int fuzz_exit_status;
static FILE *fuzz_devnull;

static void fuzz_exit(int status) __attribute__((noreturn));
static void fuzz_exit(int status)
{
    fuzz_exit_status = status;
    longjmp(fuzz_exit_point, 1);
}

#define exit(status) fuzz_exit(status)
#define main memprobe_main
#undef stdout
#undef stderr
#define stdout fuzz_devnull
#define stderr fuzz_devnull
#include "../harness/main.c"
#undef stdout
#undef stderr
#undef main
#undef exit

#define FUZZ_MAX_ARGS 32

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_devnull = fopen("/dev/null", "w");
    return fuzz_devnull ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    char *args[FUZZ_MAX_ARGS + 1];
    int n = 0;
    for (char *line = text, *next; line && n < FUZZ_MAX_ARGS; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        args[n++] = line;
    }
    args[n] = NULL;

    static run_options o;   /* static: survives the longjmp */
    if (setjmp(fuzz_exit_point) == 0) {
        parse_run_options(n, args, &o);
        FUZZ_CHECK(o.repetitions >= 1 && o.repetitions <= 1000, "repetitions %d", o.repetitions);
        FUZZ_CHECK(o.nbench_args <= 64, "%d --benchmark_* flags kept", o.nbench_args);
    } else {
        FUZZ_CHECK(fuzz_exit_status == 0 || fuzz_exit_status == EXIT_USAGE, "exit status %d", fuzz_exit_status);
    }
    free_run_options(&o);   /* the flags kept before a usage error too */
    free(text);
    return 0;
}
