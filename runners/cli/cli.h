/* Subcommands of build/contend. Each returns the process exit status:
 * 0 all went well, 1 some case failed or timed out, 2 bad usage. */
#ifndef CONTEND_CLI_H
#define CONTEND_CLI_H

#include "err.h"

/* EXIT_INCONCLUSIVE: contend ab could judge no case */
enum {
	EXIT_OK = 0,
	EXIT_CASE_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INCONCLUSIVE = 3
};

int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_claims(int argc, char **argv);
int cmd_topology(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_machine(int argc, char **argv);
int cmd_noise(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_ab(int argc, char **argv);

/* Prints "contend: MESSAGE" on stderr and returns EXIT_USAGE. */
int usage_error(const struct err *e);
/* The one-line message getopt_long's failure deserves. */
int bad_option(const char *cmd, int opt, char **argv);

#endif
