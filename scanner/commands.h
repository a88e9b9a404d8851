/* commands.h -- the subcommands of the caascan program and the exit codes they share. */
#ifndef CAASCAN_COMMANDS_H
#define CAASCAN_COMMANDS_H

/* Exit statuses (SPEC.md "Conventions"). */
enum {
    CS_EXIT_OK = 0,
    CS_EXIT_FOUND = 1,   /* found what the user asked to be told about (diff: new failures) */
    CS_EXIT_USAGE = 2,   /* usage or input error */
    CS_EXIT_RUNTIME = 3, /* runtime failure */
};

struct cs_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

int cmd_lookup(int argc, char **argv);
int cmd_names(int argc, char **argv);

#endif
