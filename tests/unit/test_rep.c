/* SPDX-License-Identifier: ISC */
/*
 * test_rep.c - the report writers against golden files.
 *
 * A fixed run (every verdict, peer bytes with CR LF NUL 8-bit quotes and
 * markup, a cut entry, a truncated transcript, hostile scenario text) is
 * written in each format to memory and compared with
 * tests/golden/rep/<name>.<ext>; a mismatch prints the first differing
 * line. SC_GOLDEN_UPDATE=1 rewrites the goldens instead
 * (tests/golden/update.sh; review the diff before committing). The JUnit
 * output is also validated with xmllint against junit-10.xsd, and the JSON
 * output parsed by python3 and checked against reports/README.md's fields.
 * The HTML page must show hostile peer and scenario text only escaped, and
 * link captures relative to its own folder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rep.h"
#include "rep_out.h"
#include "run_result.h"
#include "sc_util.h"
#include "scn.h"

#include "cu_main.h"

#define GOLDEN_DIR	SC_SOURCE_DIR "/tests/golden/rep"
#define GOLDEN_MAX	(4 * 1024 * 1024)
#define XSD_REPO	SC_SOURCE_DIR "/tests/golden/junit-10.xsd"
#define XSD_SHARED	SC_SOURCE_DIR "/../shared/schemas/junit-10.xsd"
/* 2024-05-01T12:00:00.123456Z */
#define T0		1714564800123456LL

/* ---- the fixed run ------------------------------------------------- */

static char *rfc_ehlo[] = { "5321 4.1.1.1", "5321 4.3.2" };
static char *tags_ehlo[] = { "ehlo", "basic" };
static char *cat_ehlo[] = { "S-CORE-001" };
static char *rfc_vrfy[] = { "5321 3.5.3" };
static char *rfc_size[] = { "1870 4" };
static char *tags_size[] = { "ext", "size" };
static char *rfc_null[] = { "5321 4.5.5", "5321 3.6.3" };
static char *tags_null[] = { "mail" };
static char *cat_null[] = { "S-CORE-015", "S-CORE-016" };
static char *rfc_tls[] = { "3207 4" };

static struct scn scn_fix[] = {
	{ .path = "scenarios/core/ehlo/basic.scn", .id = "core.ehlo.basic",
	  .title = "EHLO is answered with 250", .rfc = rfc_ehlo, .nrfc = 2,
	  .level = SCN_LEVEL_MUST, .tags = tags_ehlo, .ntags = 2,
	  .catalog = cat_ehlo, .ncatalog = 1 },
	{ .path = "scenarios/core/vrfy/policy.scn", .id = "core.vrfy.policy",
	  .title = "VRFY # the server's policy \\ choice", .rfc = rfc_vrfy,
	  .nrfc = 1, .level = SCN_LEVEL_MAY },
	{ .path = "scenarios/ext/size/declared.scn", .id = "ext.size.declared",
	  .title = "SIZE is honoured & <declared> \"early\"",
	  .note = "RFC 1870 says a server SHOULD refuse\there: caf\xc3\xa9.",
	  .rfc = rfc_size, .nrfc = 1, .level = SCN_LEVEL_SHOULD,
	  .tags = tags_size, .ntags = 2 },
	{ .path = "scenarios/core/mail/null-path.scn",
	  .id = "core.mail.null-path", .title = "MAIL FROM:<> is accepted",
	  .rfc = rfc_null, .nrfc = 2, .level = SCN_LEVEL_MUST,
	  .tags = tags_null, .ntags = 1, .catalog = cat_null, .ncatalog = 2 },
	{ .path = "scenarios/tls/starttls/basic.scn",
	  .id = "tls.starttls.basic", .title = "STARTTLS upgrades the session",
	  .rfc = rfc_tls, .nrfc = 1, .level = SCN_LEVEL_MUST },
	/* hostile text: ESC, a C0 control, invalid UTF-8 */
	{ .path = "scenarios/core/data/timeout.scn", .id = "core.data.timeout",
	  .title = "DATA \x1b[31mred\x1b[0m \x01 bad\xff byte",
	  .level = SCN_LEVEL_SHOULD },
};
#define NFIX	(sizeof(scn_fix) / sizeof(scn_fix[0]))

static const char got_null[] = "550 5.1.0 <> \"refused\" & \xff\xe9\0!\r\n";

/* fix_build - the run every golden test writes. */
static void
fix_build(struct run_summary *sum, struct run_result *res)
{
	struct run_result *r;
	size_t i;

	memset(sum, 0, sizeof(*sum));
	memset(res, 0, NFIX * sizeof(*res));
	for (i = 0; i < NFIX; i++) {
		res[i].scn = &scn_fix[i];
		res[i].started_wall_us = T0 + (int64_t)i * 250000;
		res[i].duration_us = 12345 + (int64_t)i * 1000;
	}

	r = &res[0];		/* PASS */
	transcript_add(&r->tr, TR_EVENT, 0, 0, "connect 127.0.0.1:2525", 22);
	transcript_add(&r->tr, TR_RECV, 1500, 3, "220 mx ESMTP\r\n", 14);
	transcript_add(&r->tr, TR_SENT, 1700, 4, "EHLO a.test\r\n", 13);
	transcript_add(&r->tr, TR_RECV, 2500, 5, "250 mx\r\n", 8);
	run_step_log_add(r, 3, "expect 220", 0, 1500, RUN_PASS, NULL);
	run_step_log_add(r, 4, "send EHLO ${helo}", 1500, 200, RUN_PASS,
	    NULL);
	run_step_log_add(r, 5, "expect 250", 1700, 800, RUN_PASS, NULL);

	r = &res[1];		/* INFO */
	transcript_add(&r->tr, TR_SENT, 100, 6, "VRFY postmaster\r\n", 17);
	transcript_add(&r->tr, TR_RECV, 900, 7, "252 2.5.2 maybe\r\n", 17);
	run_result_set(r, RUN_INFO, 7, "expect 250|251|252 record",
	    "250, 251 or 252", "252 2.5.2 maybe\r\n", 17,
	    "server chose 252");
	run_step_log_add(r, 7, "expect 250|251|252 record", 100, 800,
	    RUN_INFO, "server chose 252");

	r = &res[2];		/* WARN */
	transcript_add(&r->tr, TR_SENT, 100, 9,
	    "MAIL FROM:<a@b.test> SIZE=999999999\r\n", 37);
	transcript_add(&r->tr, TR_RECV, 400, 10, "250 ok\r\n", 8);
	run_result_set(r, RUN_WARN, 10, "expect 552 warn-on 250",
	    "552 (5.3.4)", "250 ok\r\n", 8,
	    "a declared SIZE over the limit was accepted");

	r = &res[3];		/* FAIL: awkward bytes, a cut, truncated */
	transcript_add(&r->tr, TR_EVENT, 0, 0, "connect 127.0.0.1:2525", 22);
	transcript_add(&r->tr, TR_RECV, 1000, 3,
	    "220 mx <ready> & \"welcome\"\r\n", 28);
	transcript_add(&r->tr, TR_SENT, 1100, 4, "EHLO a.test\r\n", 13);
	transcript_add(&r->tr, TR_RECV, 2000, 5,
	    "250-mx\r\n250 8BITMIME\r\n", 22);
	transcript_add(&r->tr, TR_SENT, 2100, 8, "MAIL FROM:<>\r\n", 14);
	transcript_add(&r->tr, TR_RECV, 3000, 9, got_null,
	    sizeof(got_null) - 1);
	transcript_add(&r->tr, TR_SENT, 3100, 11, "BDAT 5000 LAST\r\nxx", 18);
	/* An entry cut at SC_TRANSCRIPT_ENTRY_SHOW, without a 2 KiB golden
	 * line (test_run_result checks the real cut). */
	r->tr.v[r->tr.n - 1].full_len = 5016;
	transcript_add(&r->tr, TR_EVENT, 3200, 0, "close", 5);
	r->tr.truncated = true;	/* likewise for the limits */
	run_result_set(r, RUN_FAIL, 9, "expect 250", "250 (2xx)", got_null,
	    sizeof(got_null) - 1, "the null reverse-path was refused");
	run_step_log_add(r, 9, "expect 250", 2100, 900, RUN_FAIL,
	    "got 550");

	r = &res[4];		/* SKIP */
	run_result_set(r, RUN_SKIP, 0, NULL, NULL, NULL, 0,
	    "requires tls: # STARTTLS not offered");

	r = &res[5];		/* ERROR */
	transcript_add(&r->tr, TR_EVENT, 0, 0, "connect 127.0.0.1:2525", 22);
	transcript_add(&r->tr, TR_EVENT, 5000000, 0, "timeout", 7);
	run_result_set(r, RUN_ERROR, 12, "expect 354 within 5s", "354", "EOF",
	    3, "harness: read: no reply within 5s");

	sum->tool_version = "0.1.0";
	sum->target = "127.0.0.1:2525";
	sum->shard = "1/4";
	sum->timeout_scale = 0.05;
	sum->started_wall_us = T0;
	sum->duration_us = 1234567;
	sum->results = res;
	sum->nresults = NFIX;
	run_summary_count(sum);
}

/* fix_free - release the run. */
static void
fix_free(struct run_summary *sum)
{
	size_t i;

	for (i = 0; i < sum->nresults; i++)
		run_result_clear(&sum->results[i]);
}

/* ---- helpers -------------------------------------------------------- */

typedef int (*render_fn)(FILE *, const struct run_summary *);

/* render - a writer's output in an owned string. */
static char *
render(render_fn fn, const struct run_summary *sum, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	int rc;

	f = open_memstream(&buf, &n);
	if (f == NULL)
		fatal("open_memstream: %s", strerror(errno));
	rc = fn(f, sum);
	fclose(f);
	CU_ASSERT_EQUAL(rc, 0);
	if (len != NULL)
		*len = n;
	return buf;
}

static int
render_text(FILE *f, const struct run_summary *sum)
{
	return rep_write(REP_TEXT, f, sum);
}

/* render_html - the HTML page written to a stream (links as given). */
static int
render_html(FILE *f, const struct run_summary *sum)
{
	return rep_write(REP_HTML, f, sum);
}

/* render_html_file - the HTML page as if written to out/report.html. */
static int
render_html_file(FILE *f, const struct run_summary *sum)
{
	static const struct rep_dest dest = { .path = "out/report.html" };

	return rep_write_to(REP_HTML, f, sum, &dest);
}

/* render_ansi - the terminal as a colour TTY sees it. */
static int
render_ansi(FILE *f, const struct run_summary *sum)
{
	size_t i;

	for (i = 0; i < sum->nresults; i++)
		if (rep_term_result(f, &sum->results[i], true, false) != 0)
			return -1;
	return rep_term_summary(f, sum, true);
}

/* render_verbose - the terminal with --verbose, no colour. */
static int
render_verbose(FILE *f, const struct run_summary *sum)
{
	size_t i;

	for (i = 0; i < sum->nresults; i++)
		if (rep_term_result(f, &sum->results[i], false, true) != 0)
			return -1;
	return rep_term_summary(f, sum, false);
}

/* first_diff_line - 1-based line of the first difference. */
static size_t
first_diff_line(const char *a, size_t alen, const char *b, size_t blen,
    size_t *off)
{
	size_t i, line = 1, start = 0;

	for (i = 0; i < alen && i < blen && a[i] == b[i]; i++)
		if (a[i] == '\n') {
			line++;
			start = i + 1;
		}
	*off = start;
	return line;
}

/* line_at - print the line starting at off (or <EOF>). */
static void
line_at(const char *label, const char *s, size_t len, size_t off)
{
	size_t e;

	if (off >= len) {
		fprintf(stderr, "  %s: <EOF>\n", label);
		return;
	}
	for (e = off; e < len && s[e] != '\n'; e++)
		;
	fprintf(stderr, "  %s: %.*s\n", label, (int)(e - off), s + off);
}

/* golden_check - out equals tests/golden/rep/name; or rewrite it. */
static void
golden_check(const char *name, const char *out, size_t outlen)
{
	struct sc_err err = { 0 };
	char *path, *want;
	const char *upd;
	size_t wantlen, off, line;
	FILE *f;

	path = xasprintf("%s/%s", GOLDEN_DIR, name);
	upd = getenv("SC_GOLDEN_UPDATE");
	if (upd != NULL && strcmp(upd, "1") == 0) {
		mkdir(GOLDEN_DIR, 0777);
		f = fopen(path, "wb");
		CU_ASSERT_FATAL(f != NULL);
		CU_ASSERT(fwrite(out, 1, outlen, f) == outlen);
		CU_ASSERT(fclose(f) == 0);
		fprintf(stderr, "updated %s\n", path);
		free(path);
		return;
	}
	want = sc_read_file(path, GOLDEN_MAX, &wantlen, &err);
	if (want == NULL) {
		fprintf(stderr, "golden %s: %s (SC_GOLDEN_UPDATE=1 makes it)\n",
		    path, err.msg);
		CU_FAIL("golden file missing");
		free(path);
		return;
	}
	if (wantlen != outlen || memcmp(want, out, outlen) != 0) {
		line = first_diff_line(want, wantlen, out, outlen, &off);
		fprintf(stderr, "golden %s: first difference at line %zu\n",
		    path, line);
		line_at("want", want, wantlen, off);
		line_at("got ", out, outlen, off);
		CU_FAIL("output differs from golden file");
	}
	free(want);
	free(path);
}

/* golden_run - render the fixed run with fn, check against name. */
static void
golden_run(render_fn fn, const char *name)
{
	struct run_result res[NFIX];
	struct run_summary sum;
	size_t len;
	char *out;

	fix_build(&sum, res);
	out = render(fn, &sum, &len);
	golden_check(name, out, len);
	free(out);
	fix_free(&sum);
}

/* golden_empty - render a run with no results, check against name. */
static void
golden_empty(render_fn fn, const char *name)
{
	struct run_summary sum = {
		.tool_version = "0.1.0", .target = "[::1]:25",
		.started_wall_us = T0, .duration_us = 0,
	};
	size_t len;
	char *out;

	out = render(fn, &sum, &len);
	golden_check(name, out, len);
	free(out);
}

/* write_temp - out into a new temporary file; owned path. */
static char *
write_temp(const char *suffix, const char *out, size_t len)
{
	char *path;
	FILE *f;
	int fd;

	path = xasprintf("/tmp/sc-test-rep-XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	if (fd == -1)
		fatal("mkstemps: %s", strerror(errno));
	f = fdopen(fd, "wb");
	if (f == NULL)
		fatal("fdopen: %s", strerror(errno));
	if (fwrite(out, 1, len, f) != len || fclose(f) != 0)
		fatal("write %s: %s", path, strerror(errno));
	return path;
}

/* run_cmd - system() cmd (owned, freed); its exit status, or -1. */
static int
run_cmd(char *cmd)
{
	int st;

	st = system(cmd);
	free(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* xsd_path - the committed schema copy, else the shared one. */
static const char *
xsd_path(void)
{
	if (access(XSD_REPO, R_OK) == 0)
		return XSD_REPO;
	return XSD_SHARED;
}

/* xmllint_status - exit status of xmllint --schema on an XML text;
 * quiet hides its messages (for documents meant to fail). */
static int
xmllint_status(const char *xml, size_t len, bool quiet)
{
	char *path;
	int st;

	path = write_temp(".xml", xml, len);
	st = run_cmd(xasprintf("xmllint --noout --schema '%s' '%s' %s",
	    xsd_path(), path, quiet ? ">/dev/null 2>&1" : "2>&1"));
	unlink(path);
	free(path);
	return st;
}

/* ---- golden tests --------------------------------------------------- */

static void
test_rep_junit_golden(void)
{
	golden_run(rep_junit_write, "run.xml");
	golden_empty(rep_junit_write, "empty.xml");
}

static void
test_rep_json_golden(void)
{
	golden_run(rep_json_write, "run.json");
	golden_empty(rep_json_write, "empty.json");
}

static void
test_rep_tap_golden(void)
{
	golden_run(rep_tap_write, "run.tap");
	golden_empty(rep_tap_write, "empty.tap");
}

static void
test_rep_text_golden(void)
{
	golden_run(render_text, "run.txt");
	golden_empty(render_text, "empty.txt");
}

/* The FAIL result has a capture (--pcap) beside the report's folder. */
static void
test_rep_html_golden(void)
{
	struct run_result res[NFIX];
	struct run_summary sum;
	size_t len;
	char *out;

	fix_build(&sum, res);
	free(res[3].capture);
	res[3].capture = xstrdup("out/pcap/core.mail.null-path.pcap");
	out = render(render_html_file, &sum, &len);
	golden_check("run.html", out, len);
	free(out);
	fix_free(&sum);
	golden_empty(render_html, "empty.html");
}

static void
test_rep_term_colour_golden(void)
{
	golden_run(render_ansi, "run.ansi.txt");
}

static void
test_rep_term_verbose_golden(void)
{
	golden_run(render_verbose, "run.verbose.txt");
}

/* ---- validity ------------------------------------------------------- */

static void
test_rep_junit_schema_valid(void)
{
	struct run_result res[NFIX];
	struct run_summary sum, empty = { 0 };
	size_t len;
	char *out;

	fix_build(&sum, res);
	out = render(rep_junit_write, &sum, &len);
	CU_ASSERT_EQUAL(xmllint_status(out, len, false), 0);
	free(out);
	fix_free(&sum);

	out = render(rep_junit_write, &empty, &len);
	CU_ASSERT_EQUAL(xmllint_status(out, len, false), 0);
	free(out);
}

/* The schema check must be able to fail: "skipped" on <testsuites> and a
 * <properties> inside <testcase> are both outside junit-10.xsd. */
static void
test_rep_junit_schema_rejects(void)
{
	static const char *bad[] = {
		"<?xml version=\"1.0\"?>\n<testsuites skipped=\"1\"/>\n",
		"<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"a\" "
		    "tests=\"1\" failures=\"0\" errors=\"0\"><testcase "
		    "name=\"x\"><properties/></testcase></testsuite>"
		    "</testsuites>\n",
		"<?xml version=\"1.0\"?>\n<testsuites>\x01</testsuites>\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_NOT_EQUAL(xmllint_status(bad[i], strlen(bad[i]),
		    true), 0);
}

/* The fields of reports/README.md, checked by python3. */
#define JSON_CHECK \
	"python3 -c '\n" \
	"import json, sys\n" \
	"d = json.load(open(sys.argv[1]))\n" \
	"top = {\"schema_version\", \"tool\", \"version\", \"target\", " \
	"\"shard\", \"timeout_scale\", \"tls\", \"tls_peer\", \"started\", " \
	"\"duration_ms\", " \
	"\"counts\", \"results\"}\n" \
	"res = {\"id\", \"title\", \"area\", \"path\", \"level\", \"rfc\", " \
	"\"tags\", \"catalog\", \"note\", \"verdict\", \"reason\", \"step\", " \
	"\"expected\", \"got\", \"started\", \"duration_ms\", \"steps\", " \
	"\"transcript\", \"transcript_truncated\"}\n" \
	"stp = {\"line\", \"source\", \"t_ms\", \"duration_ms\", " \
	"\"outcome\", \"detail\"}\n" \
	"tr = {\"t_ms\", \"dir\", \"step_line\", \"data\", \"bytes\"}\n" \
	"assert set(d) == top, set(d) ^ top\n" \
	"assert set(d[\"counts\"]) == {\"pass\", \"info\", \"warn\", " \
	"\"fail\", \"skip\", \"error\"}\n" \
	"assert sum(d[\"counts\"].values()) == len(d[\"results\"])\n" \
	"for r in d[\"results\"]:\n" \
	"    assert set(r) == res, set(r) ^ res\n" \
	"    assert r[\"step\"] is None or set(r[\"step\"]) == " \
	"{\"line\", \"source\"}\n" \
	"    for s in r[\"steps\"]: assert set(s) == stp, s\n" \
	"    for e in r[\"transcript\"]: assert set(e) == tr, e\n" \
	"' '%s'"

static void
test_rep_json_valid(void)
{
	struct run_result res[NFIX];
	struct run_summary sum;
	size_t len;
	char *out, *path;

	fix_build(&sum, res);
	out = render(rep_json_write, &sum, &len);
	path = write_temp(".json", out, len);
	CU_ASSERT_EQUAL(run_cmd(xasprintf("python3 -m json.tool '%s' "
	    ">/dev/null", path)), 0);
	CU_ASSERT_EQUAL(run_cmd(xasprintf(JSON_CHECK, path)), 0);
	unlink(path);
	free(path);
	free(out);
	fix_free(&sum);

	/* and the check itself fails on a document it should refuse */
	path = write_temp(".json", "{\"tool\": \"x\",}", 14);
	CU_ASSERT_NOT_EQUAL(run_cmd(xasprintf("python3 -m json.tool '%s' "
	    ">/dev/null 2>&1", path)), 0);
	unlink(path);
	free(path);
	path = write_temp(".json", "{\"tool\": \"x\"}", 13);
	CU_ASSERT_NOT_EQUAL(run_cmd(xasprintf(JSON_CHECK " 2>/dev/null",
	    path)), 0);
	unlink(path);
	free(path);
}

/* ---- properties of the output --------------------------------------- */

static void
test_rep_term_no_colour_no_escape(void)
{
	struct run_result res[NFIX];
	struct run_summary sum;
	char *plain, *verbose, *ansi;

	fix_build(&sum, res);
	plain = render(render_text, &sum, NULL);
	verbose = render(render_verbose, &sum, NULL);
	ansi = render(render_ansi, &sum, NULL);
	/* not even the ESC in the hostile title gets through */
	CU_ASSERT_PTR_NULL(strchr(plain, '\033'));
	CU_ASSERT_PTR_NULL(strchr(verbose, '\033'));
	CU_ASSERT_PTR_NOT_NULL(strstr(plain, "DATA \\x1B[31mred"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ansi, "\033[31mFAIL \033[0m"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ansi, "\033[32mPASS \033[0m"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ansi, "\033[33mWARN \033[0m"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ansi, "\033[36mINFO \033[0m"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ansi, "\033[2mSKIP \033[0m"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ansi, "\033[31mERROR\033[0m"));
	free(plain);
	free(verbose);
	free(ansi);
	fix_free(&sum);
}

static void
test_rep_escaping(void)
{
	static const struct {
		const char *name;
		render_fn fn;
		const char *want, *never;
	} cases[] = {
		{ "xml bad byte", rep_junit_write, "bad\\xFF byte", "\xff" },
		{ "xml control", rep_junit_write, "\\x01 bad", "\x01" },
		{ "xml escape", rep_junit_write, "\\x1B[31m", "\x1b" },
		{ "xml markup", rep_junit_write, "&amp; &lt;declared&gt;",
		  "<declared>" },
		{ "xml utf-8 kept", rep_junit_write, "caf\xc3\xa9", NULL },
		{ "json control", rep_json_write, "\\u001b[31mred", "\x1b" },
		{ "json bad byte", rep_json_write, "bad\\ufffd byte", "\xff" },
		{ "json quote", rep_json_write, "\\\"early\\\"", NULL },
		{ "json peer NUL", rep_json_write, "\\\\xE9\\\\0!", NULL },
		{ "tap hash", rep_tap_write, "VRFY \\# the server's",
		  "VRFY # the" },
		{ "tap skip", rep_tap_write,
		  "# SKIP requires tls: \\# STARTTLS", NULL },
		{ "tap backslash", rep_tap_write, "policy \\\\ choice", NULL },
		{ "html markup", render_html,
		  "SIZE is honoured &amp; &lt;declared&gt; &quot;early&quot;",
		  "<declared>" },
		{ "html control", render_html, "DATA \\x1B[31mred", "\x1b" },
		{ "html bad byte", render_html, "bad\\xFF byte", "\xff" },
		{ "html utf-8 kept", render_html, "caf\xc3\xa9", NULL },
		{ "html got", render_html, "550 5.1.0 &lt;&gt; \\&quot;refused"
		  "\\&quot; &amp; \\xFF\\xE9\\0!\\r\\n", NULL },
		{ "html bytes", render_html, "<pre>550 5.1.0 &lt;&gt; "
		  "<em>\\&quot;</em>refused<em>\\&quot;</em> &amp; "
		  "<em>\\xFF\\xE9\\0</em>!<em>\\r\\n</em></pre>", NULL },
		{ "html lines", render_html, "<pre>250-mx<em>\\r\\n</em>\n"
		  "250 8BITMIME<em>\\r\\n</em></pre>", NULL },
		{ "html deciding", render_html, "<div class=\"te s hl\" "
		  "data-dir=\"recv\" data-line=\"9\"><span class=\"t\">"
		  "+0.003000s</span><span class=\"d\">S:</span>", NULL },
		{ "html cut", render_html, "...(+4998 bytes)", NULL },
	};
	struct run_result res[NFIX];
	struct run_summary sum;
	size_t i;
	char *out;

	fix_build(&sum, res);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = render(cases[i].fn, &sum, NULL);
		if (strstr(out, cases[i].want) == NULL) {
			fprintf(stderr, "%s: no \"%s\"\n", cases[i].name,
			    cases[i].want);
			CU_FAIL(cases[i].name);
		}
		if (cases[i].never != NULL &&
		    strstr(out, cases[i].never) != NULL) {
			fprintf(stderr, "%s: has \"%s\"\n", cases[i].name,
			    cases[i].never);
			CU_FAIL(cases[i].name);
		}
		free(out);
	}
	fix_free(&sum);
}

/* The strict decoder every quoting function relies on (RFC 3629). */
static void
test_rep_out_utf8(void)
{
	static const struct {
		const char *name, *in;
		size_t used;
		uint32_t cp;
	} cases[] = {
		{ "ascii", "A", 1, 'A' },
		{ "2 bytes", "\xc3\xa9", 2, 0xE9 },
		{ "4 bytes", "\xf0\x9f\x98\x80", 4, 0x1F600 },
		{ "real U+FFFD", "\xef\xbf\xbd", 3, 0xFFFD },
		{ "overlong", "\xc0\xaf", 1, 0xFFFD },
		{ "overlong 3", "\xe0\x80\xaf", 1, 0xFFFD },
		{ "surrogate", "\xed\xa0\x80", 1, 0xFFFD },
		{ "past 10FFFF", "\xf4\x90\x80\x80", 1, 0xFFFD },
		{ "cut short", "\xe2\x82", 1, 0xFFFD },
		{ "lone continuation", "\x80", 1, 0xFFFD },
		{ "bad continuation", "\xc3\x28", 1, 0xFFFD },
	};
	size_t i, used;
	uint32_t cp;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		used = rep_out_utf8((const unsigned char *)cases[i].in,
		    strlen(cases[i].in), &cp);
		if (used != cases[i].used || cp != cases[i].cp) {
			fprintf(stderr, "  [%s] used %zu cp %04X\n",
			    cases[i].name, used, (unsigned int)cp);
			CU_FAIL(cases[i].name);
		}
	}
}

static void
test_rep_deterministic(void)
{
	static const render_fn fns[] = {
		rep_junit_write, rep_json_write, rep_tap_write, render_text,
		render_ansi, render_verbose, render_html, render_html_file,
	};
	struct run_result res[NFIX];
	struct run_summary sum;
	size_t i, la, lb;
	char *a, *b;

	fix_build(&sum, res);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		a = render(fns[i], &sum, &la);
		b = render(fns[i], &sum, &lb);
		CU_ASSERT(la > 0 && la == lb && memcmp(a, b, la) == 0);
		free(a);
		free(b);
	}
	fix_free(&sum);
}

static void
test_rep_format_parse(void)
{
	static const struct {
		const char *name;
		int rc;
		enum rep_format fmt;
	} cases[] = {
		{ "junit", 0, REP_JUNIT },
		{ "json", 0, REP_JSON },
		{ "tap", 0, REP_TAP },
		{ "text", 0, REP_TEXT },
		{ "html", 0, REP_HTML },
		{ "HTML", -1, REP_JUNIT },
		{ "JSON", -1, REP_JUNIT },
		{ "xml", -1, REP_JUNIT },
		{ "", -1, REP_JUNIT },
		{ "json ", -1, REP_JUNIT },
	};
	enum rep_format fmt;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fmt = REP_JUNIT;
		if (rep_format_parse(cases[i].name, &fmt) != cases[i].rc ||
		    fmt != cases[i].fmt) {
			fprintf(stderr, "parse \"%s\"\n", cases[i].name);
			CU_FAIL(cases[i].name);
		}
		if (cases[i].rc == 0)
			CU_ASSERT_STRING_EQUAL(rep_format_str(fmt),
			    cases[i].name);
	}
	CU_ASSERT_STRING_EQUAL(rep_format_str((enum rep_format)9), "\?\?\?(9)");
}

/* Each writer reports a failed write: /dev/full refuses every byte. */
static void
test_rep_write_error(void)
{
	static const enum rep_format fmts[] = {
		REP_JUNIT, REP_JSON, REP_TAP, REP_TEXT, REP_HTML,
	};
	struct run_result res[NFIX];
	struct run_summary sum;
	size_t i;
	FILE *f;

	fix_build(&sum, res);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		f = fopen("/dev/full", "w");
		CU_ASSERT_FATAL(f != NULL);
		CU_ASSERT_EQUAL(rep_write(fmts[i], f, &sum), -1);
		fclose(f);
	}
	f = fopen("/dev/full", "w");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(rep_term_summary(f, &sum, true), -1);
	fclose(f);
	fix_free(&sum);
}

/* The text a report gives for a verdict matches the run, not counts[]. */
static void
test_rep_counts_from_results(void)
{
	struct run_result res[NFIX];
	struct run_summary sum;
	char *out;

	fix_build(&sum, res);
	memset(sum.counts, 0, sizeof(sum.counts));	/* stale totals */
	out = render(rep_json_write, &sum, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"counts\": {\"pass\": 1, "
	    "\"info\": 1, \"warn\": 1, \"fail\": 1, \"skip\": 1, "
	    "\"error\": 1}"));
	free(out);
	out = render(rep_junit_write, &sum, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "<testsuites name=\"smtpcheck\" "
	    "tests=\"6\" failures=\"1\" errors=\"1\""));
	free(out);
	fix_free(&sum);
}

/* count - occurrences of needle in hay. */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay += strlen(needle))
		n++;
	return n;
}

/*
 * A peer that answers with markup, and a scenario file with markup in its
 * title and a tag: all of it must show as text. The page's one <script>
 * and no <img> at all; the hostile bytes there, escaped.
 */
static void
test_rep_html_hostile(void)
{
	static const char reply[] = "550 <script>alert(1)</script>\r\n"
	    "550 \"><img src=x onerror=alert(2)>\r\n";
	static char *tags[] = { "x\"><img src=x onerror=alert(3)>" };
	static char *rfc[] = { "5321 4.2\"><script>alert(4)</script>" };
	static struct scn hs = {
		.id = "core.<script>alert(5)</script>",
		.title = "<script>alert(6)</script>",
		.note = "'><img src=x onerror=alert(7)>",
		.path = "x/\"><img src=x onerror=alert(8)>.scn",
		.tags = tags, .ntags = 1, .rfc = rfc, .nrfc = 1,
	};
	static const char *want[] = {
		"550 &lt;script&gt;alert(1)&lt;/script&gt;",
		"550 <em>\\&quot;</em>&gt;&lt;img src=x onerror=alert(2)&gt;",
		"x&quot;&gt;&lt;img src=x onerror=alert(3)&gt;",
		"&quot;&gt;&lt;script&gt;alert(4)&lt;/script&gt;",
		"core.&lt;script&gt;alert(5)&lt;/script&gt;",
		"&lt;script&gt;alert(6)&lt;/script&gt;",
		"&#39;&gt;&lt;img src=x onerror=alert(7)&gt;",
		"x/&quot;&gt;&lt;img src=x onerror=alert(8)&gt;.scn",
		"href=\"javascript%3Aalert%281%29\"",
	};
	struct run_result r = { .scn = &hs };
	struct run_summary sum = {
		.tool_version = "0.1.0<script>", .target = "<b>x</b>:25",
		.results = &r, .nresults = 1,
	};
	char *out;
	size_t i;

	transcript_add(&r.tr, TR_RECV, 10, 3, reply, sizeof(reply) - 1);
	run_result_set(&r, RUN_FAIL, 3, "expect 250 <script>", "<img>",
	    reply, sizeof(reply) - 1, "<script>alert(9)</script>");
	r.capture = xstrdup("javascript:alert(1)");
	out = render(render_html, &sum, NULL);
	CU_ASSERT_EQUAL(count(out, "<script"), 1);	/* ours, at the end */
	CU_ASSERT_EQUAL(count(out, "</script>"), 1);
	CU_ASSERT_EQUAL(count(out, "<img"), 0);
	CU_ASSERT_EQUAL(count(out, "<b>x"), 0);
	CU_ASSERT_EQUAL(count(out, "onerror=alert(2)>"), 0);
	CU_ASSERT_EQUAL(count(out, "onerror=alert(3)>"), 0);
	CU_ASSERT_EQUAL(count(out, "onerror=alert(7)>"), 0);
	CU_ASSERT_EQUAL(count(out, "'><"), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(out, want[i]) == NULL) {
			fprintf(stderr, "html hostile: no \"%s\"\n", want[i]);
			CU_FAIL(want[i]);
		}
	free(out);
	run_result_clear(&r);
}

/* A capture link is relative to the report's folder when it can be. */
static void
test_rep_html_capture_href(void)
{
	static const struct {
		const char *name, *report, *cwd, *capture, *href;
	} cases[] = {
		{ "same base", "out/r.html", NULL, "out/pcap/a.pcap",
		  "pcap/a.pcap" },
		{ "dot parts", "./out/./r.html", NULL, "out//pcap/../p/a.pcap",
		  "p/a.pcap" },
		{ "report deeper", "a/b/r.html", NULL, "c/x.pcap",
		  "../../c/x.pcap" },
		{ "report here", "r.html", NULL, "pcap/x.pcap", "pcap/x.pcap" },
		{ "both absolute", "/tmp/r/r.html", NULL, "/tmp/p/x.pcap",
		  "../p/x.pcap" },
		{ "root", "/r.html", NULL, "/x.pcap", "x.pcap" },
		{ "capture absolute", "r.html", "/w", "/w/p/x.pcap",
		  "p/x.pcap" },
		{ "report absolute", "/w/o/r.html", "/w", "p/x.pcap",
		  "../p/x.pcap" },
		{ "report above", "../r.html", "/w/s", "p/x.pcap",
		  "s/p/x.pcap" },
		{ "above, no cwd", "../r.html", NULL, "p/x.pcap", "p/x.pcap" },
		{ "mixed, no cwd", "r.html", NULL, "/abs/x.pcap",
		  "/abs/x.pcap" },
		{ "stream", NULL, "/w", "p/x.pcap", "p/x.pcap" },
		{ "encoded", "r.html", NULL, "a:b c#?%.pcap",
		  "a%3Ab%20c%23%3F%25.pcap" },
		{ "no scheme", "r.html", NULL, "javascript:alert(1)",
		  "javascript%3Aalert%281%29" },
	};
	static struct scn cs = { .id = "core.capture", .title = "t" };
	struct run_result r = { .scn = &cs };
	struct run_summary sum = { .results = &r, .nresults = 1 };
	struct rep_dest dest;
	char *buf, *want;
	size_t i, n;
	FILE *f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.capture = xstrdup(cases[i].capture);
		dest.path = cases[i].report;
		dest.cwd = cases[i].cwd;
		buf = NULL;
		f = open_memstream(&buf, &n);
		CU_ASSERT_FATAL(f != NULL);
		CU_ASSERT_EQUAL(rep_write_to(REP_HTML, f, &sum, &dest), 0);
		fclose(f);
		want = xasprintf("class=\"cap mono\" href=\"%s\"",
		    cases[i].href);
		if (strstr(buf, want) == NULL) {
			fprintf(stderr, "[%s] want %s\n", cases[i].name, want);
			CU_FAIL(cases[i].name);
		}
		free(want);
		free(buf);
		free(r.capture);
		r.capture = NULL;
	}
}

static const struct cu_test cu_tests[] = {
	CU_T(test_rep_junit_golden),
	CU_T(test_rep_json_golden),
	CU_T(test_rep_tap_golden),
	CU_T(test_rep_text_golden),
	CU_T(test_rep_html_golden),
	CU_T(test_rep_term_colour_golden),
	CU_T(test_rep_term_verbose_golden),
	CU_T(test_rep_junit_schema_valid),
	CU_T(test_rep_junit_schema_rejects),
	CU_T(test_rep_json_valid),
	CU_T(test_rep_term_no_colour_no_escape),
	CU_T(test_rep_escaping),
	CU_T(test_rep_out_utf8),
	CU_T(test_rep_deterministic),
	CU_T(test_rep_format_parse),
	CU_T(test_rep_write_error),
	CU_T(test_rep_counts_from_results),
	CU_T(test_rep_html_hostile),
	CU_T(test_rep_html_capture_href),
	{ 0 },
};

#define CU_SUITE_NAME "rep"
#include "cu_main.h"
