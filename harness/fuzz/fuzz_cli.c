/* SPDX-License-Identifier: ISC */
/*
 * fuzz_cli.c - `smtpcheck fuzz`: the options, checked, into struct
 * fuzz_opts. Exit codes as for run: 0 nothing found, 1 findings, 2 usage,
 * 3 target unreachable, 4 a report could not be written.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "fuzz.h"
#include "sc_util.h"
#include "scn_vars.h"

#define FZ_EXIT_USAGE	2
#define FZ_PATHS_MAX	64
#define FZ_VARS_MAX	64

static const char fz_usage[] =
"usage: smtpcheck fuzz --target HOST:PORT [options] [PATH...]\n"
"\n"
"Fuzz an SMTP server: sessions made from the command lines of the\n"
"scenarios under PATH (default: the built-in suite), bent by mutation\n"
"operators, and judged by oracles: malformed replies, hangs, drops,\n"
"crashes (a liveness probe after every case), 2xx to invalid commands,\n"
"SMTP smuggling, STARTTLS injection, reply counts. Each finding is shrunk\n"
"and written to DIR as a scenario that `smtpcheck run` replays.\n"
"\n"
"  -t, --target HOST:PORT  the server under test\n"
"      --seed N            the cases to make (default: from the clock,\n"
"                          printed); the same seed, corpus and server\n"
"                          behaviour give the same cases in the same order\n"
"                          with --jobs 1\n"
"      --iterations N      stop after N cases (default 1000, unless\n"
"                          --duration is given)\n"
"      --duration S        stop after S seconds (\"90\", \"5m\")\n"
"  -j, --jobs N            cases at once, 1-16 (default 1)\n"
"      --rate R            at most R new connections per second, all jobs\n"
"                          together, the liveness probes and the shrinking\n"
"                          included (default 10; 0: no limit, for your own\n"
"                          test servers only)\n"
"      --reply-timeout D   no reply within D is a hang (default 10s)\n"
"      --out DIR           findings and summary.json (default\n"
"                          smtpcheck-fuzz)\n"
"      --keep N            reproducers per class and operator (default 1)\n"
"      --no-minimize       write findings as found, unshrunk\n"
"      --stop-after N      stop after N findings\n"
"      --tls MODE          starttls: every session inside STARTTLS;\n"
"                          implicit: TLS from the first byte. Certificates\n"
"                          are not verified: fuzzing is not about them\n"
"      --profile FILE      variables (helo, sender, rcpt) as for run\n"
"      --var NAME=VALUE    a variable (repeatable)\n"
"      --report json:FILE  a copy of the summary\n"
"  -q, --quiet             only the exit code and the files\n"
"\n"
"Politeness: by default one session at a time and at most 10 new\n"
"connections per second. Ctrl-C stops after the current case and keeps\n"
"what was found.\n"
"\n"
"Exit codes: 0 nothing found; 1 findings; 2 usage or scenario-file\n"
"error; 3 target unreachable; 4 a file could not be written.\n";

static void
fz_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void
fz_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smtpcheck: fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see smtpcheck fuzz --help)\n");
	exit(FZ_EXIT_USAGE);
}

enum {
	OPT_SEED = 256, OPT_ITER, OPT_DURATION, OPT_RATE, OPT_REPLY,
	OPT_OUT, OPT_KEEP, OPT_NOMIN, OPT_TLS, OPT_PROFILE, OPT_VAR,
	OPT_REPORT, OPT_STOP,
};

/* fz_u64 - a whole number in [min, max], or exit 2. */
static uint64_t
fz_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || s[0] == '-' || v < min ||
	    v > max)
		fz_die("%s \"%s\": expected a whole number from %llu to %llu",
		    opt, s, (unsigned long long)min, (unsigned long long)max);
	return v;
}

/* fz_duration - "90", "90s", "5m", "500ms" in ms, or exit 2. */
static long
fz_duration(const char *opt, const char *s, bool plain_is_s)
{
	long ms, v;

	if (plain_is_s && sc_parse_long(s, 1, 7L * 24 * 3600, &v) == 0)
		return v * 1000;
	if (sc_parse_duration_ms(s, &ms) == -1 || ms <= 0)
		fz_die("%s \"%s\": expected a duration like 90s, 5m or 500ms",
		    opt, s);
	return ms;
}

int
fuzz_command(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "iterations", required_argument, NULL, OPT_ITER },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "jobs", required_argument, NULL, 'j' },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "reply-timeout", required_argument, NULL, OPT_REPLY },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "no-minimize", no_argument, NULL, OPT_NOMIN },
		{ "stop-after", required_argument, NULL, OPT_STOP },
		{ "tls", required_argument, NULL, OPT_TLS },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "var", required_argument, NULL, OPT_VAR },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fuzz_opts o;
	struct sc_err err = { 0 };
	struct scn_vars *vars;
	const char *paths[FZ_PATHS_MAX], *varargs[FZ_VARS_MAX];
	const char *profile = NULL;
	size_t nvars = 0, i;
	bool seed_set = false;
	char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32], *end;
	int ch, rc;

	memset(&o, 0, sizeof(o));
	o.jobs = 1;
	o.rate = FUZZ_RATE_DEFAULT;
	o.reply_ms = FUZZ_REPLY_MS_DEFAULT;
	o.keep = FUZZ_KEEP_DEFAULT;
	o.minimize = true;
	o.out_dir = "smtpcheck-fuzz";
	o.paths = paths;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "t:j:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			o.target = optarg;
			break;
		case OPT_SEED:
			o.seed = fz_u64("--seed", optarg, 0, UINT64_MAX);
			seed_set = true;
			break;
		case OPT_ITER:
			o.iterations = fz_u64("--iterations", optarg, 1,
			    UINT64_MAX / 2);
			break;
		case OPT_DURATION:
			o.duration_ms = fz_duration("--duration", optarg, true);
			break;
		case 'j':
			o.jobs = (int)fz_u64("--jobs", optarg, 1,
			    FUZZ_JOBS_MAX);
			break;
		case OPT_RATE:
			errno = 0;
			o.rate = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(o.rate >= 0 && o.rate <= 100000))
				fz_die("--rate \"%s\": expected connections per "
				    "second, 0 to 100000 (0: no limit)", optarg);
			break;
		case OPT_REPLY:
			o.reply_ms = fz_duration("--reply-timeout", optarg,
			    false);
			break;
		case OPT_OUT:
			o.out_dir = optarg;
			break;
		case OPT_KEEP:
			o.keep = (int)fz_u64("--keep", optarg, 1, 1000);
			break;
		case OPT_STOP:
			o.stop_after = (size_t)fz_u64("--stop-after", optarg,
			    1, FUZZ_FINDINGS_MAX);
			break;
		case OPT_NOMIN:
			o.minimize = false;
			break;
		case OPT_TLS:
			if (strcmp(optarg, "starttls") == 0)
				o.tls_starttls = true;
			else if (strcmp(optarg, "implicit") == 0)
				o.tls_implicit = true;
			else if (strcmp(optarg, "none") != 0)
				fz_die("--tls \"%s\": expected starttls, implicit "
				    "or none", optarg);
			break;
		case OPT_PROFILE:
			profile = optarg;
			break;
		case OPT_VAR:
			if (nvars == FZ_VARS_MAX)
				fz_die("too many --var (at most %d)",
				    FZ_VARS_MAX);
			varargs[nvars++] = optarg;
			break;
		case OPT_REPORT:
			if (strncmp(optarg, "json:", 5) != 0 ||
			    optarg[5] == '\0')
				fz_die("--report \"%s\": expected json:FILE",
				    optarg);
			o.report_json = optarg + 5;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			fputs(fz_usage, stdout);
			return 0;
		case ':':
			fz_die("option %s needs a value", argv[optind - 1]);
		default:
			fz_die("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++) {
		if (o.npaths == FZ_PATHS_MAX)
			fz_die("too many paths (at most %d)", FZ_PATHS_MAX);
		paths[o.npaths++] = argv[optind];
	}
	if (o.target == NULL)
		fz_die("fuzz needs --target HOST:PORT");
	if (conn_target_parse(o.target, &o.host, &o.port, &err) == -1)
		fz_die("--target: %s", err.msg);
	if (o.iterations == 0 && o.duration_ms == 0)
		o.iterations = FUZZ_ITERATIONS_DEFAULT;
	if (!seed_set)
		o.seed = (uint64_t)time(NULL) ^ (uint64_t)sc_now_us();
	vars = scn_vars_new();
	if (profile != NULL &&
	    scn_vars_load_profile(vars, profile, &err) == -1) {
		sc_err_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		exit(FZ_EXIT_USAGE);
	}
	for (i = 0; i < nvars; i++) {
		if (scn_vars_set_arg(vars, varargs[i], &err) == -1) {
			sc_err_format(&err, msg, sizeof(msg));
			fz_die("--var: %s", msg);
		}
	}
	o.vars = vars;
	rc = fuzz_run(&o);
	scn_vars_free(vars);
	free(o.host);
	free(o.port);
	return rc;
}
