/* cmd_lookup.c -- caascan lookup: plain bulk lookups through the engine (in progress). */
#include "commands.h"

#include <stdio.h>

int cmd_lookup(int argc, char **argv)
{
    fprintf(stderr, "caascan: lookup: not built yet\n");
    return CS_EXIT_RUNTIME;
}
