/* SPDX-License-Identifier: ISC */
/*
 * test_smtp_dot.c - DATA transparency: stuffing, the incremental unstuffing
 * decoder, SMTP smuggling variants that must not end data, split
 * invariance, line length, and stuff -> unstuff round trips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_esc.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "smtp_dot.h"

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

/* What one decoding run produced. */
struct run {
	char		*out;
	size_t		 outlen;
	size_t		 consumed;
	unsigned	 flags;
	bool		 done;
};

/*
 * unstuff_split - decode in as chunks ending at each offset in cuts (and
 * at len). Each chunk gets an output buffer of exactly its length + 1, as
 * the header promises is enough, so ASan catches any overrun.
 */
static void
unstuff_split(const char *in, size_t len, const size_t *cuts, size_t ncuts,
    struct run *r)
{
	struct smtp_unstuff u;
	size_t i, from, to, n, got;
	char *chunk;

	smtp_unstuff_init(&u);
	r->out = xmalloc(len + 1);
	r->outlen = 0;
	r->consumed = 0;
	from = 0;
	for (i = 0; i <= ncuts; i++) {
		to = i < ncuts ? cuts[i] : len;
		chunk = xmalloc(to - from + 1);
		got = 99;
		n = smtp_unstuff_feed(&u, in + from, to - from, chunk, &got);
		CU_ASSERT(n <= to - from);
		CU_ASSERT(got <= to - from + 1);
		/* Total output never exceeds total input. */
		CU_ASSERT_FATAL(r->outlen + got <= len);
		memcpy(r->out + r->outlen, chunk, got);
		r->outlen += got;
		r->consumed += n;
		if (n < to - from)
			CU_ASSERT(u.done);
		free(chunk);
		from = to;
	}
	r->out[r->outlen] = '\0';
	r->flags = u.flags;
	r->done = u.done;
}

/* unstuff_whole - one chunk. */
static void
unstuff_whole(const char *in, size_t len, struct run *r)
{
	unstuff_split(in, len, NULL, 0, r);
}

/* run_eq - same output, consumption, flags and end. */
static bool
run_eq(const struct run *a, const struct run *b)
{
	return a->outlen == b->outlen &&
	    memcmp(a->out, b->out, a->outlen) == 0 &&
	    a->consumed == b->consumed && a->flags == b->flags &&
	    a->done == b->done;
}

/* test_smtp_dot_stuff - dots doubled at line starts, terminator added. */
static void
test_smtp_dot_stuff(void)
{
	static const struct {
		const char	*name;
		const char	*in;
		size_t		 len;
		const char	*want;
	} cases[] = {
		{ "empty body", B(""), ".\r\n" },
		{ "one line", B("hello\r\n"), "hello\r\n.\r\n" },
		{ "no final CRLF", B("hello"), "hello\r\n.\r\n" },
		{ "dot line", B(".\r\n"), "..\r\n.\r\n" },
		{ "dot only, no CRLF", B("."), "..\r\n.\r\n" },
		{ "dots at line starts", B("a\r\n.b\r\n..c\r\n"),
		    "a\r\n..b\r\n...c\r\n.\r\n" },
		{ "dot mid line kept", B("a.b\r\nc .\r\n"),
		    "a.b\r\nc .\r\n.\r\n" },
		{ "after bare LF stuffed", B("a\n.b\r\n"), "a\n..b\r\n.\r\n" },
		{ "after bare CR not", B("a\r.b\r\n"), "a\r.b\r\n.\r\n" },
		{ "ends in bare LF", B("a\n"), "a\n\r\n.\r\n" },
		{ "ends in bare CR", B("a\r"), "a\r\r\n.\r\n" },
		{ "only CRLF", B("\r\n"), "\r\n.\r\n" },
		{ "NUL kept", B("a\0b\r\n"), "a\0b\r\n.\r\n" },
	};
	size_t i, wantlen, len;
	char *got, *e;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* want may hold a NUL: its length is in + added octets */
		wantlen = strlen(cases[i].want);
		if (memchr(cases[i].in, '\0', cases[i].len) != NULL)
			wantlen = cases[i].len + 3;
		len = 99;
		got = smtp_dot_stuff(cases[i].in, cases[i].len, &len);
		e = sc_esc(got, len, 0);
		CHECK(len == wantlen && memcmp(got, cases[i].want, len) == 0 &&
		    got[len] == '\0', cases[i].name, "got \"%s\"", e);
		free(e);
		free(got);
	}
}

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*out;
	size_t		 outlen;
	size_t		 consumed;
	bool		 done;
	unsigned	 flags;
} unstuff_cases[] = {
	{ "terminator at very start", B(".\r\n"), B(""), 3, true, 0 },
	{ "terminator at start, rest", B(".\r\nQUIT\r\n"), B(""), 3, true,
	    0 },
	{ "one line", B("hello\r\n.\r\n"), B("hello\r\n"), 10, true, 0 },
	{ "empty lines", B("\r\n\r\n.\r\n"), B("\r\n\r\n"), 7, true, 0 },
	{ "stuffed line", B("..x\r\n.\r\n"), B(".x\r\n"), 8, true, 0 },
	{ "stuffed dot line", B("..\r\n.\r\n"), B(".\r\n"), 7, true, 0 },
	{ "only one dot removed", B("a\r\n...\r\n.\r\n"), B("a\r\n..\r\n"),
	    11, true, 0 },
	{ "dot mid line", B("a.\r\n.\r\n"), B("a.\r\n"), 7, true, 0 },
	{ "trailing bytes stay", B("a\r\n.\r\nQUIT\r\n"), B("a\r\n"), 6,
	    true, 0 },
	{ "two terminators", B("a\r\n.\r\n.\r\n"), B("a\r\n"), 6, true, 0 },
	{ "no terminator yet", B("a\r\nb"), B("a\r\nb"), 4, false, 0 },
	{ "empty input", B(""), B(""), 0, false, 0 },
	/* SMTP smuggling: none of these is the end of data. */
	{ "smuggle LF.LF", B("a\n.\nb\r\n.\r\n"), B("a\n.\nb\r\n"), 10,
	    true, SMTP_UNSTUFF_F_BARE_LF },
	{ "smuggle CR.CR", B("a\r.\rb\r\n.\r\n"), B("a\r.\rb\r\n"), 10,
	    true, SMTP_UNSTUFF_F_BARE_CR },
	{ "smuggle LF.CRLF", B("a\n.\r\nb\r\n.\r\n"), B("a\n.\r\nb\r\n"), 11,
	    true, SMTP_UNSTUFF_F_BARE_LF },
	{ "smuggle CRLF.LF", B("a\r\n.\nb\r\n.\r\n"), B("a\r\n\nb\r\n"), 11,
	    true, SMTP_UNSTUFF_F_BARE_LF },
	{ "smuggle CRLF.CR", B("a\r\n.\rb\r\n.\r\n"), B("a\r\n\rb\r\n"), 11,
	    true, SMTP_UNSTUFF_F_BARE_CR },
	{ "smuggle LF.LF alone", B("a\n.\n"), B("a\n.\n"), 4, false,
	    SMTP_UNSTUFF_F_BARE_LF },
	{ "smuggle CR.CR alone", B("a\r.\r"), B("a\r.\r"), 4, false,
	    SMTP_UNSTUFF_F_BARE_CR },
	{ "smuggle LF.CRLF alone", B("a\n.\r\n"), B("a\n.\r\n"), 5, false,
	    SMTP_UNSTUFF_F_BARE_LF },
	{ "smuggle CRLF.LF alone", B("a\r\n.\n"), B("a\r\n\n"), 5, false,
	    SMTP_UNSTUFF_F_BARE_LF },
	{ "smuggle CRLF.CR then x", B("a\r\n.\rx"), B("a\r\n\rx"), 6, false,
	    SMTP_UNSTUFF_F_BARE_CR },
	{ "smuggle CRLF.CR held", B("a\r\n.\r"), B("a\r\n"), 5, false, 0 },
	{ "LF.LF at start", B(".\n"), B("\n"), 2, false,
	    SMTP_UNSTUFF_F_BARE_LF },
	{ "dot CR CR LF at start", B(".\r\r\n.\r\n"), B("\r\r\n"), 7, true,
	    SMTP_UNSTUFF_F_BARE_CR },
	{ "dot space at start", B(". \r\n.\r\n"), B(" \r\n"), 7, true, 0 },
	{ "bare LF then dot line", B("a\n.\r\n.\r\n"), B("a\n.\r\n"), 8,
	    true, SMTP_UNSTUFF_F_BARE_LF },
	{ "NUL", B("a\0b\r\n.\r\n"), B("a\0b\r\n"), 8, true,
	    SMTP_UNSTUFF_F_NUL },
	{ "CR CR LF", B("a\r\r\n.\r\n"), B("a\r\r\n"), 7, true,
	    SMTP_UNSTUFF_F_BARE_CR },
};

/* test_smtp_dot_unstuff - each table case, fed whole. */
static void
test_smtp_dot_unstuff(void)
{
	struct run r;
	size_t i;
	char *e;

	for (i = 0; i < sizeof(unstuff_cases) / sizeof(unstuff_cases[0]);
	    i++) {
		unstuff_whole(unstuff_cases[i].in, unstuff_cases[i].len, &r);
		e = sc_esc(r.out, r.outlen, 0);
		CHECK(r.outlen == unstuff_cases[i].outlen &&
		    memcmp(r.out, unstuff_cases[i].out, r.outlen) == 0,
		    unstuff_cases[i].name, "out \"%s\"", e);
		free(e);
		CHECK(r.consumed == unstuff_cases[i].consumed,
		    unstuff_cases[i].name, "consumed %zu, want %zu",
		    r.consumed, unstuff_cases[i].consumed);
		CHECK(r.done == unstuff_cases[i].done, unstuff_cases[i].name,
		    "done %d", r.done);
		CHECK(r.flags == unstuff_cases[i].flags, unstuff_cases[i].name,
		    "flags %#x, want %#x", r.flags, unstuff_cases[i].flags);
		free(r.out);
	}
}

/* test_smtp_dot_unstuff_split - every case, every offset, byte-wise. */
static void
test_smtp_dot_unstuff_split(void)
{
	struct run whole, r;
	const char *name;
	size_t i, cut, *cuts, len;

	for (i = 0; i < sizeof(unstuff_cases) / sizeof(unstuff_cases[0]);
	    i++) {
		name = unstuff_cases[i].name;
		len = unstuff_cases[i].len;
		unstuff_whole(unstuff_cases[i].in, len, &whole);
		for (cut = 0; cut <= len; cut++) {
			unstuff_split(unstuff_cases[i].in, len, &cut, 1, &r);
			CHECK(run_eq(&r, &whole), name, "split at %zu differs",
			    cut);
			free(r.out);
		}
		cuts = xcalloc(len + 1, sizeof(*cuts));
		for (cut = 0; cut < len; cut++)
			cuts[cut] = cut;
		unstuff_split(unstuff_cases[i].in, len, cuts, len, &r);
		CHECK(run_eq(&r, &whole), name, "byte at a time differs");
		free(r.out);
		free(cuts);
		free(whole.out);
	}
}

/* test_smtp_dot_unstuff_held_cr - the one output octet over the chunk. */
static void
test_smtp_dot_unstuff_held_cr(void)
{
	struct smtp_unstuff u;
	char out[2];
	size_t n, got;

	smtp_unstuff_init(&u);
	CU_ASSERT(u.flags == 0 && !u.done);
	n = smtp_unstuff_feed(&u, ".\r", 2, out, &got);
	CU_ASSERT(n == 2 && got == 0);
	n = smtp_unstuff_feed(&u, "x", 1, out, &got);
	CU_ASSERT(n == 1 && got == 2 && memcmp(out, "\rx", 2) == 0);
	CU_ASSERT(u.flags == SMTP_UNSTUFF_F_BARE_CR && !u.done);
}

/* test_smtp_dot_unstuff_done - nothing is consumed after the end. */
static void
test_smtp_dot_unstuff_done(void)
{
	struct smtp_unstuff u;
	char out[16];
	size_t n, got;

	smtp_unstuff_init(&u);
	n = smtp_unstuff_feed(&u, "a\r\n.\r\nRSET\r\n", 12, out, &got);
	CU_ASSERT(n == 6 && got == 3 && u.done);
	got = 99;
	n = smtp_unstuff_feed(&u, "RSET\r\n", 6, out, &got);
	CU_ASSERT(n == 0 && got == 0 && u.done);
}

/* test_smtp_dot_unstuff_long - SMTP_TEXT_LINE_MAX after unstuffing. */
static void
test_smtp_dot_unstuff_long(void)
{
	static const struct {
		const char	*name;
		const char	*prefix;
		size_t		 fill;		/* 'x' octets after prefix */
		bool		 is_long;
	} cases[] = {
		{ "at limit", "", SMTP_TEXT_LINE_MAX - 2, false },
		{ "one over", "", SMTP_TEXT_LINE_MAX - 1, true },
		{ "stuffing dot not counted", "..", SMTP_TEXT_LINE_MAX - 3,
		    false },
		{ "stuffed, one over", "..", SMTP_TEXT_LINE_MAX - 2, true },
		{ "bare LF does not end a line", "\n",
		    SMTP_TEXT_LINE_MAX - 2, true },
	};
	struct run r;
	size_t i, len, plen, cut;
	char *in;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* "a\r\n" + prefix + fill + "\r\n" + short line + end */
		plen = strlen(cases[i].prefix);
		len = 3 + plen + cases[i].fill + 2 + 5 + 3;
		in = xmalloc(len);
		memcpy(in, "a\r\n", 3);
		memcpy(in + 3, cases[i].prefix, plen);
		memset(in + 3 + plen, 'x', cases[i].fill);
		memcpy(in + len - 10, "\r\nbbb\r\n.\r\n", 10);
		for (cut = 0; cut < 3; cut++) {
			/* whole, and split inside the long line */
			size_t at = 3 + plen + cases[i].fill / 2 + cut;

			unstuff_split(in, len, &at, cut == 0 ? 0 : 1, &r);
			CHECK(r.done && r.consumed == len, cases[i].name,
			    "not ended");
			CHECK(((r.flags & SMTP_UNSTUFF_F_LONG) != 0) ==
			    cases[i].is_long, cases[i].name,
			    "flags %#x", r.flags);
			free(r.out);
		}
		free(in);
	}
}

/* roundtrip - unstuff(stuff(body)) is body (+ CRLF if it lacked one). */
static void
roundtrip(const char *name, const char *body, size_t len)
{
	struct run r, rb;
	size_t slen, wantlen, *cuts, i;
	char *stuffed, *want;
	bool crlf;

	stuffed = smtp_dot_stuff(body, len, &slen);
	crlf = len == 0 || (len >= 2 && body[len - 2] == '\r' &&
	    body[len - 1] == '\n');
	want = xmalloc(len + 2);
	memcpy(want, body, len);
	wantlen = len;
	if (!crlf) {
		memcpy(want + len, "\r\n", 2);
		wantlen += 2;
	}
	unstuff_whole(stuffed, slen, &r);
	CHECK(r.done && r.consumed == slen, name, "terminator not found");
	CHECK(r.outlen == wantlen && memcmp(r.out, want, wantlen) == 0, name,
	    "round trip changed the body");
	CHECK(r.flags == 0, name, "flags %#x", r.flags);
	cuts = xcalloc(slen + 1, sizeof(*cuts));
	for (i = 0; i < slen; i++)
		cuts[i] = i;
	unstuff_split(stuffed, slen, cuts, slen, &rb);
	CHECK(run_eq(&r, &rb), name, "byte at a time differs");
	free(rb.out);
	free(cuts);
	free(r.out);
	free(want);
	free(stuffed);
}

/* test_smtp_dot_roundtrip - fixed CRLF bodies. */
static void
test_smtp_dot_roundtrip(void)
{
	static const struct {
		const char	*name;
		const char	*body;
		size_t		 len;
	} cases[] = {
		{ "empty", B("") },
		{ "one line", B("a\r\n") },
		{ "dot line", B(".\r\n") },
		{ "two dots", B("..\r\n") },
		{ "terminator inside", B("a\r\n.\r\nb\r\n") },
		{ "dots everywhere", B(".a\r\n.\r\n..\r\n. .\r\n") },
		{ "no final CRLF", B("a\r\n.") },
		{ "empty lines", B("\r\n\r\n\r\n") },
		{ "headers and body", B("Subject: x\r\n\r\n.hi\r\n") },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		roundtrip(cases[i].name, cases[i].body, cases[i].len);
}

/* test_smtp_dot_roundtrip_generated - bodies of ".", "a", CRLF. */
static void
test_smtp_dot_roundtrip_generated(void)
{
	static const char *tokens[] = { ".", "a", "\r\n" };
	char body[64], name[32];
	unsigned seed;
	size_t n, len, k, t;
	int w;

	seed = 12345;
	for (n = 0; n < 2000; n++) {
		len = 0;
		k = n % 20;
		while (k-- > 0) {
			seed = seed * 1103515245u + 12345u;
			t = (seed >> 16) % 3;
			memcpy(body + len, tokens[t], strlen(tokens[t]));
			len += strlen(tokens[t]);
		}
		w = snprintf(name, sizeof(name), "generated %zu", n);
		CU_ASSERT_FATAL(w > 0 && (size_t)w < sizeof(name));
		roundtrip(name, body, len);
	}
}

static const struct cu_test cu_tests[] = {
	CU_T(test_smtp_dot_stuff),
	CU_T(test_smtp_dot_unstuff),
	CU_T(test_smtp_dot_unstuff_split),
	CU_T(test_smtp_dot_unstuff_held_cr),
	CU_T(test_smtp_dot_unstuff_done),
	CU_T(test_smtp_dot_unstuff_long),
	CU_T(test_smtp_dot_roundtrip),
	CU_T(test_smtp_dot_roundtrip_generated),
	{ 0 },
};

#define CU_SUITE_NAME "smtp_dot"
#include "cu_main.h"
