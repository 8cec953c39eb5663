/* SPDX-License-Identifier: ISC */
/*
 * test_smtp_reply.c - the incremental reply parser: single and multiline
 * replies, enhanced status codes, every deviation flag, pipelining, split
 * invariance, the hard line limit and the buffer limit; EHLO keywords.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_esc.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "smtp_reply.h"

#include "cu_main.h"

#define B(s)	s, sizeof(s) - 1
#define NONE	"\001"		/* "no such line" in a case table */

/* A failed check names its case and what went wrong. */
#define CHECK(cond, name, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "  [%s] ", (name));			\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
	CU_ASSERT(cond);						\
} while (0)

/* describe - one reply as a string, every field included. */
static char *
describe(const struct smtp_reply *r)
{
	char *s, *t, *e;
	size_t i;

	s = xasprintf("code=%d enh=%d.%d.%d flags=%#x n=%zu", r->code,
	    r->enh_class, r->enh_subject, r->enh_detail, r->flags, r->nlines);
	for (i = 0; i < r->nlines; i++) {
		e = sc_esc(r->lines[i].text, r->lines[i].len, 0);
		t = xasprintf("%s [%s%s]", s, e, r->lines[i].last ? "$" : "");
		free(e);
		free(s);
		s = t;
	}
	e = sc_esc(r->raw, r->rawlen, 0);
	t = xasprintf("%s raw=\"%s\"\n", s, e);
	free(e);
	free(s);
	return t;
}

/* append - *acc += add, both owned. */
static void
append(char **acc, char *add)
{
	char *t;

	t = xasprintf("%s%s", *acc, add);
	free(*acc);
	free(add);
	*acc = t;
}

/* drain - describe every reply the parser has, appended to *acc. */
static void
drain(struct smtp_rparser *rp, char **acc)
{
	struct smtp_reply r;

	while (smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY) {
		append(acc, describe(&r));
		smtp_reply_clear(&r);
	}
}

/*
 * parse_split - feed in as chunks ending at each offset in cuts (and at
 * len), draining after each; the description of every reply plus what
 * stays pending.
 */
static char *
parse_split(const char *in, size_t len, const size_t *cuts, size_t ncuts)
{
	struct smtp_rparser *rp;
	const char *p;
	size_t i, from, to, plen;
	char *acc, *esc;

	rp = smtp_rparser_new();
	acc = xstrdup("");
	from = 0;
	for (i = 0; i <= ncuts; i++) {
		to = i < ncuts ? cuts[i] : len;
		CU_ASSERT_FATAL(smtp_rparser_feed(rp, in + from,
		    to - from) == 0);
		drain(rp, &acc);
		from = to;
	}
	p = smtp_rparser_pending(rp, &plen);
	esc = sc_esc(p, plen, 0);
	append(&acc, xasprintf("pending=%s\n", esc));
	free(esc);
	smtp_rparser_free(rp);
	return acc;
}

/* parse_whole - parse_split with no cut. */
static char *
parse_whole(const char *in, size_t len)
{
	return parse_split(in, len, NULL, 0);
}

/* parse_bytewise - one byte per feed. */
static char *
parse_bytewise(const char *in, size_t len)
{
	size_t *cuts, i;
	char *s;

	cuts = xcalloc(len + 1, sizeof(*cuts));
	for (i = 0; i < len; i++)
		cuts[i] = i;
	s = parse_split(in, len, cuts, len);
	free(cuts);
	return s;
}

/* parse_one - the first reply of in, fed whole; false if none. */
static bool
parse_one(const char *in, size_t len, struct smtp_reply *r, size_t *pending)
{
	struct smtp_rparser *rp;
	enum smtp_rparse_status st;

	rp = smtp_rparser_new();
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, in, len) == 0);
	st = smtp_rparser_next(rp, r);
	smtp_rparser_pending(rp, pending);
	smtp_rparser_free(rp);
	return st == SMTP_RPARSE_REPLY;
}

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 code;
	int		 ec, es, ed;
	unsigned	 flags;
	size_t		 nlines;
	const char	*first;		/* text of lines[0] */
	size_t		 firstlen;
	const char	*last;		/* text of lines[nlines - 1] */
	size_t		 pending;	/* bytes left after this reply */
} reply_cases[] = {
	{ "single", B("250 OK\r\n"), 250, 0, 0, 0, 0, 1, B("OK"), "OK", 0 },
	{ "single 220 greeting", B("220 mx.example ESMTP ready\r\n"), 220,
	    0, 0, 0, 0, 1, B("mx.example ESMTP ready"), NONE, 0 },
	{ "multiline", B("250-mx.example\r\n250-PIPELINING\r\n"
	    "250 8BITMIME\r\n"), 250, 0, 0, 0, 0, 3, B("mx.example"),
	    "8BITMIME", 0 },
	{ "empty continuation text", B("250-\r\n250 x\r\n"), 250, 0, 0, 0,
	    0, 2, B(""), "x", 0 },
	{ "empty final text", B("250 \r\n"), 250, 0, 0, 0, 0, 1, B(""), "",
	    0 },
	{ "enh present", B("250 2.1.0 Sender ok\r\n"), 250, 2, 1, 0, 0, 1,
	    B("2.1.0 Sender ok"), NONE, 0 },
	{ "enh multiline", B("550-5.7.1 no\r\n550 5.7.1 really\r\n"), 550,
	    5, 7, 1, 0, 2, B("5.7.1 no"), "5.7.1 really", 0 },
	{ "enh three digits", B("451 4.123.999 try later\r\n"), 451, 4,
	    123, 999, 0, 1, B("4.123.999 try later"), NONE, 0 },
	{ "enh whole text", B("250 2.0.0\r\n"), 250, 2, 0, 0, 0, 1,
	    B("2.0.0"), NONE, 0 },
	{ "enh class mismatch kept", B("250 5.1.1 odd\r\n"), 250, 5, 1, 1,
	    0, 1, B("5.1.1 odd"), NONE, 0 },
	{ "enh absent", B("250 ok 2.1.0\r\n"), 250, 0, 0, 0, 0, 1,
	    B("ok 2.1.0"), NONE, 0 },
	{ "enh class 3 is not one", B("354 3.0.0 go\r\n"), 354, 0, 0, 0,
	    0, 1, B("3.0.0 go"), NONE, 0 },
	{ "enh four digits", B("250 2.1000.0 x\r\n"), 250, 0, 0, 0, 0, 1,
	    B("2.1000.0 x"), NONE, 0 },
	{ "enh no space after", B("250 2.1.0x\r\n"), 250, 0, 0, 0, 0, 1,
	    B("2.1.0x"), NONE, 0 },
	{ "enh missing detail", B("250 2.1. x\r\n"), 250, 0, 0, 0, 0, 1,
	    B("2.1. x"), NONE, 0 },
	{ "enh only in second line", B("250-hello\r\n250 2.0.0 ok\r\n"), 250,
	    0, 0, 0, 0, 2, B("hello"), "2.0.0 ok", 0 },
	{ "bad code text", B("hello\r\n"), -1, 0, 0, 0,
	    SMTP_REPLY_F_BAD_CODE, 1, B("hello"), NONE, 0 },
	{ "bad code short", B("25\r\n"), -1, 0, 0, 0, SMTP_REPLY_F_BAD_CODE,
	    1, B("25"), NONE, 0 },
	{ "bad code empty line", B("\r\n"), -1, 0, 0, 0,
	    SMTP_REPLY_F_BAD_CODE, 1, B(""), NONE, 0 },
	{ "bad code 600", B("600 x\r\n"), 600, 0, 0, 0,
	    SMTP_REPLY_F_BAD_CODE, 1, B("x"), NONE, 0 },
	{ "bad code 199", B("199 x\r\n"), 199, 0, 0, 0,
	    SMTP_REPLY_F_BAD_CODE, 1, B("x"), NONE, 0 },
	{ "bad code 260", B("260 x\r\n"), 260, 0, 0, 0,
	    SMTP_REPLY_F_BAD_CODE, 1, B("x"), NONE, 0 },
	{ "bad code ends multiline", B("250-a\r\nxyz\r\n250 b\r\n"), 250, 0,
	    0, 0, SMTP_REPLY_F_BAD_CODE, 2, B("a"), "xyz", 7 },
	{ "mixed codes", B("250-a\r\n251 b\r\n"), 250, 0, 0, 0,
	    SMTP_REPLY_F_MIXED_CODE, 2, B("a"), "b", 0 },
	{ "mixed codes middle", B("250-a\r\n550-b\r\n250 c\r\n"), 250, 0, 0,
	    0, SMTP_REPLY_F_MIXED_CODE, 3, B("a"), "c", 0 },
	{ "bad separator", B("250_ok\r\n"), 250, 0, 0, 0,
	    SMTP_REPLY_F_BAD_SEP, 1, B("ok"), NONE, 0 },
	{ "bad separator ends multiline", B("250-a\r\n250:b\r\n250 c\r\n"),
	    250, 0, 0, 0, SMTP_REPLY_F_BAD_SEP, 2, B("a"), "b", 7 },
	{ "bare LF", B("250 ok\n"), 250, 0, 0, 0, SMTP_REPLY_F_BARE_LF, 1,
	    B("ok"), NONE, 0 },
	{ "bare LF in multiline", B("250-a\n250 b\r\n"), 250, 0, 0, 0,
	    SMTP_REPLY_F_BARE_LF, 2, B("a"), "b", 0 },
	{ "bare CR", B("250 o\rk\r\n"), 250, 0, 0, 0, SMTP_REPLY_F_BARE_CR,
	    1, B("o\rk"), NONE, 0 },
	{ "bare CR is no line end", B("250 a\r250-b\r\n"), 250, 0, 0, 0,
	    SMTP_REPLY_F_BARE_CR, 1, B("a\r250-b"), NONE, 0 },
	{ "CR CR LF", B("250 a\r\r\n"), 250, 0, 0, 0, SMTP_REPLY_F_BARE_CR,
	    1, B("a\r"), NONE, 0 },
	{ "NUL", B("250 a\0b\r\n"), 250, 0, 0, 0, SMTP_REPLY_F_NUL, 1,
	    B("a\0b"), NONE, 0 },
	{ "8-bit", B("250 caf\xc3\xa9\r\n"), 250, 0, 0, 0, SMTP_REPLY_F_8BIT,
	    1, B("caf\xc3\xa9"), NONE, 0 },
	{ "control", B("250 a\001b\r\n"), 250, 0, 0, 0, SMTP_REPLY_F_CTRL, 1,
	    B("a\001b"), NONE, 0 },
	{ "DEL", B("250 a\177\r\n"), 250, 0, 0, 0, SMTP_REPLY_F_CTRL, 1,
	    B("a\177"), NONE, 0 },
	{ "HT is fine", B("250 a\tb\r\n"), 250, 0, 0, 0, 0, 1, B("a\tb"),
	    NONE, 0 },
	{ "code only", B("250\r\n"), 250, 0, 0, 0, SMTP_REPLY_F_CODE_ONLY, 1,
	    B(""), NONE, 0 },
	{ "code only bare LF", B("354\n"), 354, 0, 0, 0,
	    SMTP_REPLY_F_CODE_ONLY | SMTP_REPLY_F_BARE_LF, 1, B(""), NONE, 0 },
	{ "code only ends multiline", B("250-a\r\n250\r\n"), 250, 0, 0, 0,
	    SMTP_REPLY_F_CODE_ONLY, 2, B("a"), "", 0 },
	{ "code CR bad separator", B("250\r\r\n"), 250, 0, 0, 0,
	    SMTP_REPLY_F_BAD_SEP | SMTP_REPLY_F_BARE_CR, 1, B(""), NONE, 0 },
	{ "pipelined rest stays", B("250 a\r\n221 b"), 250, 0, 0, 0, 0, 1,
	    B("a"), NONE, 5 },
};

/* test_smtp_reply_cases - each table case, fed whole. */
static void
test_smtp_reply_cases(void)
{
	struct smtp_reply r;
	size_t i, pending;
	const char *name;
	bool got;

	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		name = reply_cases[i].name;
		got = parse_one(reply_cases[i].in, reply_cases[i].len, &r,
		    &pending);
		CHECK(got, name, "no reply");
		if (!got)
			continue;
		CHECK(r.code == reply_cases[i].code, name, "code %d, want %d",
		    r.code, reply_cases[i].code);
		CHECK(r.enh_class == reply_cases[i].ec &&
		    r.enh_subject == reply_cases[i].es &&
		    r.enh_detail == reply_cases[i].ed, name,
		    "enh %d.%d.%d, want %d.%d.%d", r.enh_class, r.enh_subject,
		    r.enh_detail, reply_cases[i].ec, reply_cases[i].es,
		    reply_cases[i].ed);
		CHECK(smtp_reply_has_enh(&r) == (reply_cases[i].ec != 0), name,
		    "has_enh wrong");
		CHECK(r.flags == reply_cases[i].flags, name,
		    "flags %#x, want %#x", r.flags, reply_cases[i].flags);
		CHECK(r.nlines == reply_cases[i].nlines, name,
		    "%zu lines, want %zu", r.nlines, reply_cases[i].nlines);
		CHECK(pending == reply_cases[i].pending, name,
		    "%zu bytes pending, want %zu", pending,
		    reply_cases[i].pending);
		CHECK(r.rawlen == reply_cases[i].len - reply_cases[i].pending &&
		    memcmp(r.raw, reply_cases[i].in, r.rawlen) == 0, name,
		    "raw is not the reply's bytes");
		if (r.nlines > 0) {
			CHECK(r.lines[0].len == reply_cases[i].firstlen &&
			    memcmp(r.lines[0].text, reply_cases[i].first,
			    reply_cases[i].firstlen) == 0 &&
			    r.lines[0].text[r.lines[0].len] == '\0', name,
			    "first line text \"%s\"", r.lines[0].text);
			CHECK(r.lines[r.nlines - 1].last, name,
			    "final line not marked last");
		}
		if (r.nlines > 1)
			CHECK(!r.lines[0].last, name, "first line marked last");
		if (strcmp(reply_cases[i].last, NONE) != 0 && r.nlines > 0)
			CHECK(strcmp(r.lines[r.nlines - 1].text,
			    reply_cases[i].last) == 0, name,
			    "last line text \"%s\", want \"%s\"",
			    r.lines[r.nlines - 1].text, reply_cases[i].last);
		smtp_reply_clear(&r);
	}
}

/* test_smtp_reply_need_more - no reply until the final line's LF. */
static void
test_smtp_reply_need_more(void)
{
	static const char *steps[] = { "250-a\r\n", "250 b", "\r" };
	struct smtp_rparser *rp;
	struct smtp_reply r;
	size_t i;

	rp = smtp_rparser_new();
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		CU_ASSERT_FATAL(smtp_rparser_feed(rp, steps[i],
		    strlen(steps[i])) == 0);
		CU_ASSERT(smtp_rparser_next(rp, &r) == SMTP_RPARSE_NEED_MORE);
		CU_ASSERT(r.nlines == 0 && r.raw == NULL);
	}
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, "\n", 1) == 0);
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.code == 250 && r.nlines == 2 && r.flags == 0);
	CU_ASSERT(smtp_rparser_next(rp, &(struct smtp_reply){0}) ==
	    SMTP_RPARSE_NEED_MORE);
	smtp_reply_clear(&r);
	smtp_rparser_free(rp);
}

/* test_smtp_reply_pipelined - two replies and a partial in one feed. */
static void
test_smtp_reply_pipelined(void)
{
	static const char in[] = "250 2.1.0 a\r\n550-5.1.1 b\r\n550 5.1.1 c"
	    "\r\n354 go\r\n221-bye";
	struct smtp_rparser *rp;
	struct smtp_reply r;
	const char *p;
	size_t plen;

	rp = smtp_rparser_new();
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, in, sizeof(in) - 1) == 0);
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.code == 250 && r.enh_class == 2 && r.enh_subject == 1);
	CU_ASSERT(r.rawlen == 13);
	smtp_reply_clear(&r);
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.code == 550 && r.nlines == 2 && r.enh_class == 5);
	CU_ASSERT(strcmp(r.lines[1].text, "5.1.1 c") == 0);
	smtp_reply_clear(&r);
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.code == 354 && r.nlines == 1 && r.flags == 0);
	smtp_reply_clear(&r);
	CU_ASSERT(smtp_rparser_next(rp, &r) == SMTP_RPARSE_NEED_MORE);
	p = smtp_rparser_pending(rp, &plen);
	CU_ASSERT(plen == 7 && memcmp(p, "221-bye", 7) == 0);
	smtp_rparser_free(rp);
}

/* split_corpus - many replies, good and bad, and a partial tail. */
static char *
split_corpus(size_t *len, bool huge)
{
	static const char base[] =
	    "220 mx.example ESMTP\r\n"
	    "250-mx.example\r\n250-SIZE 1000\r\n250 PIPELINING\n"
	    "250 2.1.0 ok\r\n"
	    "hello\r\n"
	    "250 a\r250-b\r\n"
	    "250\r\n"
	    "250\r\r\n"
	    "451 x\0y\xff\001\r\n"
	    "250-a\r\n251 b\r\n"
	    "250_c\r\n"
	    "\r\n"
	    "\n"
	    "550-5.7.1 a\r\n550";
	char *s;
	size_t n;

	n = sizeof(base) - 1;
	s = xmalloc(n + SC_REPLY_LINE_HARD_MAX + 32);
	memcpy(s, base, n);
	if (huge) {
		/* finish the 550, then a line over the hard limit */
		memcpy(s + n, " 5.7.1 b\r\n250-", 14);
		n += 14;
		memset(s + n, 'h', SC_REPLY_LINE_HARD_MAX);
		n += SC_REPLY_LINE_HARD_MAX;
		memcpy(s + n, "\r\n250 z", 7);
		n += 7;
	}
	*len = n;
	return s;
}

/* split_check - every split of the corpus gives the whole-feed result. */
static void
split_check(bool huge)
{
	char *in, *want, *got;
	size_t len, cut, bad;

	in = split_corpus(&len, huge);
	want = parse_whole(in, len);
	/* The corpus must produce replies and leave a partial one. */
	CU_ASSERT(strstr(want, "code=220") != NULL);
	CU_ASSERT(strstr(want, "pending=") != NULL);
	CU_ASSERT(strstr(want, "pending=\n") == NULL);
	if (huge)
		CU_ASSERT(strstr(want, "flags=0x1020") != NULL);
	got = parse_bytewise(in, len);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "  [byte at a time]\n  got:\n%s\n  want:\n%s\n",
		    got, want);
	free(got);
	bad = 0;
	for (cut = 0; cut <= len; cut++) {
		got = parse_split(in, len, &cut, 1);
		if (strcmp(got, want) != 0) {
			if (bad++ == 0)
				fprintf(stderr, "  [split at %zu] got:\n%s\n",
				    cut, got);
		}
		free(got);
	}
	CU_ASSERT(bad == 0);
	free(want);
	free(in);
}

/* test_smtp_reply_split_every_offset - incl. a byte at a time. */
static void
test_smtp_reply_split_every_offset(void)
{
	split_check(false);
}

/* test_smtp_reply_split_huge - the hard line cut is split-invariant. */
static void
test_smtp_reply_split_huge(void)
{
	split_check(true);
}

/* test_smtp_reply_long_line - SMTP_REPLY_LINE_MAX, CRLF included. */
static void
test_smtp_reply_long_line(void)
{
	static const struct {
		const char	*name;
		size_t		 total;		/* line octets with CRLF */
		unsigned	 flags;
	} cases[] = {
		{ "at limit", SMTP_REPLY_LINE_MAX, 0 },
		{ "one over", SMTP_REPLY_LINE_MAX + 1, SMTP_REPLY_F_LONG_LINE },
		{ "under hard limit", SC_REPLY_LINE_HARD_MAX,
		    SMTP_REPLY_F_LONG_LINE },
	};
	struct smtp_reply r;
	size_t i, pending;
	char *in;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in = xmalloc(cases[i].total);
		memcpy(in, "250 ", 4);
		memset(in + 4, 'x', cases[i].total - 6);
		memcpy(in + cases[i].total - 2, "\r\n", 2);
		CU_ASSERT_FATAL(parse_one(in, cases[i].total, &r, &pending));
		CHECK(r.flags == cases[i].flags, cases[i].name,
		    "flags %#x, want %#x", r.flags, cases[i].flags);
		CHECK(r.lines[0].len == cases[i].total - 6, cases[i].name,
		    "text len %zu", r.lines[0].len);
		smtp_reply_clear(&r);
		free(in);
	}
}

/* test_smtp_reply_huge_line - no LF in SC_REPLY_LINE_HARD_MAX octets. */
static void
test_smtp_reply_huge_line(void)
{
	struct smtp_rparser *rp;
	struct smtp_reply r;
	size_t max, plen;
	char *in;

	max = SC_REPLY_LINE_HARD_MAX;
	in = xmalloc(max + 16);
	rp = smtp_rparser_new();

	/* One octet short of the limit: still waiting. */
	memcpy(in, "250 ", 4);
	memset(in + 4, 'x', max - 5);
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, in, max - 1) == 0);
	CU_ASSERT(smtp_rparser_next(rp, &r) == SMTP_RPARSE_NEED_MORE);
	/* LF as the limit-th octet: a (long) line, not a huge one. */
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, "\n", 1) == 0);
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.flags == (SMTP_REPLY_F_LONG_LINE | SMTP_REPLY_F_BARE_LF));
	CU_ASSERT(r.code == 250 && r.rawlen == max);
	smtp_reply_clear(&r);

	/* The limit reached without LF: a malformed reply of max octets. */
	memset(in + 4, 'x', max - 4);
	memcpy(in + max, "\r\n", 2);
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, in, max + 2) == 0);
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.flags ==
	    (SMTP_REPLY_F_HUGE_LINE | SMTP_REPLY_F_LONG_LINE));
	CU_ASSERT(r.code == 250 && r.nlines == 1 && r.lines[0].last);
	CU_ASSERT(r.rawlen == max && r.lines[0].len == max - 4);
	smtp_reply_clear(&r);
	/* The rest of that line is the next (bad) reply. */
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.code == -1 && r.flags == SMTP_REPLY_F_BAD_CODE);
	CU_ASSERT(r.rawlen == 2);
	smtp_reply_clear(&r);

	/* Garbage with no LF at all, after a continuation line. */
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, "250-a\r\n", 7) == 0);
	memset(in, 'g', max + 3);
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, in, max + 3) == 0);
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.code == 250 && r.nlines == 2);
	CU_ASSERT(r.flags == (SMTP_REPLY_F_HUGE_LINE | SMTP_REPLY_F_LONG_LINE |
	    SMTP_REPLY_F_BAD_CODE));
	CU_ASSERT(r.rawlen == 7 + max);
	smtp_reply_clear(&r);
	CU_ASSERT(smtp_rparser_next(rp, &r) == SMTP_RPARSE_NEED_MORE);
	smtp_rparser_pending(rp, &plen);
	CU_ASSERT(plen == 3);
	smtp_rparser_free(rp);
	free(in);
}

/* many_lines - a reply of n lines "250-lI", the last "250 end". */
static char *
many_lines(size_t n, size_t *len)
{
	char *s, *t;
	size_t i;

	s = xstrdup("");
	for (i = 0; i + 1 < n; i++) {
		t = xasprintf("%s250-l%zu\r\n", s, i);
		free(s);
		s = t;
	}
	t = xasprintf("%s250 end\r\n", s);
	free(s);
	*len = strlen(t);
	return t;
}

/* test_smtp_reply_too_many_lines - SC_REPLY_LINES_MAX and one over. */
static void
test_smtp_reply_too_many_lines(void)
{
	struct smtp_reply r;
	size_t len, pending;
	char *in;

	in = many_lines(SC_REPLY_LINES_MAX, &len);
	CU_ASSERT_FATAL(parse_one(in, len, &r, &pending));
	CU_ASSERT(r.flags == 0 && r.nlines == SC_REPLY_LINES_MAX);
	CU_ASSERT(strcmp(r.lines[r.nlines - 2].text, "l126") == 0);
	CU_ASSERT(strcmp(r.lines[r.nlines - 1].text, "end") == 0);
	smtp_reply_clear(&r);
	free(in);

	in = many_lines(SC_REPLY_LINES_MAX + 5, &len);
	CU_ASSERT_FATAL(parse_one(in, len, &r, &pending));
	CU_ASSERT(r.flags == SMTP_REPLY_F_TOO_MANY);
	CU_ASSERT(r.nlines == SC_REPLY_LINES_MAX && pending == 0);
	CU_ASSERT(r.rawlen == len);
	/* the first lines and the final one are kept */
	CU_ASSERT(strcmp(r.lines[SC_REPLY_LINES_MAX - 2].text, "l126") == 0);
	CU_ASSERT(strcmp(r.lines[SC_REPLY_LINES_MAX - 1].text, "end") == 0);
	CU_ASSERT(r.lines[SC_REPLY_LINES_MAX - 1].last);
	CU_ASSERT(!r.lines[SC_REPLY_LINES_MAX - 2].last);
	smtp_reply_clear(&r);
	free(in);
}

/* test_smtp_reply_truncated - total text capped at SC_REPLY_TEXT_MAX. */
static void
test_smtp_reply_truncated(void)
{
	struct smtp_reply r;
	size_t linelen, n, i, len, pending, kept;
	char *in;

	linelen = 4000;		/* "250-" + text + CRLF, under the hard max */
	n = SC_REPLY_TEXT_MAX / (linelen - 6) + 2;
	len = n * linelen;
	in = xmalloc(len);
	for (i = 0; i < n; i++) {
		memcpy(in + i * linelen, i + 1 < n ? "250-" : "250 ", 4);
		memset(in + i * linelen + 4, 'a' + (int)i, linelen - 6);
		memcpy(in + (i + 1) * linelen - 2, "\r\n", 2);
	}
	CU_ASSERT_FATAL(parse_one(in, len, &r, &pending));
	CU_ASSERT(r.flags == (SMTP_REPLY_F_TRUNCATED | SMTP_REPLY_F_LONG_LINE));
	CU_ASSERT(r.nlines == n && r.rawlen == len && pending == 0);
	kept = 0;
	for (i = 0; i < r.nlines; i++)
		kept += r.lines[i].len;
	CU_ASSERT(kept == SC_REPLY_TEXT_MAX);
	CU_ASSERT(r.lines[0].len == linelen - 6);
	CU_ASSERT(r.lines[n - 1].len == 0 && r.lines[n - 1].last);
	smtp_reply_clear(&r);
	free(in);
}

/* test_smtp_reply_buffer_limit - SC_RECV_BUF_MAX, then one byte over. */
static void
test_smtp_reply_buffer_limit(void)
{
	struct smtp_rparser *rp;
	struct smtp_reply r;
	size_t i, plen;
	char *in;
	const char *p;

	/* 64-octet continuation lines: no reply ever completes. */
	in = xmalloc(SC_RECV_BUF_MAX + 1);
	for (i = 0; i < SC_RECV_BUF_MAX; i += 64) {
		memcpy(in + i, "250-", 4);
		memset(in + i + 4, 'k', 58);
		memcpy(in + i + 62, "\r\n", 2);
	}
	in[SC_RECV_BUF_MAX] = '2';

	rp = smtp_rparser_new();
	CU_ASSERT(smtp_rparser_feed(rp, in, SC_RECV_BUF_MAX + 1) == -1);
	smtp_rparser_pending(rp, &plen);
	CU_ASSERT(plen == 0);
	CU_ASSERT(smtp_rparser_feed(rp, in, SC_RECV_BUF_MAX - 1) == 0);
	CU_ASSERT(smtp_rparser_next(rp, &r) == SMTP_RPARSE_NEED_MORE);
	CU_ASSERT(smtp_rparser_feed(rp, in + SC_RECV_BUF_MAX - 1, 1) == 0);
	CU_ASSERT(smtp_rparser_next(rp, &r) == SMTP_RPARSE_NEED_MORE);
	CU_ASSERT(smtp_rparser_feed(rp, "2", 1) == -1);
	p = smtp_rparser_pending(rp, &plen);
	CU_ASSERT(plen == SC_RECV_BUF_MAX);
	CU_ASSERT(memcmp(p, in, SC_RECV_BUF_MAX) == 0);
	CU_ASSERT(smtp_rparser_feed(rp, "", 0) == 0);

	/* Consumed replies free their room. */
	smtp_rparser_reset(rp);
	in[SC_RECV_BUF_MAX - 61] = ' ';
	CU_ASSERT(smtp_rparser_feed(rp, in, SC_RECV_BUF_MAX) == 0);
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.rawlen == SC_RECV_BUF_MAX);
	CU_ASSERT(r.flags == SMTP_REPLY_F_TOO_MANY);
	smtp_reply_clear(&r);
	CU_ASSERT(smtp_rparser_feed(rp, in, SC_RECV_BUF_MAX) == 0);
	smtp_rparser_free(rp);
	free(in);
}

/* test_smtp_reply_reset - reset drops a partial reply. */
static void
test_smtp_reply_reset(void)
{
	struct smtp_rparser *rp;
	struct smtp_reply r;
	size_t plen;

	rp = smtp_rparser_new();
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, B("250-a\r\n250 b")) == 0);
	CU_ASSERT(smtp_rparser_next(rp, &r) == SMTP_RPARSE_NEED_MORE);
	smtp_rparser_reset(rp);
	smtp_rparser_pending(rp, &plen);
	CU_ASSERT(plen == 0);
	CU_ASSERT_FATAL(smtp_rparser_feed(rp, B("220 tls\r\n")) == 0);
	CU_ASSERT_FATAL(smtp_rparser_next(rp, &r) == SMTP_RPARSE_REPLY);
	CU_ASSERT(r.code == 220 && r.nlines == 1 && r.rawlen == 9);
	smtp_reply_clear(&r);
	smtp_rparser_free(rp);
	smtp_rparser_free(NULL);
}

/* test_smtp_reply_clear - zeroes the struct; safe twice and on NULL. */
static void
test_smtp_reply_clear(void)
{
	struct smtp_reply r, zero;
	size_t pending;

	memset(&zero, 0, sizeof(zero));
	CU_ASSERT_FATAL(parse_one(B("250-2.0.0 a\r\n250 2.0.0 b\r\n"), &r,
	    &pending));
	CU_ASSERT(r.nlines == 2 && r.enh_class == 2);
	smtp_reply_clear(&r);
	CU_ASSERT(memcmp(&r, &zero, sizeof(r)) == 0);
	smtp_reply_clear(&r);
	CU_ASSERT(r.lines == NULL && r.raw == NULL);
	smtp_reply_clear(NULL);
}

/* test_smtp_reply_flags_str - names, order, "none", cut to size. */
static void
test_smtp_reply_flags_str(void)
{
	static const struct {
		const char	*name;
		unsigned	 flags;
		size_t		 size;
		const char	*want;
	} cases[] = {
		{ "none", 0, 64, "none" },
		{ "one", SMTP_REPLY_F_BARE_LF, 64, "bare LF" },
		{ "two", SMTP_REPLY_F_BARE_LF | SMTP_REPLY_F_MIXED_CODE, 64,
		    "mixed codes, bare LF" },
		{ "huge", SMTP_REPLY_F_HUGE_LINE | SMTP_REPLY_F_LONG_LINE, 64,
		    "long line, huge line" },
		{ "unknown bit", SMTP_REPLY_F_NUL | 0x8000, 64,
		    "NUL, unknown 0x8000" },
		{ "cut", SMTP_REPLY_F_BAD_CODE | SMTP_REPLY_F_BARE_CR, 12,
		    "bad code, b" },
		{ "size 1", SMTP_REPLY_F_BAD_CODE, 1, "" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		smtp_reply_flags_str(cases[i].flags, buf, cases[i].size);
		CHECK(strcmp(buf, cases[i].want) == 0, cases[i].name,
		    "got \"%s\", want \"%s\"", buf, cases[i].want);
	}
	buf[0] = 'Z';
	smtp_reply_flags_str(SMTP_REPLY_F_NUL, buf, 0);
	CU_ASSERT(buf[0] == 'Z');
}

/* test_smtp_reply_ehlo_find - keywords of lines 2..n, case-insensitive. */
static void
test_smtp_reply_ehlo_find(void)
{
	static const struct {
		const char	*kw;
		const char	*line;		/* NULL: not found */
		const char	*params;
	} cases[] = {
		{ "SIZE", "SIZE 35882577", "35882577" },
		{ "size", "SIZE 35882577", "35882577" },
		{ "PIPELINING", "PIPELINING", "" },
		{ "auth", "AUTH PLAIN LOGIN", "PLAIN LOGIN" },
		{ "STARTTLS", "starttls", "" },
		{ "SIZ", NULL, NULL },
		{ "8BITMIMEX", NULL, NULL },
		{ "mx.example", NULL, NULL },	/* the greeting line */
		{ "AUTH=LOGIN", NULL, NULL },
		{ "", NULL, NULL },
	};
	struct smtp_reply r;
	const char *line, *params;
	size_t i, pending;

	CU_ASSERT_FATAL(parse_one(B("250-mx.example greets you\r\n"
	    "250-PIPELINING\r\n250-SIZE 35882577\r\n250-AUTH PLAIN LOGIN\r\n"
	    "250-8BITMIME\r\n250 starttls\r\n"), &r, &pending));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		params = "unset";
		line = smtp_ehlo_find(&r, cases[i].kw, &params);
		if (cases[i].line == NULL) {
			CHECK(line == NULL && params == NULL, cases[i].kw,
			    "found \"%s\"", line != NULL ? line : "");
			continue;
		}
		CHECK(line != NULL && strcmp(line, cases[i].line) == 0,
		    cases[i].kw, "line \"%s\"", line != NULL ? line : "(null)");
		CHECK(params != NULL && strcmp(params, cases[i].params) == 0,
		    cases[i].kw, "params \"%s\"",
		    params != NULL ? params : "(null)");
	}
	CU_ASSERT(smtp_ehlo_find(&r, "SIZE", NULL) != NULL);
	smtp_reply_clear(&r);

	/* Not a 250: no keywords. */
	CU_ASSERT_FATAL(parse_one(B("550-mx.example\r\n550 SIZE 10\r\n"), &r,
	    &pending));
	CU_ASSERT(smtp_ehlo_find(&r, "SIZE", NULL) == NULL);
	smtp_reply_clear(&r);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_smtp_reply_cases),
	CU_T(test_smtp_reply_need_more),
	CU_T(test_smtp_reply_pipelined),
	CU_T(test_smtp_reply_split_every_offset),
	CU_T(test_smtp_reply_split_huge),
	CU_T(test_smtp_reply_long_line),
	CU_T(test_smtp_reply_huge_line),
	CU_T(test_smtp_reply_too_many_lines),
	CU_T(test_smtp_reply_truncated),
	CU_T(test_smtp_reply_buffer_limit),
	CU_T(test_smtp_reply_reset),
	CU_T(test_smtp_reply_clear),
	CU_T(test_smtp_reply_flags_str),
	CU_T(test_smtp_reply_ehlo_find),
	{ 0 },
};

#define CU_SUITE_NAME "smtp_reply"
#include "cu_main.h"
