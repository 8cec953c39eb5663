/* SPDX-License-Identifier: ISC */
/*
 * test_smtp_cmd.c - command line builders: verb checks, CR/LF/NUL refusal,
 * MAIL and RCPT with the null path and parameters, raw lines, xtext.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_esc.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "smtp_cmd.h"

#include "cu_main.h"

#define B(s)	s, sizeof(s) - 1

/* A failed check names its case and what went wrong. */
#define CHECK(cond, name, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "  [%s] ", (name));			\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
	CU_ASSERT(cond);						\
} while (0)

/*
 * check_result - got (length len, err) against want (NULL: refused).
 * Frees got.
 */
static void
check_result(const char *name, char *got, size_t len,
    const struct sc_err *err, const char *want)
{
	char *e;

	if (want == NULL) {
		e = got != NULL ? sc_esc(got, len, 0) : xstrdup("");
		CHECK(got == NULL, name, "built \"%s\", want refusal", e);
		free(e);
		CHECK(len == 0, name, "len %zu on refusal", len);
		CHECK(err->set && err->msg[0] != '\0', name,
		    "refused without an error message");
	} else {
		CHECK(got != NULL, name, "refused: %s", err->msg);
		CHECK(!err->set, name, "error set on success: %s", err->msg);
		if (got != NULL) {
			e = sc_esc(got, len, 0);
			CHECK(len == strlen(want) && strcmp(got, want) == 0,
			    name, "got \"%s\" (len %zu)", e, len);
			free(e);
		}
	}
	free(got);
}

/* test_smtp_cmd_build - verbs and arguments, good and refused. */
static void
test_smtp_cmd_build(void)
{
	static const struct {
		const char	*name, *verb, *arg;
		const char	*want;		/* NULL: refused */
	} cases[] = {
		{ "no arg", "NOOP", NULL, "NOOP\r\n" },
		{ "empty arg", "QUIT", "", "QUIT\r\n" },
		{ "arg", "EHLO", "client.example", "EHLO client.example\r\n" },
		{ "arg with spaces", "X-FOO", "a b  c", "X-FOO a b  c\r\n" },
		{ "lower case verb kept", "ehlo", "x", "ehlo x\r\n" },
		{ "digits and dash", "X1-2", NULL, "X1-2\r\n" },
		{ "8-bit arg passes", "EHLO", "caf\xc3\xa9",
		    "EHLO caf\xc3\xa9\r\n" },
		{ "empty verb", "", NULL, NULL },
		{ "NULL verb", NULL, "x", NULL },
		{ "space in verb", "MA IL", NULL, NULL },
		{ "colon in verb", "MAIL:", NULL, NULL },
		{ "CR in verb", "NO\rOP", NULL, NULL },
		{ "8-bit verb", "N\xc3\x96OP", NULL, NULL },
		{ "CR in arg", "EHLO", "a\rb", NULL },
		{ "LF in arg", "EHLO", "a\nb", NULL },
		{ "injection", "EHLO", "a\r\nRSET", NULL },
		{ "trailing CRLF in arg", "EHLO", "a\r\n", NULL },
	};
	struct sc_err err;
	size_t i, len;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		len = 99;
		got = smtp_cmd_build(cases[i].verb, cases[i].arg, &len, &err);
		check_result(cases[i].name, got, len, &err, cases[i].want);
	}
}

/* test_smtp_cmd_verb_length - 1..64 octets. */
static void
test_smtp_cmd_verb_length(void)
{
	struct sc_err err;
	char verb[66], *got;
	size_t len;

	memset(verb, 'V', sizeof(verb));
	verb[64] = '\0';
	memset(&err, 0, sizeof(err));
	got = smtp_cmd_build(verb, NULL, &len, &err);
	CU_ASSERT(got != NULL && len == 66 && !err.set);
	free(got);
	verb[64] = 'V';
	verb[65] = '\0';
	got = smtp_cmd_build(verb, NULL, &len, &err);
	CU_ASSERT(got == NULL && err.set);
	CU_ASSERT(strstr(err.msg, "64") != NULL);
	/* A NULL err is allowed: nothing to fill. */
	CU_ASSERT(smtp_cmd_build(verb, NULL, NULL, NULL) == NULL);
}

/* test_smtp_cmd_no_length_limit - over-long commands are built on purpose. */
static void
test_smtp_cmd_no_length_limit(void)
{
	struct sc_err err;
	char *arg, *got;
	size_t len;

	arg = xmalloc(SMTP_CMD_LINE_MAX + 1);
	memset(arg, 'a', SMTP_CMD_LINE_MAX);
	arg[SMTP_CMD_LINE_MAX] = '\0';
	memset(&err, 0, sizeof(err));
	got = smtp_cmd_build("EHLO", arg, &len, &err);
	CU_ASSERT_FATAL(got != NULL);
	CU_ASSERT(len == SMTP_CMD_LINE_MAX + 7);
	CU_ASSERT(memcmp(got + len - 2, "\r\n", 2) == 0);
	free(got);
	free(arg);
}

/* test_smtp_cmd_mail_rcpt - paths, the null path, parameters. */
static void
test_smtp_cmd_mail_rcpt(void)
{
	static const struct {
		const char	*name;
		int		 rcpt;
		const char	*path, *params;
		const char	*want;		/* NULL: refused */
	} cases[] = {
		{ "mail", 0, "user@example.org", NULL,
		    "MAIL FROM:<user@example.org>\r\n" },
		{ "mail null path", 0, "", NULL, "MAIL FROM:<>\r\n" },
		{ "mail NULL path", 0, NULL, NULL, "MAIL FROM:<>\r\n" },
		{ "mail params", 0, "a@b", "SIZE=100 BODY=8BITMIME",
		    "MAIL FROM:<a@b> SIZE=100 BODY=8BITMIME\r\n" },
		{ "mail empty params", 0, "a@b", "", "MAIL FROM:<a@b>\r\n" },
		{ "null path with params", 0, "", "RET=HDRS",
		    "MAIL FROM:<> RET=HDRS\r\n" },
		{ "rcpt", 1, "postmaster", NULL, "RCPT TO:<postmaster>\r\n" },
		{ "rcpt params", 1, "a@b", "NOTIFY=NEVER",
		    "RCPT TO:<a@b> NOTIFY=NEVER\r\n" },
		{ "rcpt source route as is", 1, "@r.example:a@b", NULL,
		    "RCPT TO:<@r.example:a@b>\r\n" },
		{ "CRLF in path", 0, "a@b>\r\nRSET", NULL, NULL },
		{ "LF in rcpt path", 1, "a\n@b", NULL, NULL },
		{ "CR in params", 0, "a@b", "SIZE=1\r", NULL },
		{ "LF in rcpt params", 1, "a@b", "X\nY", NULL },
	};
	struct sc_err err;
	size_t i, len;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		len = 99;
		if (cases[i].rcpt)
			got = smtp_cmd_rcpt(cases[i].path, cases[i].params,
			    &len, &err);
		else
			got = smtp_cmd_mail(cases[i].path, cases[i].params,
			    &len, &err);
		check_result(cases[i].name, got, len, &err, cases[i].want);
	}
}

/* test_smtp_cmd_line - raw text plus CRLF; CR, LF, NUL refused. */
static void
test_smtp_cmd_line(void)
{
	static const struct {
		const char	*name;
		const char	*text;
		size_t		 len;
		const char	*want;		/* NULL: refused */
	} cases[] = {
		{ "data", B("DATA"), "DATA\r\n" },
		{ "empty", B(""), "\r\n" },
		{ "odd text kept", B("mail from: <a@b>  x"),
		    "mail from: <a@b>  x\r\n" },
		{ "only part of text", "RSETxyz", 4, "RSET\r\n" },
		{ "NUL", B("NO\0OP"), NULL },
		{ "CR", B("NO\rOP"), NULL },
		{ "LF", B("NO\nOP"), NULL },
		{ "CRLF at end", B("NOOP\r\n"), NULL },
	};
	struct sc_err err;
	size_t i, len;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		len = 99;
		got = smtp_cmd_line(cases[i].text, cases[i].len, &len, &err);
		check_result(cases[i].name, got, len, &err, cases[i].want);
	}
	memset(&err, 0, sizeof(err));
	got = smtp_cmd_line(B("NO\0OP"), &len, &err);
	CU_ASSERT(got == NULL && strstr(err.msg, "NUL") != NULL &&
	    strstr(err.msg, "offset 2") != NULL);
}

/* test_smtp_cmd_xtext - RFC 3461 4: +XX for '+', '=', outside 33..126. */
static void
test_smtp_cmd_xtext(void)
{
	static const struct {
		const char	*name;
		const char	*in;
		size_t		 len;
		const char	*want;
	} cases[] = {
		{ "empty", B(""), "" },
		{ "plain", B("user@example.org"), "user@example.org" },
		{ "plus and equals", B("a+b=c"), "a+2Bb+3Dc" },
		{ "space", B(" "), "+20" },
		{ "edges kept", B("!~"), "!~" },
		{ "controls and 8-bit", B("\x7f\x80\xff\t"), "+7F+80+FF+09" },
		{ "NUL", B("a\0b"), "a+00b" },
		{ "CRLF", B("\r\n"), "+0D+0A" },
	};
	size_t i;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = smtp_xtext_encode(cases[i].in, cases[i].len);
		CHECK(strcmp(got, cases[i].want) == 0, cases[i].name,
		    "got \"%s\", want \"%s\"", got, cases[i].want);
		free(got);
	}
}

static const struct cu_test cu_tests[] = {
	CU_T(test_smtp_cmd_build),
	CU_T(test_smtp_cmd_verb_length),
	CU_T(test_smtp_cmd_no_length_limit),
	CU_T(test_smtp_cmd_mail_rcpt),
	CU_T(test_smtp_cmd_line),
	CU_T(test_smtp_cmd_xtext),
	{ 0 },
};

#define CU_SUITE_NAME "smtp_cmd"
#include "cu_main.h"
