/* optable.h: one table per subcommand describes its flags, and every view
 * of them is generated from it: getopt_long's option array, `--help`, the
 * man page (`crest manpage`, installed by `make install`) and the shell
 * completion (`crest completion bash|zsh`). A flag added to the table thus
 * shows up everywhere at once, and none can drift.
 *
 * Conventions every command keeps (docs/cli.md): -o/--out for the output,
 * -t/--threads for generator threads, -q/--quiet, -h/--help, and
 * --version/-V at the top level. */
#ifndef CREST_OPTABLE_H
#define CREST_OPTABLE_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

typedef struct cli_option {
    const char *name;        /* long name, without "--" */
    int short_name;          /* 'c', or 0 for none */
    const char *arg;         /* the value's name ("N", "DUR"), NULL for a switch */
    int id;                  /* what getopt_long returns (short_name when it has one) */
    const char *help;        /* may hold '\n' for more lines */
    const char *section;     /* when set, a heading printed before this option */
} cli_option;

typedef struct cli_command {
    const char *name;        /* "run" */
    const char *summary;     /* one line, for `crest --help` and the man page */
    const char *synopsis;    /* "crest run --url URL [options]\n..." (one form a line) */
    const char *description; /* paragraphs before the options; may be NULL */
    const cli_option *options;
    size_t noptions;
    const char *footer;      /* exit codes and notes after the options; may be NULL */
    const char *positional;  /* completion of the operands: "file", "dir", "url", NULL */
} cli_command;

#define CLI_MAX_OPTIONS 80

/* Fills LONGS (NULL-terminated, capacity CLI_MAX_OPTIONS + 1) and SHORTS
 * (":c:d:h" style, starting with PREFIX such as ":" or "+:") from CMD. */
void cli_getopt_spec(const cli_command *cmd, const char *prefix, struct option *longs,
                     char *shorts, size_t shorts_len);

/* `crest CMD --help`. */
void cli_print_help(FILE *out, const cli_command *cmd);

/* Reports an unknown option or a missing value the same way everywhere
 * (C is getopt's ':' or '?'); returns -1. */
int cli_bad_option(const cli_command *cmd, int c, int argc, char **argv);

/* The man page (roff) of crest and each of the N commands CMDS. */
void cli_print_manpage(FILE *out, const char *version, const cli_command *const *cmds, size_t n);
/* The completion script for SHELL ("bash" or "zsh"); -1 for another. */
int cli_print_completion(FILE *out, const char *shell, const cli_command *const *cmds, size_t n);

#endif
