/* SPDX-License-Identifier: ISC */
/*
 * test_smtp_addr.c - RFC 5321 4.1.2 path and parameter parser.
 */
#include "smtp_addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_limits.h"

/*
 * XXX cu_main.h defines struct cu_test and CU_T yet asks to be included
 * after the table that uses them; as in test_rep.c, include it first and
 * point cu_tests at the table at the bottom.
 */
struct cu_test;
static const struct cu_test *cu_tests;
#define CU_SUITE_NAME "smtp_addr"
#include "cu_main.h"

/* A string of n copies of c, owned. */
static char *
rep(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}


static const struct {
	const char	*name;
	const char	*in;
	unsigned	 flags;
	enum smtp_addr_err want;
	const char	*local;		/* NULL: not checked */
	const char	*domain;
	enum smtp_addr_dom dom;
} path_cases[] = {
	{ "simple", "<a@b.example>", 0, SMTP_ADDR_OK, "a", "b.example",
	    SMTP_ADDR_DOM_NAME },
	{ "null reverse", "<>", SMTP_ADDR_F_NULL, SMTP_ADDR_OK, NULL, NULL,
	    SMTP_ADDR_DOM_NONE },
	{ "null forward", "<>", 0, SMTP_ADDR_E_NULL, NULL, NULL, 0 },
	{ "postmaster bare", "<Postmaster>", SMTP_ADDR_F_POSTMASTER,
	    SMTP_ADDR_OK, "Postmaster", "", SMTP_ADDR_DOM_NONE },
	{ "postmaster upper", "<POSTMASTER>", SMTP_ADDR_F_POSTMASTER,
	    SMTP_ADDR_OK, "POSTMASTER", "", SMTP_ADDR_DOM_NONE },
	{ "postmaster not in MAIL", "<Postmaster>", SMTP_ADDR_F_NULL,
	    SMTP_ADDR_E_SYNTAX, NULL, NULL, 0 },
	{ "other bare local", "<alice>", SMTP_ADDR_F_POSTMASTER,
	    SMTP_ADDR_E_SYNTAX, NULL, NULL, 0 },
	{ "source route", "<@a.example,@b.example:u@d.example>", 0,
	    SMTP_ADDR_OK, "u", "d.example", SMTP_ADDR_DOM_NAME },
	{ "one-hop route", "<@relay.invalid:postmaster@x.test>", 0,
	    SMTP_ADDR_OK, "postmaster", "x.test", SMTP_ADDR_DOM_NAME },
	{ "route without colon", "<@a.example,u@d.example>", 0,
	    SMTP_ADDR_E_SYNTAX, NULL, NULL, 0 },
	{ "quoted", "<\"john q\"@x.test>", 0, SMTP_ADDR_OK, "\"john q\"",
	    "x.test", SMTP_ADDR_DOM_NAME },
	{ "quoted pair", "<\"a\\\"b\"@x.test>", 0, SMTP_ADDR_OK,
	    "\"a\\\"b\"", "x.test", SMTP_ADDR_DOM_NAME },
	{ "quoted at", "<\"b@ext\"@x.test>", 0, SMTP_ADDR_OK, "\"b@ext\"",
	    "x.test", SMTP_ADDR_DOM_NAME },
	{ "unterminated quote", "<\"ab@x.test>", 0, SMTP_ADDR_E_SYNTAX,
	    NULL, NULL, 0 },
	{ "ipv4 literal", "<u@[127.0.0.1]>", 0, SMTP_ADDR_OK, "u",
	    "[127.0.0.1]", SMTP_ADDR_DOM_IPV4 },
	{ "ipv6 literal", "<u@[IPv6:::1]>", 0, SMTP_ADDR_OK, "u",
	    "[IPv6:::1]", SMTP_ADDR_DOM_IPV6 },
	{ "ipv6 lower tag", "<u@[ipv6:2001:db8::1]>", 0, SMTP_ADDR_OK, "u",
	    NULL, SMTP_ADDR_DOM_IPV6 },
	{ "bad ipv4", "<u@[300.1.1.1]>", 0, SMTP_ADDR_E_LITERAL, NULL, NULL,
	    0 },
	{ "short ipv4", "<u@[1.2.3]>", 0, SMTP_ADDR_E_LITERAL, NULL, NULL,
	    0 },
	{ "bad ipv6", "<u@[IPv6:::g]>", 0, SMTP_ADDR_E_LITERAL, NULL, NULL,
	    0 },
	{ "general literal", "<u@[x-tag:abc]>", 0, SMTP_ADDR_E_LITERAL,
	    NULL, NULL, 0 },
	{ "underscore", "<postmaster@bad_label.x.test>", 0,
	    SMTP_ADDR_E_DOMAIN, NULL, NULL, 0 },
	{ "leading hyphen", "<a@-x.test>", 0, SMTP_ADDR_E_DOMAIN, NULL,
	    NULL, 0 },
	{ "trailing dot", "<a@x.test.>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL,
	    0 },
	{ "double dot local", "<a..b@x.test>", 0, SMTP_ADDR_E_SYNTAX, NULL,
	    NULL, 0 },
	{ "leading dot local", "<.a@x.test>", 0, SMTP_ADDR_E_SYNTAX, NULL,
	    NULL, 0 },
	{ "no brackets", "a@x.test", 0, SMTP_ADDR_E_SYNTAX, NULL, NULL, 0 },
	{ "double brackets", "<<x>>", 0, SMTP_ADDR_E_SYNTAX, NULL, NULL, 0 },
	{ "no close", "<a@x.test", 0, SMTP_ADDR_E_SYNTAX, NULL, NULL, 0 },
	{ "no domain", "<a@>", 0, SMTP_ADDR_E_SYNTAX, NULL, NULL, 0 },
	{ "control", "<a\x01" "b@x.test>", 0, SMTP_ADDR_E_CTRL, NULL, NULL,
	    0 },
	{ "8bit", "<\xc3\xbc@x.test>", 0, SMTP_ADDR_E_8BIT, NULL, NULL, 0 },
	{ "8bit allowed", "<\xc3\xbc@x.test>", SMTP_ADDR_F_8BIT,
	    SMTP_ADDR_OK, "\xc3\xbc", "x.test", SMTP_ADDR_DOM_NAME },
	{ "8bit ff allowed", "<\xff@x.test>", SMTP_ADDR_F_8BIT, SMTP_ADDR_OK,
	    "\xff", "x.test", SMTP_ADDR_DOM_NAME },
	{ "atext specials", "<a!#$%&'*+-/=?^_`{|}~b@x.test>", 0,
	    SMTP_ADDR_OK, "a!#$%&'*+-/=?^_`{|}~b", "x.test",
	    SMTP_ADDR_DOM_NAME },
};

/* test_smtp_addr_paths - the path table. */
static void
test_smtp_addr_paths(void)
{
	struct smtp_path p;
	enum smtp_addr_err e;
	size_t i, used;
	char msg[256];

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		e = smtp_addr_parse_path(path_cases[i].in,
		    strlen(path_cases[i].in), path_cases[i].flags, NULL, &p,
		    &used);
		snprintf(msg, sizeof(msg), "%s: got %s want %s",
		    path_cases[i].name, smtp_addr_err_str(e),
		    smtp_addr_err_str(path_cases[i].want));
		if (e != path_cases[i].want)
			fprintf(stderr, "%s\n", msg);
		CU_ASSERT_EQUAL(e, path_cases[i].want);
		if (e != SMTP_ADDR_OK)
			continue;
		CU_ASSERT_EQUAL(used, strlen(path_cases[i].in));
		CU_ASSERT_EQUAL(p.dom_type, path_cases[i].dom);
		if (path_cases[i].local != NULL) {
			CU_ASSERT_EQUAL(p.local_len,
			    strlen(path_cases[i].local));
			CU_ASSERT(memcmp(p.local, path_cases[i].local,
			    p.local_len) == 0);
		}
		if (path_cases[i].domain != NULL) {
			CU_ASSERT_EQUAL(p.domain_len,
			    strlen(path_cases[i].domain));
			CU_ASSERT(p.domain_len == 0 || memcmp(p.domain,
			    path_cases[i].domain, p.domain_len) == 0);
		}
	}
}

static const struct {
	const char	*name;
	bool		 mail;
	const char	*in;
	enum smtp_addr_err want;
	size_t		 nparams;
} cmd_cases[] = {
	{ "mail", true, "FROM:<a@x.test>", SMTP_ADDR_OK, 0 },
	{ "mail lower", true, "from:<a@x.test>", SMTP_ADDR_OK, 0 },
	{ "mail null", true, "FROM:<>", SMTP_ADDR_OK, 0 },
	{ "mail trailing space", true, "FROM:<a@x.test>  ", SMTP_ADDR_OK,
	    0 },
	{ "mail params", true, "FROM:<a@x.test> SIZE=10 BODY=8BITMIME",
	    SMTP_ADDR_OK, 2 },
	{ "mail keyword param", true, "FROM:<a@x.test> SMTPUTF8",
	    SMTP_ADDR_OK, 1 },
	{ "mail empty value", true, "FROM:<a@x.test> SIZE=", SMTP_ADDR_E_PARAM,
	    0 },
	{ "mail value with =", true, "FROM:<a@x.test> A=b=c",
	    SMTP_ADDR_E_PARAM, 0 },
	{ "mail param glued", true, "FROM:<a@x.test>SIZE=1",
	    SMTP_ADDR_E_SYNTAX, 0 },
	{ "mail no keyword", true, "<a@x.test>", SMTP_ADDR_E_KEYWORD, 0 },
	{ "mail space after colon", true, "FROM: <a@x.test>",
	    SMTP_ADDR_E_SYNTAX, 0 },
	{ "mail empty", true, "FROM:", SMTP_ADDR_E_SYNTAX, 0 },
	{ "rcpt", false, "TO:<alice@x.test>", SMTP_ADDR_OK, 0 },
	{ "rcpt lower", false, "to:<alice@x.test>", SMTP_ADDR_OK, 0 },
	{ "rcpt null", false, "TO:<>", SMTP_ADDR_E_NULL, 0 },
	{ "rcpt postmaster", false, "TO:<pOsTmAsTeR>", SMTP_ADDR_OK, 0 },
	{ "rcpt from keyword", false, "FROM:<a@x.test>", SMTP_ADDR_E_KEYWORD,
	    0 },
	{ "rcpt param", false, "TO:<a@x.test> XHARNESS=1", SMTP_ADDR_OK, 1 },
};

/* test_smtp_addr_mail_rcpt - "FROM:"/"TO:" arguments. */
static void
test_smtp_addr_mail_rcpt(void)
{
	struct smtp_envcmd env;
	enum smtp_addr_err e;
	size_t i;

	for (i = 0; i < sizeof(cmd_cases) / sizeof(cmd_cases[0]); i++) {
		e = cmd_cases[i].mail ?
		    smtp_addr_parse_mail(cmd_cases[i].in,
		    strlen(cmd_cases[i].in), 0, NULL, &env) :
		    smtp_addr_parse_rcpt(cmd_cases[i].in,
		    strlen(cmd_cases[i].in), 0, NULL, &env);
		if (e != cmd_cases[i].want)
			fprintf(stderr, "%s: got %s want %s\n",
			    cmd_cases[i].name, smtp_addr_err_str(e),
			    smtp_addr_err_str(cmd_cases[i].want));
		CU_ASSERT_EQUAL(e, cmd_cases[i].want);
		if (e == SMTP_ADDR_OK) {
			CU_ASSERT_EQUAL(env.nparams, cmd_cases[i].nparams);
		}
	}
}

/* test_smtp_addr_lengths - 64/256 accepted exactly, one more refused. */
static void
test_smtp_addr_lengths(void)
{
	struct smtp_addr_limits short_lim = { 32, SMTP_DOMAIN_MAX, 128 };
	struct smtp_path p;
	char *local64, *local65, *path, *l1, *l2, *l3, *l4;
	size_t used;

	local64 = rep('x', SMTP_LOCAL_PART_MAX);
	local65 = rep('x', SMTP_LOCAL_PART_MAX + 1);
	path = malloc(1024);

	snprintf(path, 1024, "<%s@x.test>", local64);
	CU_ASSERT_EQUAL(smtp_addr_parse_path(path, strlen(path), 0, NULL, &p,
	    &used), SMTP_ADDR_OK);
	CU_ASSERT_EQUAL(smtp_addr_parse_path(path, strlen(path), 0,
	    &short_lim, &p, &used), SMTP_ADDR_E_LOCAL_LONG);
	snprintf(path, 1024, "<%s@x.test>", local65);
	CU_ASSERT_EQUAL(smtp_addr_parse_path(path, strlen(path), 0, NULL, &p,
	    &used), SMTP_ADDR_E_LOCAL_LONG);

	/* Exactly 256 octets: "<u@", 63.63.63.60 (252), ">". */
	l1 = rep('a', 63);
	l2 = rep('b', 63);
	l3 = rep('c', 63);
	l4 = rep('d', 60);
	snprintf(path, 1024, "<u@%s.%s.%s.%s>", l1, l2, l3, l4);
	CU_ASSERT_EQUAL(strlen(path), SMTP_PATH_MAX);
	CU_ASSERT_EQUAL(smtp_addr_parse_path(path, strlen(path), 0, NULL, &p,
	    &used), SMTP_ADDR_OK);
	CU_ASSERT_EQUAL(smtp_addr_parse_path(path, strlen(path), 0,
	    &short_lim, &p, &used), SMTP_ADDR_E_PATH_LONG);
	snprintf(path, 1024, "<uu@%s.%s.%s.%s>", l1, l2, l3, l4);
	CU_ASSERT_EQUAL(smtp_addr_parse_path(path, strlen(path), 0, NULL, &p,
	    &used), SMTP_ADDR_E_PATH_LONG);
	/* A 64-octet label is over the 63 of RFC 1035. */
	free(l1);
	l1 = rep('a', 64);
	snprintf(path, 1024, "<u@%s.test>", l1);
	CU_ASSERT_EQUAL(smtp_addr_parse_path(path, strlen(path), 0, NULL, &p,
	    &used), SMTP_ADDR_E_DOMAIN_LONG);
	free(local64);
	free(local65);
	free(path);
	free(l1);
	free(l2);
	free(l3);
	free(l4);
}

/* test_smtp_addr_params - keys and values point into the input. */
static void
test_smtp_addr_params(void)
{
	struct smtp_envcmd env;
	const char *in = "FROM:<a@x.test> size=100 BODY=7BIT X-FLAG";
	size_t i;
	char many[512];

	CU_ASSERT_EQUAL(smtp_addr_parse_mail(in, strlen(in), 0, NULL, &env),
	    SMTP_ADDR_OK);
	CU_ASSERT_EQUAL(env.nparams, 3);
	CU_ASSERT(smtp_addr_param_is(&env.params[0], "SIZE"));
	CU_ASSERT_EQUAL(env.params[0].value_len, 3);
	CU_ASSERT(memcmp(env.params[0].value, "100", 3) == 0);
	CU_ASSERT(smtp_addr_param_is(&env.params[1], "body"));
	CU_ASSERT(smtp_addr_param_is(&env.params[2], "X-FLAG"));
	CU_ASSERT_PTR_NULL(env.params[2].value);

	snprintf(many, sizeof(many), "FROM:<a@x.test>");
	for (i = 0; i <= SMTP_ADDR_PARAMS_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    " P%zu=1", i);
	CU_ASSERT_EQUAL(smtp_addr_parse_mail(many, strlen(many), 0, NULL,
	    &env), SMTP_ADDR_E_PARAMS_MAX);
}

/* test_smtp_addr_domain - EHLO arguments. */
static void
test_smtp_addr_domain(void)
{
	static const struct {
		const char	*in;
		enum smtp_addr_err want;
	} cases[] = {
		{ "client.smtpcheck.test", SMTP_ADDR_OK },
		{ "localhost", SMTP_ADDR_OK },
		{ "[127.0.0.1]", SMTP_ADDR_OK },
		{ "[IPv6:::1]", SMTP_ADDR_OK },
		{ "bad_name", SMTP_ADDR_E_DOMAIN },
		{ "a b", SMTP_ADDR_E_DOMAIN },
		{ "ex\x01" "ample", SMTP_ADDR_E_CTRL },
		{ "\xff\xfe", SMTP_ADDR_E_8BIT },
		{ "a\r250-INJECTED", SMTP_ADDR_E_CTRL },
		{ "", SMTP_ADDR_E_SYNTAX },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum smtp_addr_err e = smtp_addr_parse_domain(cases[i].in,
		    strlen(cases[i].in), 0, NULL);

		if (e != cases[i].want)
			fprintf(stderr, "domain %zu: got %s\n", i,
			    smtp_addr_err_str(e));
		CU_ASSERT_EQUAL(e, cases[i].want);
	}
}

/* test_smtp_addr_embedded_nul - a NUL never shortens an address. */
static void
test_smtp_addr_embedded_nul(void)
{
	static const char in[] = "TO:<b@ext.test\0@x.test>";
	struct smtp_envcmd env;

	CU_ASSERT_NOT_EQUAL(smtp_addr_parse_rcpt(in, sizeof(in) - 1, 0, NULL,
	    &env), SMTP_ADDR_OK);
}

/* test_smtp_addr_every_prefix - no prefix of a valid path is valid, and
 * no prefix reads past its length (run under ASan). */
static void
test_smtp_addr_every_prefix(void)
{
	static const char in[] =
	    "FROM:<@a.test,@b.test:\"q x\"@[IPv6:2001:db8::1]> SIZE=1 B";
	struct smtp_envcmd env;
	size_t n;
	char *copy;

	for (n = 0; n < sizeof(in) - 1; n++) {
		copy = malloc(n == 0 ? 1 : n);
		memcpy(copy, in, n);
		if (n < sizeof(in) - 1 - 9) {
			CU_ASSERT_NOT_EQUAL(smtp_addr_parse_mail(copy, n, 0,
			    NULL, &env), SMTP_ADDR_OK);
		} else {
			(void)smtp_addr_parse_mail(copy, n, 0, NULL, &env);
		}
		free(copy);
	}
	CU_ASSERT_EQUAL(smtp_addr_parse_mail(in, sizeof(in) - 1, 0, NULL,
	    &env), SMTP_ADDR_OK);
	CU_ASSERT(env.path.routed);
	CU_ASSERT_EQUAL(env.nparams, 2);
}

static const struct cu_test smtp_addr_tests[] = {
	CU_T(test_smtp_addr_paths),
	CU_T(test_smtp_addr_mail_rcpt),
	CU_T(test_smtp_addr_lengths),
	CU_T(test_smtp_addr_params),
	CU_T(test_smtp_addr_domain),
	CU_T(test_smtp_addr_embedded_nul),
	CU_T(test_smtp_addr_every_prefix),
	{ NULL, NULL },
};
static const struct cu_test *cu_tests = smtp_addr_tests;
