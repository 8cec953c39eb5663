/* SPDX-License-Identifier: ISC */
/*
 * test_scn_vars.c - scenario variables: built-in defaults, set/get, the
 * profile file and --var, and the expansion of ${...} and escapes, at run
 * time (scn_expand) and at parse time (scn_expand_check).
 */
#include "cu_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sc_limits.h"
#include "sc_util.h"
#include "scn_vars.h"

/* test_scn_vars_defaults - the spec's table, exactly. */
static void
test_scn_vars_defaults(void)
{
	static const struct {
		const char *name, *value;
	} want[] = {
		{ "helo", "client.smtpcheck.test" },
		{ "sender", "sender@client.smtpcheck.test" },
		{ "domain", "smtpref.test" },
		{ "rcpt", "alice@smtpref.test" },
		{ "rcpt2", "bob@smtpref.test" },
		{ "unknown_rcpt", "nosuchuser-4f1c9a@smtpref.test" },
		{ "foreign_rcpt", "victim@relay-target.invalid" },
		{ "utf8_sender", "j\xc3\xb6s\xc3\xa9@client.smtpcheck.test" },
		{ "utf8_rcpt", "j\xc3\xb6s\xc3\xa9@smtpref.test" },
		{ "user", "" },
		{ "password", "" },
	};
	struct scn_vars *v;
	const char *n, *val;
	size_t i;

	v = scn_vars_new();
	CU_ASSERT_EQUAL_FATAL(scn_vars_count(v), sizeof(want) /
	    sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(scn_vars_get(v, want[i].name));
		CU_ASSERT_STRING_EQUAL(scn_vars_get(v, want[i].name),
		    want[i].value);
		CU_ASSERT(scn_vars_is_builtin(want[i].name));
		scn_vars_at(v, i, &n, &val);
		CU_ASSERT_STRING_EQUAL(n, want[i].name);
	}
	CU_ASSERT(!scn_vars_is_builtin("token"));
	CU_ASSERT(!scn_vars_is_builtin("HELO"));
	CU_ASSERT_PTR_NULL(scn_vars_get(v, "token"));
	CU_ASSERT_PTR_NULL(scn_vars_get(v, "hel"));
	scn_vars_free(v);
	scn_vars_free(NULL);
}

/* test_scn_vars_set - set, replace, bad names, a full set, dup. */
static void
test_scn_vars_set(void)
{
	struct scn_vars *v, *d;
	char name[32];
	size_t i, base;

	v = scn_vars_new();
	base = scn_vars_count(v);
	CU_ASSERT_EQUAL(scn_vars_set(v, "helo", "mx.example"), 0);
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "helo"), "mx.example");
	CU_ASSERT_EQUAL(scn_vars_count(v), base);
	CU_ASSERT_EQUAL(scn_vars_set(v, "_x9", "1"), 0);
	CU_ASSERT_EQUAL(scn_vars_count(v), base + 1);
	CU_ASSERT_EQUAL(scn_vars_set(v, "9x", "1"), -1);
	CU_ASSERT_EQUAL(scn_vars_set(v, "Helo", "1"), -1);
	CU_ASSERT_EQUAL(scn_vars_set(v, "a-b", "1"), -1);
	CU_ASSERT_EQUAL(scn_vars_set(v, "", "1"), -1);

	d = scn_vars_dup(v);
	CU_ASSERT_EQUAL(scn_vars_set(d, "helo", "other"), 0);
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "helo"), "mx.example");
	CU_ASSERT_STRING_EQUAL(scn_vars_get(d, "helo"), "other");
	CU_ASSERT_STRING_EQUAL(scn_vars_get(d, "_x9"), "1");
	scn_vars_free(d);

	for (i = scn_vars_count(v); i < SCN_VARS_MAX; i++) {
		snprintf(name, sizeof(name), "v%zu", i);
		CU_ASSERT_EQUAL(scn_vars_set(v, name, "x"), 0);
	}
	CU_ASSERT_EQUAL(scn_vars_count(v), SCN_VARS_MAX);
	CU_ASSERT_EQUAL(scn_vars_set(v, "one_too_many", "x"), -1);
	/* replacing still works in a full set */
	CU_ASSERT_EQUAL(scn_vars_set(v, "helo", "again"), 0);
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "helo"), "again");
	scn_vars_free(v);
}

/* write_tmp - a temporary file holding text; returns its path (owned). */
static char *
write_tmp(const char *text, size_t len)
{
	char *path;
	FILE *f;
	int fd;

	path = xstrdup("/tmp/scn-vars-XXXXXX");
	fd = mkstemp(path);
	if (fd == -1)
		fatal("mkstemp");
	f = fdopen(fd, "wb");
	if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		fatal("write %s", path);
	return path;
}

/* load_text - load a profile of the given text; *msg gets the error with
 * the temporary path replaced by "P". */
static int
load_text(struct scn_vars *v, const char *text, size_t len, char *msg,
    size_t size)
{
	struct sc_err err;
	char *path;
	int rc;

	memset(&err, 0, sizeof(err));
	path = write_tmp(text, len);
	rc = scn_vars_load_profile(v, path, &err);
	msg[0] = '\0';
	if (rc == -1) {
		CU_ASSERT_STRING_EQUAL(err.file, path);
		snprintf(err.file, sizeof(err.file), "P");
		sc_err_format(&err, msg, size);
	}
	unlink(path);
	free(path);
	return rc;
}

/* test_scn_vars_profile - name = value lines, comments, errors. */
static void
test_scn_vars_profile(void)
{
	static const char good[] =
	    "# a profile\r\n"
	    "\n"
	    "  helo = mx.test  \r\n"
	    "rcpt=postmaster@mx.test\n"
	    "password = s3cr#t # with a hash\n"
	    "empty =\n"
	    "token = a = b";
	static const struct {
		const char *name, *text, *want;
	} bad[] = {
		{ "no equals", "helo = x\nrcpt\n",
		  "P:2:1: expected name = value" },
		{ "bad name", "\n\n  Helo = x\n",
		  "P:3:3: invalid variable name \"Helo\": expected lower case "
		  "letters, digits and _, starting with a letter or _" },
		{ "empty name", "= x\n",
		  "P:1:1: invalid variable name \"\": expected lower case "
		  "letters, digits and _, starting with a letter or _" },
		{ "blank in name", "my var = x\n",
		  "P:1:1: invalid variable name \"my var\": expected lower "
		  "case letters, digits and _, starting with a letter or _" },
	};
	struct scn_vars *v;
	struct sc_err err;
	char msg[512];
	size_t i;

	v = scn_vars_new();
	CU_ASSERT_EQUAL_FATAL(load_text(v, good, sizeof(good) - 1, msg,
	    sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "helo"), "mx.test");
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "rcpt"), "postmaster@mx.test");
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "password"),
	    "s3cr#t # with a hash");
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "empty"), "");
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "token"), "a = b");
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "sender"),
	    "sender@client.smtpcheck.test");
	scn_vars_free(v);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = scn_vars_new();
		CU_ASSERT_EQUAL(load_text(v, bad[i].text, strlen(bad[i].text),
		    msg, sizeof(msg)), -1);
		if (strcmp(msg, bad[i].want) != 0)
			fprintf(stderr, "\n  case \"%s\"\n    got:  %s\n"
			    "    want: %s\n", bad[i].name, msg, bad[i].want);
		CU_ASSERT_STRING_EQUAL(msg, bad[i].want);
		scn_vars_free(v);
	}

	v = scn_vars_new();
	CU_ASSERT_EQUAL(load_text(v, "a = 1\nb = x\0y\n", 12, msg,
	    sizeof(msg)), -1);
	CU_ASSERT_STRING_EQUAL(msg, "P:2:6: NUL byte in the file");
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(scn_vars_load_profile(v, "/nonexistent/profile",
	    &err), -1);
	CU_ASSERT(err.set);
	CU_ASSERT_STRING_EQUAL(err.file, "/nonexistent/profile");
	scn_vars_free(v);
}

/* test_scn_vars_set_arg - --var name=value. */
static void
test_scn_vars_set_arg(void)
{
	struct scn_vars *v;
	struct sc_err err;
	char msg[512];

	v = scn_vars_new();
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(scn_vars_set_arg(v, "rcpt=a=b@x", &err), 0);
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "rcpt"), "a=b@x");
	CU_ASSERT_EQUAL(scn_vars_set_arg(v, "user=", &err), 0);
	CU_ASSERT_STRING_EQUAL(scn_vars_get(v, "user"), "");
	CU_ASSERT(!err.set);
	CU_ASSERT_EQUAL(scn_vars_set_arg(v, "rcpt", &err), -1);
	sc_err_format(&err, msg, sizeof(msg));
	CU_ASSERT_STRING_EQUAL(msg, "--var \"rcpt\": expected name=value");
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(scn_vars_set_arg(v, "RCPT=x", &err), -1);
	sc_err_format(&err, msg, sizeof(msg));
	CU_ASSERT_STRING_EQUAL(msg, "--var \"RCPT=x\": invalid variable name "
	    "\"RCPT\": expected lower case letters, digits and _, starting "
	    "with a letter or _");
	scn_vars_free(v);
}

/* The expansion cases: src, escapes, the bytes wanted (len when they
 * hold a NUL, else 0 for strlen). */
static const struct {
	const char	*src;
	bool		 esc;
	const char	*want;
	size_t		 wantlen;
} expand_ok[] = {
	{ "", false, "", 0 },
	{ "plain text", false, "plain text", 0 },
	{ "EHLO ${helo}", false, "EHLO client.smtpcheck.test", 0 },
	{ "<${rcpt}>,<${rcpt2}>", false,
	  "<alice@smtpref.test>,<bob@smtpref.test>", 0 },
	{ "AUTH ${user}${password}!", false, "AUTH !", 0 },
	{ "${n+1} ${n-1} ${n+0} ${n-50}", false, "42 40 41 -9", 0 },
	{ "${neg+1}", false, "-4", 0 },
	{ "${n/10} ${n/41} ${n/100}", false, "4 1 0", 0 },
	{ "${repeat:n/20:ab}", false, "abab", 0 },
	{ "$$ $${helo}", false, "$ ${helo}", 0 },
	{ "${repeat:3:ab}", false, "ababab", 0 },
	{ "${repeat:0:ab}x", false, "x", 0 },
	{ "${repeat:n-39:-}", false, "--", 0 },
	{ "${repeat:two:x}", false, "xx", 0 },
	{ "${repeat:2:$x{}", false, "$x{$x{", 0 },
	{ "${repeat:2:}y", false, "y", 0 },
	{ "${repeat:2:<${n}>}", false, "<41><41>", 0 },
	{ "${repeat:n-39:R ${helo}\\r\\n}", true,
	  "R client.smtpcheck.test\r\nR client.smtpcheck.test\r\n", 0 },
	{ "a\\r\\n", false, "a\\r\\n", 0 },		/* no escapes in send */
	{ "a\\r\\n\\t", true, "a\r\n\t", 0 },
	{ "\\\\ \\\" \\x41\\x7a\\xFF", true, "\\ \" Az\xff", 0 },
	{ "a\\0b", true, "a\0b", 3 },
	{ "${repeat:2:\\r\\n}.", true, "\r\n\r\n.", 0 },
	{ "${repeat:2:\\x7d}", true, "}}", 0 },
	{ "${repeat:2:\\r\\n}.", false, "\\r\\n\\r\\n.", 0 },
	/* RFC 4648 10 test vectors, then SASL PLAIN (RFC 4616 4) */
	{ "${base64:}x", false, "x", 0 },
	{ "${base64:f}", false, "Zg==", 0 },
	{ "${base64:fo}", false, "Zm8=", 0 },
	{ "${base64:foobar}", false, "Zm9vYmFy", 0 },
	{ "${base64:\\0tim\\0tanstaaftanstaaf}", false,
	  "AHRpbQB0YW5zdGFhZnRhbnN0YWFm", 0 },
	{ "AUTH PLAIN ${base64:\\0${n}\\0${n+1}}", false,
	  "AUTH PLAIN ADQxADQy", 0 },
	{ "${base64:${repeat:2:a}}", false, "YWE=", 0 },
	{ "${base64:a\\x7db}", true, "YX1i", 0 },
};

/* The errors: src, escapes, message, column (1-based, in src). */
static const struct {
	const char	*src;
	bool		 esc;
	const char	*want;
	int		 col;
} expand_bad[] = {
	{ "${nosuch}", false, "unknown variable \"nosuch\"", 1 },
	{ "x ${helo+1}", false, "variable \"helo\" is not a number "
	  "(\"client.smtpcheck.test\")", 3 },
	{ "${big+1}", false, "number overflow in \"big\" + 1", 1 },
	{ "${repeat:-1:x}", false, "expected a repeat count (a number, or a "
	  "variable with an optional +N or -N) after \"${repeat:\"", 10 },
	{ "${repeat:n-50:x}", false, "negative repeat count (-9)", 1 },
	{ "${repeat:nosuch:x}", false, "unknown variable \"nosuch\"", 1 },
	{ "$x", false, "expected \"{\" or \"$\" after \"$\" (write $$ for a "
	  "literal $)", 1 },
	{ "ab$", false, "expected \"{\" or \"$\" after \"$\" (write $$ for a "
	  "literal $)", 3 },
	{ "${", false, "unterminated \"${\": expected \"}\"", 1 },
	{ "${}", false, "expected a variable name (lower case letters, "
	  "digits and _) after \"${\"", 3 },
	{ "${helo", false, "unterminated \"${\": expected \"}\"", 1 },
	{ "${heLO}", false, "variable names are lower case letters, digits "
	  "and _", 5 },
	{ "${helo x}", false, "expected \"}\", \"+N\" or \"-N\" after the "
	  "variable name", 7 },
	{ "${n+}", false, "expected a number", 5 },
	{ "${n/0}", false, "division by zero", 5 },
	{ "${n+1x}", false, "expected \"}\" after the number", 6 },
	{ "${n+99999999999999999999}", false, "number too large", 5 },
	{ "${repeat:3}", false, "expected \":\" after the repeat count", 11 },
	{ "${repeat:3:abc", false, "unterminated \"${\": expected \"}\"", 1 },
	{ "${repeat:2:${nosuch}}", false, "unknown variable \"nosuch\"", 12 },
	{ "${base64:abc", false, "unterminated \"${base64:\": expected "
	  "\"}\"", 1 },
	{ "x${base64:a${nosuch}}", false, "unknown variable \"nosuch\"", 12 },
	{ "${base64:\\q}", false, "unknown escape \"\\q\": expected \\r \\n "
	  "\\t \\0 \\\\ \\\" or \\xNN", 10 },
	{ "${repeat:67108865:}", false, "${repeat:...} is over 67108864 "
	  "bytes", 1 },
	{ "${repeat:33554433:ab}", false, "${repeat:...} is over 67108864 "
	  "bytes", 1 },
	{ "ab\\q", true, "unknown escape \"\\q\": expected \\r \\n \\t \\0 "
	  "\\\\ \\\" or \\xNN", 3 },
	{ "\\x4", true, "expected two hex digits after \"\\x\"", 1 },
	{ "\\xg0", true, "expected two hex digits after \"\\x\"", 1 },
	{ "end\\", true, "\"\\\" at the end of the text: write \\\\ for a "
	  "backslash", 4 },
	{ "${repeat:2:\\q}", true, "unknown escape \"\\q\": expected \\r \\n "
	  "\\t \\0 \\\\ \\\" or \\xNN", 12 },
};

/* test_scn_vars_expand - every case, at run time and at parse time. */
static void
test_scn_vars_expand(void)
{
	struct scn_vars *v;
	struct sc_err err;
	char *out;
	size_t i, len, wl;
	int col;

	v = scn_vars_new();
	CU_ASSERT_EQUAL(scn_vars_set(v, "n", "41"), 0);
	CU_ASSERT_EQUAL(scn_vars_set(v, "neg", "-5"), 0);
	CU_ASSERT_EQUAL(scn_vars_set(v, "two", "2"), 0);
	CU_ASSERT_EQUAL(scn_vars_set(v, "big", "9223372036854775807"), 0);
	for (i = 0; i < sizeof(expand_ok) / sizeof(expand_ok[0]); i++) {
		memset(&err, 0, sizeof(err));
		out = scn_expand(expand_ok[i].src, expand_ok[i].esc, v, &len,
		    &err);
		wl = expand_ok[i].wantlen != 0 ? expand_ok[i].wantlen :
		    strlen(expand_ok[i].want);
		if (out == NULL || len != wl ||
		    memcmp(out, expand_ok[i].want, wl) != 0)
			fprintf(stderr, "\n  expand \"%s\": got \"%s\" (%s)\n",
			    expand_ok[i].src, out != NULL ? out : "NULL",
			    err.msg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(out);
		CU_ASSERT_EQUAL(len, wl);
		CU_ASSERT(memcmp(out, expand_ok[i].want, wl) == 0);
		CU_ASSERT_EQUAL(out[len], '\0');
		free(out);
		memset(&err, 0, sizeof(err));
		CU_ASSERT_EQUAL(scn_expand_check(expand_ok[i].src,
		    expand_ok[i].esc, &col, &err, NULL, NULL), 0);
	}
	for (i = 0; i < sizeof(expand_bad) / sizeof(expand_bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		out = scn_expand(expand_bad[i].src, expand_bad[i].esc, v, &len,
		    &err);
		if (out != NULL || strcmp(err.msg, expand_bad[i].want) != 0)
			fprintf(stderr, "\n  expand \"%s\"\n    got:  %s\n"
			    "    want: %s\n", expand_bad[i].src, err.msg,
			    expand_bad[i].want);
		CU_ASSERT_PTR_NULL(out);
		free(out);
		CU_ASSERT_STRING_EQUAL(err.msg, expand_bad[i].want);
	}
	scn_vars_free(v);
}

/* test_scn_vars_check - parse-time errors and their columns; what needs a
 * value passes the check. */
static void
test_scn_vars_check(void)
{
	struct sc_err err;
	size_t i;
	int col;

	for (i = 0; i < sizeof(expand_bad) / sizeof(expand_bad[0]); i++) {
		const char *src = expand_bad[i].src;
		/* these need values: unknown at parse time */
		bool runtime = strstr(expand_bad[i].want, "unknown variable") ||
		    strstr(expand_bad[i].want, "not a number") ||
		    strstr(expand_bad[i].want, "overflow") ||
		    strstr(expand_bad[i].want, "negative");

		memset(&err, 0, sizeof(err));
		col = 0;
		if (runtime) {
			CU_ASSERT_EQUAL(scn_expand_check(src, expand_bad[i].esc,
			    &col, &err, NULL, NULL), 0);
			continue;
		}
		CU_ASSERT_EQUAL(scn_expand_check(src, expand_bad[i].esc, &col,
		    &err, NULL, NULL), -1);
		if (col != expand_bad[i].col ||
		    strcmp(err.msg, expand_bad[i].want) != 0)
			fprintf(stderr, "\n  check \"%s\": col %d (want %d) "
			    "%s\n", src, col, expand_bad[i].col, err.msg);
		CU_ASSERT_EQUAL(col, expand_bad[i].col);
		CU_ASSERT_STRING_EQUAL(err.msg, expand_bad[i].want);
	}
}

struct refs {
	char	 names[8][16];
	int	 cols[8];
	size_t	 n;
};

/* ref_cb - collect the references scn_expand_check reports. */
static void
ref_cb(void *arg, const char *name, size_t namelen, int col)
{
	struct refs *r = arg;

	if (r->n < 8 && namelen < 16) {
		memcpy(r->names[r->n], name, namelen);
		r->names[r->n][namelen] = '\0';
		r->cols[r->n] = col;
		r->n++;
	}
}

/* test_scn_vars_refs - names referenced, in order, with their columns. */
static void
test_scn_vars_refs(void)
{
	struct refs r;
	struct sc_err err;
	int col;

	memset(&r, 0, sizeof(r));
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(scn_expand_check("A ${helo} $$ ${n+1}${repeat:cnt:x}"
	    "${repeat:3:y}", false, &col, &err, ref_cb, &r), 0);
	CU_ASSERT_EQUAL_FATAL(r.n, 3);
	CU_ASSERT_STRING_EQUAL(r.names[0], "helo");
	CU_ASSERT_EQUAL(r.cols[0], 3);
	CU_ASSERT_STRING_EQUAL(r.names[1], "n");
	CU_ASSERT_EQUAL(r.cols[1], 14);
	CU_ASSERT_STRING_EQUAL(r.names[2], "cnt");
	CU_ASSERT_EQUAL(r.cols[2], 20);
}

/* test_scn_vars_limits - SCN_EXPAND_MAX bounds the whole result. */
static void
test_scn_vars_limits(void)
{
	struct scn_vars *v;
	struct sc_err err;
	char *out;
	size_t len;

	v = scn_vars_new();
	memset(&err, 0, sizeof(err));
	/* exactly at the limit: fine */
	out = scn_expand("${repeat:67108864:A}", false, v, &len, &err);
	CU_ASSERT_PTR_NOT_NULL(out);
	CU_ASSERT_EQUAL(len, SCN_EXPAND_MAX);
	free(out);
	/* one byte more */
	out = scn_expand("${repeat:67108864:A}B", false, v, &len, &err);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_STRING_EQUAL(err.msg, "the expanded text is over 67108864 "
	    "bytes");
	free(out);
	/* a repeat count from a variable is checked at run time */
	CU_ASSERT_EQUAL(scn_vars_set(v, "huge", "999999999"), 0);
	memset(&err, 0, sizeof(err));
	out = scn_expand("${repeat:huge:A}", false, v, &len, &err);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_STRING_EQUAL(err.msg, "${repeat:...} is over 67108864 "
	    "bytes");
	free(out);
	scn_vars_free(v);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_scn_vars_defaults),
	CU_T(test_scn_vars_set),
	CU_T(test_scn_vars_profile),
	CU_T(test_scn_vars_set_arg),
	CU_T(test_scn_vars_expand),
	CU_T(test_scn_vars_check),
	CU_T(test_scn_vars_refs),
	CU_T(test_scn_vars_limits),
	{ NULL, NULL }
};

#define CU_SUITE_NAME	"scn_vars"
#include "cu_main.h"
