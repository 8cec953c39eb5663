/* SPDX-License-Identifier: ISC */
/*
 * test_fuzz.c - the parts of `smtpcheck fuzz` that need no server: the
 * reproducer's escaping round-trips through the scenario language, cases
 * depend on (seed, index) alone, and every generated case keeps the
 * promises the driver relies on (message text right after DATA, one reply
 * per command line of a write).
 */
#include <string.h>

#include "cu_main.h"
#include "fuzz.h"
#include "sc_util.h"
#include "scn_vars.h"

#define CASES	3000

/* Escaped with fuzz_esc_raw, expanded as send-raw expands: the same
 * octets, for runs, NUL, 8-bit, quotes and would-be ${...}. */
static void
test_esc_roundtrip(void)
{
	static const char *const fixed[] = {
		"plain", "${helo}", "a{b}c$", "\"quoted\\\"", "tab\there",
		"#comment", "}}}}}}}}}}}}}}}}}}}}", "$$$$$$$$$$$$$$$$$$$$$$$$",
	};
	struct scn_vars *v = scn_vars_new();
	struct sc_err err = { 0 };
	uint64_t r = 42;
	size_t i, k, len, n;
	char buf[600], *e, *back;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 500; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0])) {
			n = strlen(fixed[i]);
			memcpy(buf, fixed[i], n);
		} else {
			r = fuzz_mix(r);
			n = (size_t)(r % sizeof(buf));
			for (k = 0; k < n; k++) {
				r = fuzz_mix(r);
				/* runs one time in four */
				buf[k] = (k > 0 && r % 4 == 0) ? buf[k - 1] :
				    (char)(r >> 8);
			}
		}
		e = fuzz_esc_raw(buf, n);
		back = scn_expand(e, true, v, &len, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(back);
		CU_ASSERT_EQUAL(len, n);
		CU_ASSERT(len == n && memcmp(back, buf, n) == 0);
		/* nothing a scenario line cannot hold */
		CU_ASSERT_PTR_NULL(strchr(e, '\n'));
		free(back);
		free(e);
	}
	scn_vars_free(v);
}

static struct fuzz_corpus *
corpus(struct scn_vars **v)
{
	static const char *paths[] = { "scenarios/core", "scenarios/ext" };
	struct fuzz_corpus *co;
	size_t n = 0;

	*v = scn_vars_new();
	co = fuzz_corpus_load(paths, 2, *v, &n);
	CU_ASSERT_PTR_NOT_NULL(co);
	CU_ASSERT(n > 100);
	return co;
}

static bool
same_case(const struct fuzz_case *a, const struct fuzz_case *b)
{
	size_t i;

	if (a->n != b->n || strcmp(a->ops, b->ops) != 0)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->u[i].len != b->u[i].len ||
		    memcmp(a->u[i].bytes, b->u[i].bytes, a->u[i].len) != 0 ||
		    a->u[i].expect != b->u[i].expect ||
		    a->u[i].flags != b->u[i].flags ||
		    a->u[i].nreplies != b->u[i].nreplies ||
		    a->u[i].split != b->u[i].split)
			return false;
	return true;
}

/* The same (seed, index) gives the same case; other indexes differ. */
static void
test_deterministic(void)
{
	struct scn_vars *v;
	struct fuzz_corpus *co = corpus(&v);
	struct fuzz_case a, b;
	size_t i, differ = 0;

	if (co == NULL)
		return;
	for (i = 0; i < 50; i++) {
		fuzz_case_gen(&a, co, v, 99, i, false);
		fuzz_case_gen(&b, co, v, 99, i, false);
		CU_ASSERT(same_case(&a, &b));
		fuzz_case_clear(&b);
		fuzz_case_gen(&b, co, v, 99, i + 1, false);
		if (!same_case(&a, &b))
			differ++;
		fuzz_case_clear(&a);
		fuzz_case_clear(&b);
	}
	CU_ASSERT(differ >= 45);
	fuzz_corpus_free(co);
	scn_vars_free(v);
}

/* crlf_lines - "\r\n" count; *bare when a CR or LF stands alone. */
static int
crlf_lines(const struct fuzz_unit *u, bool *bare)
{
	size_t i;
	int n = 0;

	*bare = false;
	for (i = 0; i < u->len; i++) {
		if (u->bytes[i] == '\r' && i + 1 < u->len &&
		    u->bytes[i + 1] == '\n') {
			n++;
			i++;
		} else if (u->bytes[i] == '\r' || u->bytes[i] == '\n') {
			*bare = true;
		}
	}
	return n;
}

/* What the driver relies on holds for every case generated. */
static void
test_case_promises(void)
{
	struct scn_vars *v;
	struct fuzz_corpus *co = corpus(&v);
	struct fuzz_case c;
	const struct fuzz_unit *u;
	size_t i, k, ops_seen = 0, refused = 0, smuggle = 0;
	bool bare;
	int lines;

	if (co == NULL)
		return;
	for (i = 0; i < CASES; i++) {
		fuzz_case_gen(&c, co, v, 7, i, i % 5 == 0);
		CU_ASSERT(c.n > 0 && c.n <= FUZZ_UNITS_MAX);
		if (strcmp(c.ops, "none") != 0)
			ops_seen++;
		for (k = 0; k < c.n; k++) {
			u = &c.u[k];
			CU_ASSERT(u->len > 0 && u->len <= FUZZ_UNIT_BYTES_MAX);
			CU_ASSERT(u->split < u->len);
			if (u->flags & FU_CONTENT) {
				/* text only right after the DATA it is for */
				CU_ASSERT(k > 0 && (c.u[k - 1].flags & FU_DATA));
			}
			if (u->expect == FE_NONE) {
				CU_ASSERT(u->flags & FU_CLOSE);
				CU_ASSERT(k == c.n - 1);
			}
			if (u->expect == FE_SMUGGLE) {
				smuggle++;
				CU_ASSERT(u->flags & FU_CONTENT);
				CU_ASSERT(u->len >= 5 && memcmp(u->bytes + u->len -
				    5, "\r\n.\r\n", 5) == 0);
			}
			if (u->expect == FE_REFUSED) {
				refused++;
				lines = crlf_lines(u, &bare);
				CU_ASSERT(lines == 1);
				CU_ASSERT(u->len >= 2 && memcmp(u->bytes +
				    u->len - 2, "\r\n", 2) == 0);
			}
			if (u->expect == FE_REPLIES &&
			    !(u->flags & (FU_CONTENT | FU_NEED_CHUNKING))) {
				lines = crlf_lines(u, &bare);
				/* one reply per line; a line with a bare CR
				 * or LF is one line with one reply */
				CU_ASSERT(lines == u->nreplies);
				if (lines != u->nreplies)
					fprintf(stderr, "case %zu unit %zu "
					    "(%s): %d lines, %d replies\n", i, k,
					    c.ops, lines, u->nreplies);
			}
		}
		fuzz_case_clear(&c);
	}
	/* the operators do run */
	CU_ASSERT(ops_seen > CASES * 9 / 10);
	CU_ASSERT(refused > CASES / 10);
	CU_ASSERT(smuggle > CASES / 50);
	fuzz_corpus_free(co);
	scn_vars_free(v);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_esc_roundtrip),
	CU_T(test_deterministic),
	CU_T(test_case_promises),
	{ NULL, NULL },
};
#define CU_SUITE_NAME "fuzz"
#include "cu_main.h"
