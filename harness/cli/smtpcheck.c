/* SPDX-License-Identifier: ISC */
/*
 * smtpcheck.c - the command line: run, lint, list.
 *
 * Exit codes (README.md, "Exit codes"):
 *   0  no FAIL and no ERROR
 *   1  at least one FAIL
 *   2  usage error, or a scenario/profile file error
 *   3  the target is unreachable
 *   4  no FAIL, but at least one ERROR (a check could not run)
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "fuzz.h"
#include "imp.h"
#include "load.h"
#include "rep.h"
#include "run.h"
#include "run_matrix.h"
#include "tls.h"
#include "run_result.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_vars.h"

#define EXIT_PASS	0
#define EXIT_FAILED	1
#define EXIT_USAGE	2
#define EXIT_UNREACH	3
#define EXIT_ERRORED	4

#define CLI_REPORTS_MAX	16
#define CLI_LIST_MAX	256	/* --tag, --id, --suite, paths */

static const char *cli_prog = "smtpcheck";

static const char cli_usage[] =
"usage: smtpcheck run --target HOST:PORT [PATH... | --suite NAME] [options]\n"
"       smtpcheck serve --listen HOST:PORT [--client-cmd CMD] [PATH...]\n"
"       smtpcheck lint [PATH...]\n"
"       smtpcheck list [PATH... | --suite NAME] [--tag T] [--id ID]\n"
"       smtpcheck matrix --smtpref BIN [PATH... | --suite NAME] [options]\n"
"       smtpcheck fuzz --target HOST:PORT [options] [PATH...]  (fuzz --help)\n"
"       smtpcheck import CAPTURE [--flow N] [--list] [-o FILE]  (import --help)\n"
"       smtpcheck load --target HOST:PORT [options]  (load --help)\n"
"       smtpcheck version\n"
"\n"
"run: play client-role scenarios against the SMTP server at HOST:PORT.\n"
"  -t, --target HOST:PORT   the server under test ([::1]:25 for IPv6)\n"
"  -s, --suite NAME         scenarios/NAME (\"all\": every suite; default)\n"
"      --tag T              only scenarios with tag T (repeatable: any)\n"
"      --id PATTERN         only ids matching PATTERN, shell glob (repeatable)\n"
"  -j, --jobs N             scenarios at once, 1-256 (default 1)\n"
"      --timeout-scale F    multiply every deadline by F (default 1.0)\n"
"      --profile FILE       variables from FILE (`name = value` lines)\n"
"      --var NAME=VALUE     set a variable (repeatable; beats --profile)\n"
"      --report FMT:FILE    write a report: junit, json, tap, text or\n"
"                           html; FILE - is standard output (repeatable)\n"
"      --shard K/N          run the K-th of N deterministic slices\n"
"      --tls MODE           starttls (default: TLS where a scenario starts\n"
"                           it), implicit (TLS from the first byte, port\n"
"                           465 style) or none (TLS scenarios SKIP)\n"
"      --ca FILE            trust these PEM CA certificates, not the system\n"
"                           store, when verifying the server certificate\n"
"      --insecure           go on when the server certificate does not\n"
"                           verify (said in the summary)\n"
"      --cert FILE          client certificate chain (PEM) to present\n"
"      --key FILE           its private key (default: in --cert)\n"
"      --tls-name NAME      the name checked in the certificate and sent\n"
"                           as SNI (default: the target host)\n"
"      --pcap DIR           write DIR/<scenario id>.pcap for every scenario\n"
"                           (DIR is created): its TCP streams as SMTP saw\n"
"                           them, decrypted TLS marked DSCP CS1; a server\n"
"                           port other than 25 or 587 is written as 25\n"
"  -v, --verbose            print every result and full transcripts\n"
"  -q, --quiet              print only the summary\n"
"\n"
"serve: play server-role scenarios to an SMTP client under test.\n"
"      --listen HOST:PORT   where the fake server listens (port 0: a free\n"
"                           one, printed on stderr)\n"
"      --client-cmd CMD     start the client for each scenario: /bin/sh -c\n"
"                           CMD with {host}, {port}, {message} and {NAME}\n"
"                           (a scenario's `client NAME=V`, else --var NAME)\n"
"                           filled in and quoted; its exit status can be\n"
"                           judged, and it is killed if it outlives the\n"
"                           scenario. Without it: one scenario per client\n"
"                           that connects, in order\n"
"      --cert FILE, --key FILE   the server certificate, for STARTTLS\n"
"      --tag, --id, --timeout-scale, --profile, --var, --report, --pcap,\n"
"      -v, -q               as for run\n"
"\n"
"matrix: the kill matrix. Run the selection against the reference server\n"
"smtpref (started from BIN on a free loopback port) without faults, then\n"
"under each fault profile; it holds when smtpref gets no FAIL, WARN or\n"
"ERROR, every scenario FAILs under some profile and every profile is\n"
"caught by some scenario. Exit 0 when it holds, 1 when not.\n"
"      --smtpref BIN        the smtpref binary\n"
"      --fault NAME         only this profile (repeatable; default: all)\n"
"      -j, --jobs N         scenarios at once (default 16)\n"
"      --timeout-scale F    (default 0.05: smtpref answers at once, and\n"
"                           the 5-minute idle checks take 15 s)\n"
"      --report FMT:FILE    json or text\n"
"      --ref-arg ARG        pass ARG to every smtpref (repeatable), e.g.\n"
"                           --ref-arg --cert --ref-arg server.pem; TLS\n"
"                           faults run only when --cert is among them\n"
"      --tls, --ca, ...     as for run\n"
"\n"
"Verdicts: PASS, FAIL (a MUST broken), WARN (a SHOULD missed), INFO (a\n"
"policy the server may choose), SKIP (not applicable), ERROR (the check\n"
"could not run).\n"
"\n"
"Exit codes: 0 no FAIL and no ERROR; 1 at least one FAIL; 2 usage or\n"
"scenario-file error; 3 target unreachable; 4 an ERROR but no FAIL.\n"
"Colour only on a terminal, and never when NO_COLOR is set.\n";

/* cli_die_usage - one-line usage error, exit 2. */
static void
cli_die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));
static void
cli_die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see smtpcheck --help)\n");
	exit(EXIT_USAGE);
}

struct cli_report {
	enum rep_format	 fmt;
	const char	*path;
};

struct cli_opts {
	const char	*target;
	const char	*paths[CLI_LIST_MAX];
	size_t		 npaths;
	const char	*suites[CLI_LIST_MAX];
	size_t		 nsuites;
	const char	*tags[CLI_LIST_MAX];
	size_t		 ntags;
	const char	*ids[CLI_LIST_MAX];
	size_t		 nids;
	int		 jobs;
	double		 timeout_scale;
	const char	*profile;
	const char	*vars[CLI_LIST_MAX];
	size_t		 nvars;
	struct cli_report reports[CLI_REPORTS_MAX];
	size_t		 nreports;
	int		 shard_k, shard_n;
	bool		 verbose, quiet;
	const char	*smtpref;
	const char	*faults[CLI_LIST_MAX];
	size_t		 nfaults;
	const char	*ref_args[CLI_LIST_MAX];
	size_t		 nref_args;
	const char	*listen;	/* serve */
	const char	*client_cmd;	/* serve */
	const char	*pcap_dir;	/* run, serve: --pcap */
	bool		 jobs_set, scale_set;
	enum run_tls_mode tls_mode;
	struct tls_client_opts tls;
};

/* cli_push - add to a bounded list of strings. */
static void
cli_push(const char **v, size_t *n, const char *s, const char *what)
{
	if (*n == CLI_LIST_MAX)
		cli_die_usage("too many %s (limit %d)", what, CLI_LIST_MAX);
	v[(*n)++] = s;
}

/* cli_parse_shard - "K/N" with 1 <= K <= N. */
static void
cli_parse_shard(const char *s, int *k, int *n)
{
	char *slash, kbuf[32];
	long kk, nn;

	slash = strchr(s, '/');
	if (slash == NULL || (size_t)(slash - s) >= sizeof(kbuf))
		cli_die_usage("--shard \"%s\": expected K/N, e.g. 2/4", s);
	memcpy(kbuf, s, (size_t)(slash - s));
	kbuf[slash - s] = '\0';
	if (sc_parse_long(kbuf, 1, 100000, &kk) == -1 ||
	    sc_parse_long(slash + 1, 1, 100000, &nn) == -1 || kk > nn)
		cli_die_usage("--shard \"%s\": expected K/N with 1 <= K <= N",
		    s);
	*k = (int)kk;
	*n = (int)nn;
}

/* cli_parse_report - "FORMAT:FILE". */
static void
cli_parse_report(struct cli_opts *o, const char *s)
{
	const char *colon = strchr(s, ':');
	char name[16];

	if (o->nreports == CLI_REPORTS_MAX)
		cli_die_usage("too many --report (limit %d)", CLI_REPORTS_MAX);
	if (colon == NULL || colon[1] == '\0' ||
	    (size_t)(colon - s) >= sizeof(name))
		cli_die_usage("--report \"%s\": expected FORMAT:FILE, e.g. "
		    "junit:report.xml", s);
	memcpy(name, s, (size_t)(colon - s));
	name[colon - s] = '\0';
	if (rep_format_parse(name, &o->reports[o->nreports].fmt) == -1)
		cli_die_usage("--report \"%s\": unknown format \"%s\" "
		    "(junit, json, tap, text, html)", s, name);
	o->reports[o->nreports++].path = colon + 1;
}

enum {
	OPT_TAG = 256, OPT_ID, OPT_TSCALE, OPT_PROFILE, OPT_VAR, OPT_REPORT,
	OPT_SHARD, OPT_SMTPREF, OPT_FAULT, OPT_TLS, OPT_CA, OPT_INSECURE,
	OPT_CERT, OPT_KEY, OPT_TLS_NAME, OPT_REF_ARG, OPT_LISTEN,
	OPT_CLIENT_CMD, OPT_PCAP,
};

/* cli_parse - options of run, lint and list. */
static void
cli_parse(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "suite", required_argument, NULL, 's' },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "id", required_argument, NULL, OPT_ID },
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout-scale", required_argument, NULL, OPT_TSCALE },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "var", required_argument, NULL, OPT_VAR },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "smtpref", required_argument, NULL, OPT_SMTPREF },
		{ "fault", required_argument, NULL, OPT_FAULT },
		{ "tls", required_argument, NULL, OPT_TLS },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "tls-name", required_argument, NULL, OPT_TLS_NAME },
		{ "ref-arg", required_argument, NULL, OPT_REF_ARG },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "client-cmd", required_argument, NULL, OPT_CLIENT_CMD },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long l;
	int ch;

	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	o->timeout_scale = 1.0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "t:s:j:vqh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 't':
			o->target = optarg;
			break;
		case 's':
			cli_push(o->suites, &o->nsuites, optarg, "--suite");
			break;
		case OPT_TAG:
			cli_push(o->tags, &o->ntags, optarg, "--tag");
			break;
		case OPT_ID:
			cli_push(o->ids, &o->nids, optarg, "--id");
			break;
		case 'j':
			if (sc_parse_long(optarg, 1, RUN_JOBS_MAX, &l) == -1)
				cli_die_usage("--jobs \"%s\": expected a number "
				    "from 1 to %d", optarg, RUN_JOBS_MAX);
			o->jobs = (int)l;
			o->jobs_set = true;
			break;
		case OPT_TSCALE:
			errno = 0;
			o->timeout_scale = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(o->timeout_scale >= 0.01 &&
			    o->timeout_scale <= 100.0))
				cli_die_usage("--timeout-scale \"%s\": expected a "
				    "number from 0.01 to 100", optarg);
			o->scale_set = true;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_VAR:
			cli_push(o->vars, &o->nvars, optarg, "--var");
			break;
		case OPT_REPORT:
			cli_parse_report(o, optarg);
			break;
		case OPT_SHARD:
			cli_parse_shard(optarg, &o->shard_k, &o->shard_n);
			break;
		case OPT_SMTPREF:
			o->smtpref = optarg;
			break;
		case OPT_FAULT:
			cli_push(o->faults, &o->nfaults, optarg, "--fault");
			break;
		case OPT_TLS:
			if (strcmp(optarg, "starttls") == 0)
				o->tls_mode = RUN_TLS_STARTTLS;
			else if (strcmp(optarg, "implicit") == 0)
				o->tls_mode = RUN_TLS_IMPLICIT;
			else if (strcmp(optarg, "none") == 0)
				o->tls_mode = RUN_TLS_NONE;
			else
				cli_die_usage("--tls \"%s\": expected starttls, "
				    "implicit or none", optarg);
			break;
		case OPT_CA:
			o->tls.ca_file = optarg;
			break;
		case OPT_INSECURE:
			o->tls.insecure = true;
			break;
		case OPT_CERT:
			o->tls.cert_file = optarg;
			break;
		case OPT_KEY:
			o->tls.key_file = optarg;
			break;
		case OPT_TLS_NAME:
			o->tls.sni_host = optarg;
			break;
		case OPT_REF_ARG:
			cli_push(o->ref_args, &o->nref_args, optarg,
			    "--ref-arg");
			break;
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_CLIENT_CMD:
			o->client_cmd = optarg;
			break;
		case OPT_PCAP:
			if (*optarg == '\0')
				cli_die_usage("--pcap needs a folder");
			o->pcap_dir = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(cli_usage, stdout);
			exit(EXIT_PASS);
		case ':':
			cli_die_usage("option %s needs a value",
			    argv[optind - 1]);
		default:
			cli_die_usage("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++)
		cli_push(o->paths, &o->npaths, argv[optind], "paths");
	if (o->tls.key_file != NULL && o->tls.cert_file == NULL)
		cli_die_usage("--key needs --cert");
}

/*
 * cli_tls - the run's TLS client context, unless --tls none: exit 2 when
 * a file given cannot be used. *policy gets the summary's line.
 */
static struct tls_ctx *
cli_tls(const struct cli_opts *o, char **policy)
{
	struct sc_err err = { 0 };
	struct tls_ctx *t;
	char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32];

	if (o->tls_mode == RUN_TLS_NONE) {
		*policy = xstrdup("none");
		return NULL;
	}
	t = tls_client_ctx_new(&o->tls, &err);
	if (t == NULL) {
		sc_err_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s: %s\n", cli_prog, msg);
		exit(EXIT_USAGE);
	}
	*policy = xasprintf("%s; certificates %s%s%s%s",
	    run_tls_mode_str(o->tls_mode), o->tls.insecure ?
	    "NOT verified (--insecure)" : "verified against ",
	    o->tls.insecure ? "" : o->tls.ca_file != NULL ? o->tls.ca_file :
	    "the system store", o->tls.cert_file != NULL ?
	    "; client certificate " : "", o->tls.cert_file != NULL ?
	    o->tls.cert_file : "");
	return t;
}

/* cli_load - the selection named by paths and suites; exit 2 on errors. */
static void
cli_load(struct cli_opts *o, struct run_selection *sel, char **owned,
    size_t *nowned)
{
	const char *all[CLI_LIST_MAX * 2];
	size_t n = 0, i;
	char *p;
	int bad;

	for (i = 0; i < o->npaths; i++)
		all[n++] = o->paths[i];
	if (o->npaths == 0 && o->nsuites == 0)
		o->suites[o->nsuites++] = "all";
	for (i = 0; i < o->nsuites; i++) {
		if (strcmp(o->suites[i], "all") == 0) {
			p = run_suite_path(".");
		} else {
			p = run_suite_path(o->suites[i]);
		}
		if (p == NULL)
			cli_die_usage("no suite \"%s\": expected a folder under "
			    "scenarios/ (set SMTPCHECK_SCENARIOS to the "
			    "scenarios folder)", o->suites[i]);
		owned[(*nowned)++] = p;
		all[n++] = p;
	}
	bad = run_select_load(all, n, sel);
	if (bad > 0) {
		fprintf(stderr, "%s: %d scenario file error%s\n", cli_prog, bad,
		    bad == 1 ? "" : "s");
		exit(EXIT_USAGE);
	}
}

/* cli_filter - keep what --tag, --id, the role and (if shard) --shard
 * select. */
static void
cli_filter(const struct cli_opts *o, int role, bool shard,
    struct run_selection *sel)
{
	struct run_filter f;

	memset(&f, 0, sizeof(f));
	f.tags = o->tags;
	f.ntags = o->ntags;
	f.ids = o->ids;
	f.nids = o->nids;
	f.role = role;
	if (shard) {
		f.shard_k = o->shard_k;
		f.shard_n = o->shard_n;
	}
	run_select_filter(sel, &f);
}

struct cli_progress {
	bool	 tty, colour, verbose, quiet;
	size_t	 counts[RUN_VERDICT_COUNT];
};

/* cli_on_done - print a finished scenario and the progress line. */
static void
cli_on_done(void *arg, size_t done, size_t total, const struct run_result *r)
{
	struct cli_progress *pr = arg;

	pr->counts[r->verdict]++;
	if (pr->tty)
		fputs("\r\033[K", stderr);
	if (!pr->quiet && (r->verdict != RUN_PASS || pr->verbose)) {
		rep_term_result(stdout, r, pr->colour, pr->verbose);
		fflush(stdout);
	}
	if (pr->tty && done < total) {
		fprintf(stderr, "[%zu/%zu] %zu pass, %zu fail, %zu warn, "
		    "%zu info, %zu skip, %zu error", done, total,
		    pr->counts[RUN_PASS], pr->counts[RUN_FAIL],
		    pr->counts[RUN_WARN], pr->counts[RUN_INFO],
		    pr->counts[RUN_SKIP], pr->counts[RUN_ERROR]);
		fflush(stderr);
	}
}

/* cli_write_reports - every --report; 0 or -1. The writers are told where
 * each report goes and the folder we run in (the HTML report links
 * captures relative to its own folder). */
static int
cli_write_reports(const struct cli_opts *o, const struct run_summary *sum)
{
	char cwd[PATH_MAX];
	struct rep_dest dest;
	FILE *f;
	size_t i;
	int rc = 0;

	for (i = 0; i < o->nreports; i++) {
		const char *path = o->reports[i].path;

		dest.path = strcmp(path, "-") == 0 ? NULL : path;
		dest.cwd = getcwd(cwd, sizeof(cwd));

		f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
		if (f == NULL) {
			fprintf(stderr, "%s: %s: cannot write report: %s\n",
			    cli_prog, path, strerror(errno));
			rc = -1;
			continue;
		}
		if (rep_write_to(o->reports[i].fmt, f, sum, &dest) == -1 ||
		    (f != stdout ? fclose(f) : fflush(f)) != 0) {
			fprintf(stderr, "%s: %s: write error: %s\n", cli_prog,
			    path, strerror(errno));
			rc = -1;
		}
	}
	return rc;
}

/*
 * cli_pcap_dir - create the --pcap folder and its parents before any
 * scenario runs: a folder that cannot be made is a usage error (exit 2),
 * found before the run rather than after every scenario.
 */
static void
cli_pcap_dir(const char *dir)
{
	char *p = xstrdup(dir), *s;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) == -1 && errno != EEXIST) {
				fprintf(stderr, "%s: --pcap %s: cannot create "
				    "%s: %s\n", cli_prog, dir, p,
				    strerror(errno));
				exit(EXIT_USAGE);
			}
			*s = c;
		}
		if (*s == '\0')
			break;
	}
	free(p);
}

/*
 * cli_capture_errors - one line per capture --pcap could not write;
 * returns how many.
 */
static size_t
cli_capture_errors(const struct run_result *results, size_t n)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		if (results[i].capture_err == NULL)
			continue;
		fprintf(stderr, "%s: %s\n", cli_prog, results[i].capture_err);
		bad++;
	}
	return bad;
}

/* cli_vars - defaults, then the profile, then --var. Exit 2 on errors. */
static struct scn_vars *
cli_vars(const struct cli_opts *o)
{
	struct scn_vars *v = scn_vars_new();
	struct sc_err err = { 0 };
	char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32];
	size_t i;

	if (o->profile != NULL &&
	    scn_vars_load_profile(v, o->profile, &err) == -1) {
		sc_err_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		exit(EXIT_USAGE);
	}
	for (i = 0; i < o->nvars; i++) {
		if (scn_vars_set_arg(v, o->vars[i], &err) == -1) {
			sc_err_format(&err, msg, sizeof(msg));
			cli_die_usage("--var: %s", msg);
		}
	}
	return v;
}

/*
 * cli_conclude - the end of run and serve: the summary on the terminal,
 * the reports, and the exit code (1 on any FAIL, else 4 on any ERROR or a
 * report that could not be written). Frees the n results.
 */
static int
cli_conclude(const struct cli_opts *o, const struct cli_progress *pr,
    struct run_summary *sum, struct run_result *results, size_t n)
{
	size_t i;
	int rc;

	if (pr->tty)
		fputs("\r\033[K", stderr);
	sum->results = results;
	sum->nresults = n;
	run_summary_count(sum);
	rep_term_summary(stdout, sum, pr->colour);
	rc = cli_write_reports(o, sum) == -1 ? EXIT_ERRORED : EXIT_PASS;
	if (cli_capture_errors(results, n) > 0)
		rc = EXIT_ERRORED;	/* as for a report */
	if (sum->counts[RUN_FAIL] > 0)
		rc = EXIT_FAILED;
	else if (sum->counts[RUN_ERROR] > 0)
		rc = EXIT_ERRORED;
	for (i = 0; i < n; i++)
		run_result_clear(&results[i]);
	free(results);
	return rc;
}

/* cli_run - the run subcommand. */
static int
cli_run(int argc, char **argv)
{
	struct cli_opts o;
	struct run_selection sel;
	struct run_ctx ctx;
	struct run_summary sum;
	struct run_result *results;
	struct cli_progress pr;
	struct sc_err err = { 0 };
	struct scn_vars *vars;
	char *owned[CLI_LIST_MAX + 1], shard[32];
	char *tls_policy = NULL, *tls_peer = NULL;
	size_t nowned = 0, i;
	int rc;

	cli_parse(argc, argv, &o);
	if (o.target == NULL)
		cli_die_usage("run needs --target HOST:PORT");
	memset(&ctx, 0, sizeof(ctx));
	if (conn_target_parse(o.target, &ctx.host, &ctx.port, &err) == -1)
		cli_die_usage("--target: %s", err.msg);
	ctx.target = xstrdup(o.target);
	ctx.timeout_scale = o.timeout_scale;
	ctx.tls_mode = o.tls_mode;
	ctx.tls = cli_tls(&o, &tls_policy);
	vars = cli_vars(&o);
	ctx.vars = vars;
	if (o.pcap_dir != NULL)
		cli_pcap_dir(o.pcap_dir);
	ctx.pcap_dir = o.pcap_dir;

	cli_load(&o, &sel, owned, &nowned);
	cli_filter(&o, SCN_ROLE_CLIENT, true, &sel);
	if (sel.n == 0 && o.shard_n == 0)
		cli_die_usage("no client-role scenario selected");

	if (run_probe_target(&ctx, &err) == -1) {
		fprintf(stderr, "%s: target %s unreachable: %s\n", cli_prog,
		    o.target, err.msg);
		exit(EXIT_UNREACH);
	}

	memset(&pr, 0, sizeof(pr));
	pr.tty = isatty(STDERR_FILENO) && !o.quiet;
	pr.colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	pr.verbose = o.verbose;
	pr.quiet = o.quiet;
	results = xcalloc(sel.n > 0 ? sel.n : 1, sizeof(*results));
	memset(&sum, 0, sizeof(sum));
	sum.tool_version = SC_VERSION;
	sum.target = o.target;
	sum.timeout_scale = o.timeout_scale;
	sum.tls = tls_policy;
	if (ctx.probe.tls_ok)
		tls_peer = run_tls_describe(&ctx.probe.tls_info);
	else if (ctx.tls_mode != RUN_TLS_NONE)
		tls_peer = xasprintf("not reached: %s", ctx.probe.tls_detail !=
		    NULL ? ctx.probe.tls_detail : "no TLS");
	sum.tls_peer = tls_peer;
	if (o.shard_n > 0) {
		snprintf(shard, sizeof(shard), "%d/%d", o.shard_k, o.shard_n);
		sum.shard = shard;
	}
	sum.started_wall_us = sc_wall_us();
	{
		int64_t t0 = sc_now_us();

		run_pool(&ctx, &sel, o.jobs, results, cli_on_done, &pr);
		sum.duration_us = sc_now_us() - t0;
	}
	rc = cli_conclude(&o, &pr, &sum, results, sel.n);
	run_selection_clear(&sel);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	scn_vars_free(vars);
	run_ctx_clear(&ctx);
	free(tls_policy);
	free(tls_peer);
	return rc;
}

/*
 * cli_check_command - the program a --client-cmd starts with must exist:
 * a missing one would only show as every scenario failing. Its first
 * word (no placeholders, no shell syntax expected there) is looked up
 * like the shell would: a path, or each folder of $PATH. Exits 2.
 */
static void
cli_check_command(const char *cmd)
{
	char prog[PATH_MAX], cand[PATH_MAX * 2];
	const char *path, *p, *colon;
	size_t n;

	cmd += strspn(cmd, " \t");
	n = strcspn(cmd, " \t");
	if (n == 0 || n >= sizeof(prog) || memchr(cmd, '{', n) != NULL)
		return;		/* a placeholder or odd syntax: leave it */
	memcpy(prog, cmd, n);
	prog[n] = '\0';
	if (strchr(prog, '/') != NULL) {
		if (access(prog, X_OK) == -1)
			cli_die_usage("--client-cmd: %s: %s", prog,
			    strerror(errno));
		return;
	}
	path = getenv("PATH");
	for (p = path != NULL ? path : "/usr/bin:/bin"; ; p = colon + 1) {
		colon = strchr(p, ':');
		snprintf(cand, sizeof(cand), "%.*s/%s", colon != NULL ?
		    (int)(colon - p) : (int)strlen(p), p, prog);
		if (access(cand, X_OK) == 0)
			return;
		if (colon == NULL)
			break;
	}
	cli_die_usage("--client-cmd: %s: command not found in PATH", prog);
}

/* cli_serve - the fake server: server-role scenarios, one client each. */
static int
cli_serve(int argc, char **argv)
{
	struct cli_opts o;
	struct run_selection sel;
	struct serve_ctx ctx;
	struct run_summary sum;
	struct run_result *results;
	struct cli_progress pr;
	struct sc_err err = { 0 };
	struct scn_vars *vars;
	char *owned[CLI_LIST_MAX + 1], *host = NULL, *port = NULL, *target;
	char bound[64], *colon;
	size_t nowned = 0, i;
	int rc;

	cli_parse(argc, argv, &o);
	if (o.listen == NULL)
		cli_die_usage("serve needs --listen HOST:PORT");
	{
		/* HOST:0 picks a free port: parse it as HOST:1, then use 0 */
		size_t ll = strlen(o.listen);
		char *tmp = xstrdup(o.listen);
		bool any = ll > 2 && strcmp(o.listen + ll - 2, ":0") == 0;

		if (any)
			tmp[ll - 1] = '1';
		if (conn_target_parse(tmp, &host, &port, &err) == -1)
			cli_die_usage("--listen: %s", err.msg);
		if (any) {
			free(port);
			port = xstrdup("0");
		}
		free(tmp);
	}
	if (o.client_cmd != NULL && *o.client_cmd == '\0')
		cli_die_usage("--client-cmd is empty");
	if (o.client_cmd != NULL)
		cli_check_command(o.client_cmd);
	memset(&ctx, 0, sizeof(ctx));
	ctx.lfd = conn_listen(host, port, bound, sizeof(bound), &err);
	if (ctx.lfd == -1) {
		fprintf(stderr, "%s: %s\n", cli_prog, err.msg);
		exit(EXIT_USAGE);
	}
	free(port);
	colon = strrchr(bound, ':');
	ctx.host = host;
	ctx.port = xstrdup(colon != NULL ? colon + 1 : "0");
	ctx.client_cmd = o.client_cmd;
	ctx.timeout_scale = o.timeout_scale;
	if (o.tls.cert_file != NULL) {
		ctx.tls = tls_server_ctx_new(o.tls.cert_file, o.tls.key_file,
		    &err);
		if (ctx.tls == NULL) {
			char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32];

			sc_err_format(&err, msg, sizeof(msg));
			fprintf(stderr, "%s: %s\n", cli_prog, msg);
			exit(EXIT_USAGE);
		}
	}
	vars = cli_vars(&o);
	ctx.vars = vars;
	if (o.pcap_dir != NULL)
		cli_pcap_dir(o.pcap_dir);
	ctx.pcap_dir = o.pcap_dir;
	cli_load(&o, &sel, owned, &nowned);
	cli_filter(&o, SCN_ROLE_SERVER, true, &sel);
	if (sel.n == 0)
		cli_die_usage("no server-role scenario selected");
	fprintf(stderr, "%s: listening on %s\n", cli_prog, bound);

	memset(&pr, 0, sizeof(pr));
	pr.tty = isatty(STDERR_FILENO) && !o.quiet;
	pr.colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	pr.verbose = o.verbose;
	pr.quiet = o.quiet;
	results = xcalloc(sel.n, sizeof(*results));
	memset(&sum, 0, sizeof(sum));
	sum.tool_version = SC_VERSION;
	target = xasprintf("client%s%s, served on %s", o.client_cmd != NULL ?
	    " " : "s connecting", o.client_cmd != NULL ? o.client_cmd : "",
	    bound);
	sum.target = target;
	sum.timeout_scale = o.timeout_scale;
	sum.started_wall_us = sc_wall_us();
	{
		int64_t t0 = sc_now_us();

		for (i = 0; i < sel.n; i++) {
			run_serve_scenario(&ctx, sel.v[i], &results[i]);
			cli_on_done(&pr, i + 1, sel.n, &results[i]);
		}
		sum.duration_us = sc_now_us() - t0;
	}
	rc = cli_conclude(&o, &pr, &sum, results, sel.n);
	free(target);
	run_selection_clear(&sel);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	scn_vars_free(vars);
	close(ctx.lfd);
	free(ctx.host);
	free(ctx.port);
	tls_ctx_free(ctx.tls);
	return rc;
}

/* cli_lint - parse and check files; exit 2 on any error. */
static int
cli_lint(int argc, char **argv)
{
	struct cli_opts o;
	struct run_selection sel;
	char *owned[CLI_LIST_MAX + 1];
	size_t nowned = 0, i;

	cli_parse(argc, argv, &o);
	cli_load(&o, &sel, owned, &nowned);	/* exits 2 on errors */
	printf("%zu scenario%s, no errors\n", sel.n, sel.n == 1 ? "" : "s");
	run_selection_clear(&sel);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	return EXIT_PASS;
}

/* cli_list - id, title, RFC references, tags. */
static int
cli_list(int argc, char **argv)
{
	struct cli_opts o;
	struct run_selection sel;
	char *owned[CLI_LIST_MAX + 1];
	size_t nowned = 0, i, j;
	const struct scn *s;

	cli_parse(argc, argv, &o);
	cli_load(&o, &sel, owned, &nowned);
	cli_filter(&o, -1, true, &sel);
	for (i = 0; i < sel.n; i++) {
		s = sel.v[i];
		printf("%-40s %-6s %-6s %s\n", s->id, scn_level_str(s->level),
		    scn_role_str(s->role), s->title);
		printf("%-40s rfc:", "");
		for (j = 0; j < s->nrfc; j++)
			printf(" %s%s", s->rfc[j], j + 1 < s->nrfc ? "," : "");
		printf("  tags:");
		for (j = 0; j < s->ntags; j++)
			printf(" %s", s->tags[j]);
		printf("\n");
	}
	run_selection_clear(&sel);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	return EXIT_PASS;
}

/* cli_matrix_progress - one line per profile on a TTY. */
static void
cli_matrix_progress(void *arg, size_t done, size_t total, const char *name)
{
	if (!*(bool *)arg)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s", done, total, name);
	if (done == total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* cli_matrix - the matrix subcommand. */
static int
cli_matrix(int argc, char **argv)
{
	struct run_matrix_opts mo;
	struct cli_opts o;
	struct run_selection sel;
	struct run_matrix m;
	struct sc_err err = { 0 };
	struct scn_vars *vars;
	char *owned[CLI_LIST_MAX + 1], *tls_policy = NULL;
	size_t nowned = 0, i;
	bool tty;
	FILE *out;
	int rc;

	cli_parse(argc, argv, &o);
	if (o.smtpref == NULL)
		cli_die_usage("matrix needs --smtpref BIN");
	if (access(o.smtpref, X_OK) == -1)
		cli_die_usage("--smtpref %s: %s", o.smtpref, strerror(errno));
	for (i = 0; i < o.nreports; i++)
		if (o.reports[i].fmt != REP_JSON && o.reports[i].fmt != REP_TEXT)
			cli_die_usage("matrix reports are json or text");
	vars = cli_vars(&o);
	cli_load(&o, &sel, owned, &nowned);
	cli_filter(&o, SCN_ROLE_CLIENT, false, &sel);
	if (sel.n == 0)
		cli_die_usage("no client-role scenario selected");

	tty = isatty(STDERR_FILENO) && !o.quiet;
	memset(&mo, 0, sizeof(mo));
	mo.smtpref = o.smtpref;
	mo.faults = o.faults;
	mo.nfaults = o.nfaults;
	mo.vars = vars;
	mo.jobs = o.jobs_set ? o.jobs : 16;
	mo.timeout_scale = o.scale_set ? o.timeout_scale : 0.05;
	mo.ref_args = o.ref_args;
	mo.nref_args = o.nref_args;
	mo.tls_mode = o.tls_mode;
	mo.tls = cli_tls(&o, &tls_policy);
	mo.progress = cli_matrix_progress;
	mo.arg = &tty;
	if (run_matrix_build(&mo, &sel, &m, &err) == -1) {
		char msg[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32];

		sc_err_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s: %s\n", cli_prog, msg);
		rc = EXIT_USAGE;
		goto out;
	}
	rep_matrix_text(stdout, &m);
	rc = run_matrix_holds(&m) ? EXIT_PASS : EXIT_FAILED;
	for (i = 0; i < o.nreports; i++) {
		const char *path = o.reports[i].path;

		out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
		if (out == NULL ||
		    (o.reports[i].fmt == REP_JSON ? rep_matrix_json(out, &m) :
		    rep_matrix_text(out, &m)) == -1 ||
		    (out != stdout ? fclose(out) : fflush(out)) != 0) {
			fprintf(stderr, "%s: %s: cannot write report: %s\n",
			    cli_prog, path, strerror(errno));
			rc = rc == EXIT_PASS ? EXIT_ERRORED : rc;
		}
	}
	run_matrix_clear(&m);
out:
	tls_ctx_free(mo.tls);
	free(tls_policy);
	run_selection_clear(&sel);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	scn_vars_free(vars);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		cli_die_usage("missing command: run, serve, lint, list, matrix, "
		    "fuzz, import, load or version");
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(cli_usage, stdout);
		return EXIT_PASS;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("smtpcheck %s\n", SC_VERSION);
		return EXIT_PASS;
	}
	if (strcmp(cmd, "run") == 0)
		return cli_run(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cli_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "lint") == 0)
		return cli_lint(argc - 1, argv + 1);
	if (strcmp(cmd, "list") == 0)
		return cli_list(argc - 1, argv + 1);
	if (strcmp(cmd, "matrix") == 0)
		return cli_matrix(argc - 1, argv + 1);
	if (strcmp(cmd, "fuzz") == 0)
		return fuzz_command(argc - 1, argv + 1);
	if (strcmp(cmd, "import") == 0)
		return imp_command(argc - 1, argv + 1);
	if (strcmp(cmd, "load") == 0)
		return load_command(argc - 1, argv + 1);
	cli_die_usage("unknown command \"%s\"", cmd);
}
