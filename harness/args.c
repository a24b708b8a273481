/*
 * args.c — options on the command line (args.h): both `--name VALUE` and
 * `--name=VALUE`, for the run options and the analysis subcommands alike.
 */
#include "memprobe/args.h"

#include <string.h>

int args_option_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

const char *args_value(int argc, char **argv, int *i)
{
    const char *eq = strchr(argv[*i], '=');
    if (eq)
        return eq + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}
