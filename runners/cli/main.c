/* build/contend: the command line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "busywork.h"
#include "spin.h"
#include "machine.h"
#include "prefetch.h"

#ifndef CONTEND_VERSION
#define CONTEND_VERSION "unknown"
#endif
#include "contend_git.h"

static const char usage[] =
	"usage: contend COMMAND [OPTIONS]\n"
	"\n"
	"What concurrency primitives cost on this machine, and why.\n"
	"\n"
	"commands:\n"
	"  list       the benchmarks, with a one-line summary each\n"
	"  run        run benchmarks; print tables, write a results file\n"
	"  ab         two builds, interleaved: did HEAD make it slower?\n"
	"  claims     the article's cost claims, re-measured here: verdicts\n"
	"  topology   the machine's (or a described machine's) topology\n"
	"  plan       which CPUs a placement gives each thread\n"
	"  machine    this machine's fingerprint\n"
	"  noise      disturb chosen CPUs on purpose (tests, demos)\n"
	"  version    the suite's version\n"
	"\n"
	"`contend COMMAND --help` describes each. Exit status: 0 all cases "
	"ran,\n1 some case failed or timed out (results still written), 2 "
	"bad usage.\n";

int usage_error(const struct err *e)
{
	fprintf(stderr, "contend: %s\n", e->msg);
	return EXIT_USAGE;
}

int bad_option(const char *cmd, int opt, char **argv)
{
	extern int optind, optopt;
	const char *arg = argv[optind - 1];
	char shortopt[3] = {'-', (char)optopt, '\0'};
	if (opt == ':')
		fprintf(stderr, "contend %s: option '%s' needs a value\n", cmd,
			arg);
	else
		fprintf(stderr,
			"contend %s: unknown option '%s' (see contend %s "
			"--help)\n",
			cmd, optopt ? shortopt : arg, cmd);
	return EXIT_USAGE;
}

static int cmd_version(int argc, char **argv)
{
	/* every command has --help (README), this one too */
	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs("usage: contend version [--build]\n\nPrints the suite's "
		      "version and the git commit it was built from;\nwith "
		      "--build, how it was built (compiler, build type,\n"
		      "flags), which contend ab compares between its sides.\n",
		      stdout);
		return EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--build")) {
		printf("%s; %s\n", CONTEND_COMPILER, CONTEND_CFLAGS);
		return EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "contend: version: unexpected argument '%s'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	printf("contend %s (git %s)\n", CONTEND_VERSION, CONTEND_GIT);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"list", cmd_list},	{"run", cmd_run},
		{"claims", cmd_claims}, {"topology", cmd_topology},
		{"plan", cmd_plan},	{"machine", cmd_machine},
		{"noise", cmd_noise},	{"serve", cmd_serve},
		{"ab", cmd_ab},
	};
	/* before any command: the cost of a pause, which every spin budget
	 * turns into pauses, is measured here and not in a timed region; a
	 * forked case inherits it, and `serve` (a side of contend ab) has its
	 * own from its own start; so is a unit of busy work (mutex/sections),
	 * and CPUID's prefetchw answer is asked (a VM exit: prefetch.h) */
	spin_measure_all();
	busy_unit_ps_measure();
	(void)prefetch_has_write();
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "contend: unknown command '%s' (see contend --help)\n",
		argv[1]);
	return EXIT_USAGE;
}
