/* SPDX-License-Identifier: ISC */
/*
 * load_cli.c - `smtpcheck load`: the options, checked, into struct
 * load_opts; the run; the summary and the report.
 *
 * Exit codes: 0 every message accepted, 1 some message was not, 2 usage,
 * 3 no connection could be made at all, 4 the report could not be
 * written (as for run and fuzz).
 */
#include "load.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "sc_limits.h"
#include "sc_util.h"

#define LD_EXIT_OK	0
#define LD_EXIT_FAILED	1
#define LD_EXIT_USAGE	2
#define LD_EXIT_UNREACH	3
#define LD_EXIT_REPORT	4

static const char ld_usage[] =
"usage: smtpcheck load --target HOST:PORT [options]\n"
"\n"
"Load an SMTP server: N sessions at once send M messages in all, each\n"
"session K messages per connection, then QUIT; a new session starts\n"
"while messages remain. Each message is MAIL, R x RCPT, DATA and a\n"
"generated message of --size octets. At the end: messages accepted and\n"
"failed, sessions, msg/s, sessions/s, octets/s, the latency of each\n"
"message (MAIL written to the reply to the end of data: p50, p90, p99,\n"
"max) and the errors by kind and command stage.\n"
"\n"
"  -t, --target HOST:PORT   the server ([::1]:25 for IPv6)\n"
"  -s, --sessions N         sessions at once, 1-10000 (default 1)\n"
"  -m, --messages M         messages in all (default 100; with --duration\n"
"                           and no -m: no limit)\n"
"      --per-session K      messages per connection (default 1; 0: as\n"
"                           many as the connection gets)\n"
"      --size OCTETS        message size, headers included (default 1024,\n"
"                           at least 2); lines of at most 78 octets\n"
"      --recipients R       RCPT TO per message, 1-1000 (default 1)\n"
"      --pipelining         pipeline (RFC 2920) where the server offers\n"
"                           PIPELINING: MAIL, the RCPTs and DATA in one\n"
"                           write, the next message's behind the text\n"
"      --tls MODE           starttls: STARTTLS after EHLO, then EHLO\n"
"                           again; implicit: TLS from the first byte;\n"
"                           none (default). The server certificate is\n"
"                           NOT checked: this measures load, not trust\n"
"      --duration S        stop taking messages after S (\"60\", \"5m\")\n"
"      --reply-timeout D    no reply within D is an error, the session is\n"
"                           closed (default 30s)\n"
"      --from ADDR          the reverse-path (default\n"
"                           sender@client.smtpcheck.test)\n"
"      --to ADDR            a recipient (repeatable: used in turn;\n"
"                           default alice@smtpref.test)\n"
"      --helo NAME          the EHLO name (default client.smtpcheck.test)\n"
"      --report json:FILE   the summary as JSON (reports/README.md)\n"
"      --loop epoll|poll    the event loop (default: epoll where there\n"
"                           is one)\n"
"  -q, --quiet              no progress line and no summary\n"
"\n"
"Ctrl-C stops taking messages (sessions finish the one in hand); a\n"
"second one closes them at once.\n"
"\n"
"Exit codes: 0 every message accepted; 1 some message was not; 2 usage;\n"
"3 no connection could be made; 4 the report could not be written.\n";

static void
ld_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void
ld_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smtpcheck: load: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see smtpcheck load --help)\n");
	exit(LD_EXIT_USAGE);
}

/* ld_long - a whole number in [min, max], or exit 2. */
static long
ld_long(const char *opt, const char *s, long min, long max)
{
	long v;

	if (sc_parse_long(s, min, max, &v) == -1)
		ld_die("%s \"%s\": expected a whole number from %ld to %ld",
		    opt, s, min, max);
	return v;
}

/* ld_ms - a duration in ms, > 0, or exit 2; a bare number is seconds. */
static long
ld_ms(const char *opt, const char *s)
{
	long ms;

	if (sc_parse_duration_ms(s, &ms) == -1 || ms <= 0)
		ld_die("%s \"%s\": expected a duration like 90s, 5m or 500ms",
		    opt, s);
	return ms;
}

/* ld_addr - an address for MAIL FROM or RCPT TO: no angle brackets, no
 * spaces or controls, short enough for a 5321 4.5.3.1.3 path. */
static const char *
ld_addr(const char *opt, const char *s)
{
	const unsigned char *p;

	if (strlen(s) > SMTP_PATH_MAX - 2)
		ld_die("%s \"%s\": longer than %d octets", opt, s,
		    SMTP_PATH_MAX - 2);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f)
			ld_die("%s \"%s\": expected an address without "
			    "spaces or angle brackets", opt, s);
	return s;
}

enum {
	OPT_PER = 256, OPT_SIZE, OPT_RCPTS, OPT_PIPE, OPT_TLS, OPT_DURATION,
	OPT_REPLY, OPT_FROM, OPT_TO, OPT_HELO, OPT_REPORT, OPT_LOOP,
};

/* ld_parse - argv into o; exit 2 on any mistake. */
static void
ld_parse(int argc, char **argv, struct load_opts *o)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "sessions", required_argument, NULL, 's' },
		{ "messages", required_argument, NULL, 'm' },
		{ "per-session", required_argument, NULL, OPT_PER },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "recipients", required_argument, NULL, OPT_RCPTS },
		{ "pipelining", no_argument, NULL, OPT_PIPE },
		{ "tls", required_argument, NULL, OPT_TLS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "reply-timeout", required_argument, NULL, OPT_REPLY },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "loop", required_argument, NULL, OPT_LOOP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sc_err err = { 0 };
	bool messages_set = false;
	int ch;

	memset(o, 0, sizeof(*o));
	o->sessions = 1;
	o->messages = LOAD_MESSAGES_DEFAULT;
	o->per_session = 1;
	o->size = LOAD_SIZE_DEFAULT;
	o->recipients = 1;
	o->reply_ms = LOAD_REPLY_MS_DEFAULT;
	o->helo = LOAD_HELO_DEFAULT;
	o->from = LOAD_FROM_DEFAULT;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":t:s:m:qh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 't':
			o->target = optarg;
			break;
		case 's':
			o->sessions = (int)ld_long("--sessions", optarg, 1,
			    LOAD_SESSIONS_MAX);
			break;
		case 'm':
			o->messages = ld_long("--messages", optarg, 1,
			    LOAD_MESSAGES_MAX);
			messages_set = true;
			break;
		case OPT_PER:
			o->per_session = ld_long("--per-session", optarg, 0,
			    LOAD_MESSAGES_MAX);
			break;
		case OPT_SIZE:
			o->size = ld_long("--size", optarg, LOAD_SIZE_MIN,
			    LOAD_SIZE_MAX);
			break;
		case OPT_RCPTS:
			o->recipients = (int)ld_long("--recipients", optarg, 1,
			    LOAD_RCPTS_MAX);
			break;
		case OPT_PIPE:
			o->pipelining = true;
			break;
		case OPT_TLS:
			if (strcmp(optarg, "starttls") == 0)
				o->tls = LOAD_TLS_STARTTLS;
			else if (strcmp(optarg, "implicit") == 0)
				o->tls = LOAD_TLS_IMPLICIT;
			else if (strcmp(optarg, "none") == 0)
				o->tls = LOAD_TLS_NONE;
			else
				ld_die("--tls \"%s\": expected starttls, "
				    "implicit or none", optarg);
			break;
		case OPT_DURATION:
			o->duration_ms = ld_ms("--duration", optarg);
			break;
		case OPT_REPLY:
			o->reply_ms = ld_ms("--reply-timeout", optarg);
			break;
		case OPT_FROM:
			o->from = ld_addr("--from", optarg);
			break;
		case OPT_TO:
			if (o->nto == LOAD_TO_MAX)
				ld_die("too many --to (at most %d)",
				    LOAD_TO_MAX);
			o->to[o->nto++] = ld_addr("--to", optarg);
			break;
		case OPT_HELO:
			if (*optarg == '\0' || strpbrk(optarg, " \t\r\n") !=
			    NULL || strlen(optarg) > SMTP_DOMAIN_MAX)
				ld_die("--helo \"%s\": expected a domain name",
				    optarg);
			o->helo = optarg;
			break;
		case OPT_REPORT:
			if (strncmp(optarg, "json:", 5) != 0 ||
			    optarg[5] == '\0')
				ld_die("--report \"%s\": expected json:FILE",
				    optarg);
			o->report_json = optarg + 5;
			break;
		case OPT_LOOP:
			if (strcmp(optarg, "epoll") != 0 &&
			    strcmp(optarg, "poll") != 0)
				ld_die("--loop \"%s\": expected epoll or poll",
				    optarg);
			o->loop = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(ld_usage, stdout);
			exit(LD_EXIT_OK);
		case ':':
			ld_die("option %s needs a value", argv[optind - 1]);
		default:
			ld_die("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		ld_die("unexpected argument \"%s\"", argv[optind]);
	if (o->target == NULL)
		ld_die("load needs --target HOST:PORT");
	if (conn_target_parse(o->target, &o->host, &o->port, &err) == -1)
		ld_die("--target: %s", err.msg);
	if (o->duration_ms > 0 && !messages_set)
		o->messages = 0;
	if (o->nto == 0)
		o->to[o->nto++] = LOAD_TO_DEFAULT;
}

/* ld_report - the JSON report; 0 or -1 with a message. */
static int
ld_report(const struct load_opts *o, const struct load_stats *st,
    const char *loop_name)
{
	FILE *f;
	int rc;

	f = strcmp(o->report_json, "-") == 0 ? stdout :
	    fopen(o->report_json, "w");
	if (f == NULL) {
		fprintf(stderr, "smtpcheck: load: %s: %s\n", o->report_json,
		    strerror(errno));
		return -1;
	}
	rc = load_stats_json(f, o, st, loop_name);
	if ((f == stdout ? fflush(f) : fclose(f)) != 0)
		rc = -1;
	if (rc == -1)
		fprintf(stderr, "smtpcheck: load: %s: cannot write the report: "
		    "%s\n", o->report_json, strerror(errno));
	return rc;
}

/* load_command - parse, run, tell. */
int
load_command(int argc, char **argv)
{
	struct load_opts o;
	struct load_stats *st;
	char loop_name[16];
	int rc;

	ld_parse(argc, argv, &o);
	st = xcalloc(1, sizeof(*st));	/* the histogram is not small */
	if (load_run(&o, st, loop_name, sizeof(loop_name)) == -1) {
		rc = LD_EXIT_USAGE;
		goto out;
	}
	if (!o.quiet)
		load_stats_print(stdout, &o, st, loop_name);
	if (st->sessions_connected == 0) {
		fprintf(stderr, "smtpcheck: load: target %s unreachable: %s\n",
		    o.target, st->first_error[0] != '\0' ? st->first_error :
		    "no connection");
		rc = LD_EXIT_UNREACH;
	} else if (st->messages_failed > 0 || st->messages_ok == 0) {
		rc = LD_EXIT_FAILED;
	} else {
		rc = LD_EXIT_OK;
	}
	if (o.report_json != NULL && ld_report(&o, st, loop_name) == -1 &&
	    rc == LD_EXIT_OK)
		rc = LD_EXIT_REPORT;
out:
	free(st);
	free(o.host);
	free(o.port);
	return rc;
}
