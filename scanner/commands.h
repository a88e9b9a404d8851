/* commands.h -- the subcommands of the caascan program and the exit codes they share. */
#ifndef CAASCAN_COMMANDS_H
#define CAASCAN_COMMANDS_H

#include "caascan/error.h"

/* Exit statuses (SPEC.md "Conventions"). */
enum {
    CS_EXIT_OK = 0,
    CS_EXIT_FOUND = 1,   /* found what the user asked to be told about (diff: new failures) */
    CS_EXIT_USAGE = 2,   /* usage or input error */
    CS_EXIT_RUNTIME = 3, /* runtime failure */
    CS_EXIT_BROKEN = 4,  /* the night looks broken, not the customers: scan stopped by its health
                            gate (resolvers that do not answer), diff's guard (too many names
                            newly failing) */
};

struct cs_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

int cmd_lookup(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_names(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_problems(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/*
 * Exit status for a library error of the store commands (export, diff, report): unreadable,
 * incomplete or mismatched runs are input errors (2), memory and output failures runtime (3).
 */
static inline int cs_exit_for(cs_err err)
{
    return err == CS_ENOMEM || err == CS_EIO ? CS_EXIT_RUNTIME : CS_EXIT_USAGE;
}

#endif
