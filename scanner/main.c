/*
 * main.c -- the caascan command: picks the subcommand and hands over its arguments.
 * Each subcommand lives in scanner/cmd_<name>.c and declares itself in scanner/commands.h.
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const struct cs_command commands[] = {
    {"scan", "check every name of an inventory into a run directory", cmd_scan},
    {"check", "check a few names and explain each step", cmd_check},
    {"lookup", "plain bulk DNS lookups, one JSON line per name", cmd_lookup},
    {"names", "read, normalize and de-duplicate inventories into a CSV", cmd_names},
    {"export", "one sorted table (CSV or JSON lines) of a run's results", cmd_export},
    {"diff", "what changed between two runs; exit 1 on new failures", cmd_diff},
    {"report", "roll-ups by certificate, zone, nameserver or registered domain", cmd_report},
    {"merge", "one run from the partition runs of a partitioned scan", cmd_merge},
    {"problems", "the problem codes: meaning, who must act, the fix sentence", cmd_problems},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: caascan COMMAND [options] [arguments]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'caascan COMMAND --help' describes one command; 'man caascan' all of them.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("caascan %s\n", CAASCAN_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "caascan: %s: unknown command (try 'caascan --help')\n", argv[1]);
    return CS_EXIT_USAGE;
}
