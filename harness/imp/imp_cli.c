/* SPDX-License-Identifier: ISC */
/*
 * imp_cli.c - `smtpcheck import CAPTURE [--flow N] [--list] [-o FILE]`:
 * the options, the choice of flow, and where the scenario goes. Exit 0,
 * or 2 with one line on stderr for bad input or usage (README.md, "Exit
 * codes").
 */
#include "imp.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_limits.h"
#include "sc_util.h"

#define IMP_EXIT_OK	0
#define IMP_EXIT_USAGE	2
#define IMP_ID_DEFAULT	"imported"
#define IMP_ERR_LINE_MAX (SC_ERR_FILE_MAX + SC_ERR_MSG_MAX + 8)

static const char imp_usage[] =
"usage: smtpcheck import CAPTURE [--flow N] [--list] [-o FILE]\n"
"\n"
"Turn one SMTP session of a packet capture (pcap or pcapng) into a\n"
"client-role scenario that replays what the client sent, write for write,\n"
"and expects each reply with the code the server gave. A session that\n"
"went into STARTTLS is imported up to the 220 reply.\n"
"\n"
"      --list        print the SMTP flows, one a line: index, client ->\n"
"                    server, first packet time, octets each way, STARTTLS\n"
"      --flow N      import the N-th SMTP flow (needed when there are\n"
"                    several)\n"
"  -o, --out FILE    write the scenario to FILE, named ID.scn: its id is\n"
"                    ID (default: standard output, id \"imported\")\n"
"\n"
"Exit codes: 0 done; 2 usage error or a bad capture.\n";

struct imp_opts {
	const char *capture;
	const char *out;
	long	 flow;		/* 0: not given */
	bool	 list;
};

/* imp_die - one line, exit 2. */
static void
imp_die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));
static void
imp_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smtpcheck: import: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(IMP_EXIT_USAGE);
}

static void
imp_die_err(const struct sc_err *err)
{
	char line[IMP_ERR_LINE_MAX];

	sc_err_format(err, line, sizeof(line));
	imp_die("%s", line);
}

static void
imp_parse(int argc, char **argv, struct imp_opts *o)
{
	static const struct option longopts[] = {
		{ "flow",	required_argument,	NULL, 'f' },
		{ "list",	no_argument,		NULL, 'l' },
		{ "out",	required_argument,	NULL, 'o' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (sc_parse_long(optarg, 1, IMP_FLOWS_MAX,
			    &o->flow) == -1)
				imp_die("--flow \"%s\": expected a number from "
				    "1 to %d", optarg, IMP_FLOWS_MAX);
			break;
		case 'l':
			o->list = true;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'h':
			fputs(imp_usage, stdout);
			exit(IMP_EXIT_OK);
		case ':':
			imp_die("option %s needs a value (see smtpcheck import "
			    "--help)", argv[optind - 1]);
		default:
			imp_die("unknown option \"%s\" (see smtpcheck import "
			    "--help)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		imp_die("import needs a CAPTURE file (see smtpcheck import "
		    "--help)");
	if (optind + 1 < argc)
		imp_die("one CAPTURE file at a time, not \"%s\" too",
		    argv[optind + 1]);
	o->capture = argv[optind];
}

/* imp_id_of - the id a scenario saved as path must have: its file name
 * without ".scn", lower case [a-z0-9.-] from a letter. Owned. */
static char *
imp_id_of(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n, i;
	char *id;

	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n <= 4 || strcmp(base + n - 4, ".scn") != 0)
		imp_die("-o %s: the file name must be the scenario id and "
		    ".scn, e.g. imported.login.scn", path);
	id = xstrndup(base, n - 4);
	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '.' ||
		    id[i] == '-') || (i == 0 && !(id[i] >= 'a' && id[i] <= 'z')))
			imp_die("-o %s: \"%s\" is no scenario id (lower case "
			    "a-z, 0-9, '.', '-', from a letter)", path, id);
	return id;
}

/* imp_notes - packets left out for a reason worth saying. */
static void
imp_notes(const struct imp_capture *c)
{
	int k;

	for (k = IMP_SKIP_FRAGMENT; k < IMP_SKIP_COUNT; k++)
		if (c->skipped[k] > 0)
			fprintf(stderr, "smtpcheck: import: %s: note: %llu "
			    "packet%s skipped: %s\n", c->path,
			    (unsigned long long)c->skipped[k],
			    c->skipped[k] == 1 ? "" : "s",
			    imp_skip_str((enum imp_skip)k));
}

static void
imp_list(const struct imp_capture *c, FILE *f)
{
	size_t i;
	char *line;

	for (i = 1; i <= c->nsmtp; i++) {
		line = imp_flow_line(c, i);
		fprintf(f, "%s\n", line);
		free(line);
	}
}

/* imp_write - the scenario to path, or stdout when path is NULL. */
static void
imp_write(const char *path, const char *text)
{
	FILE *f = stdout;

	if (path != NULL && (f = fopen(path, "w")) == NULL)
		imp_die("-o %s: %s", path, strerror(errno));
	if (fputs(text, f) == EOF || fflush(f) == EOF ||
	    (path != NULL && fclose(f) == EOF))
		imp_die("%s: %s", path != NULL ? path : "standard output",
		    strerror(errno));
}

int
imp_command(int argc, char **argv)
{
	struct sc_err err = { 0 };
	struct imp_capture *c;
	struct imp_opts o;
	size_t index;
	char *id, *text;

	imp_parse(argc, argv, &o);
	id = o.out != NULL ? imp_id_of(o.out) : xstrdup(IMP_ID_DEFAULT);
	if ((c = imp_capture_read(o.capture, &err)) == NULL)
		imp_die_err(&err);
	imp_notes(c);
	if (c->nsmtp == 0)
		imp_die("%s: no SMTP session found (%zu TCP flow%s)", c->path,
		    c->nflows, c->nflows == 1 ? "" : "s");
	if (o.list) {
		imp_list(c, stdout);
		imp_capture_free(c);
		free(id);
		return IMP_EXIT_OK;
	}
	if (o.flow == 0 && c->nsmtp > 1) {
		imp_list(c, stderr);
		imp_die("%s: several SMTP flows: choose one with --flow N",
		    c->path);
	}
	index = o.flow == 0 ? 1 : (size_t)o.flow;
	if ((text = imp_scn_text(c, index, id, o.out == NULL, &err)) == NULL)
		imp_die_err(&err);
	imp_write(o.out, text);
	if (c->smtp[index - 1]->starttls)
		fprintf(stderr, "smtpcheck: import: %s: flow %zu went into TLS "
		    "after STARTTLS: imported up to the 220 reply; the "
		    "encrypted rest is not\n", c->path, index);
	free(text);
	free(id);
	imp_capture_free(c);
	return IMP_EXIT_OK;
}
