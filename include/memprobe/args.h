/*
 * args.h — options on the command line, the same in every subcommand:
 * an option that takes a value accepts `--name VALUE` and `--name=VALUE`.
 */
#ifndef MEMPROBE_ARGS_H
#define MEMPROBE_ARGS_H

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when arg is the option name, alone or as "name=VALUE". */
int args_option_is(const char *arg, const char *name);
/* The value of the option at argv[*i]: after its '=', else the next
 * argument (then *i is advanced past it); NULL when there is none. */
const char *args_value(int argc, char **argv, int *i);

#ifdef __cplusplus
}
#endif
#endif
