/* SPDX-License-Identifier: ISC */
/*
 * test_run_result.c - the result model: verdict names and ranking, the
 * evidence run_result_set keeps, the transcript limits (entry cut, entry
 * count, byte total), the step timeline and the run totals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_result.h"
#include "sc_limits.h"
#include "sc_util.h"

#include "cu_main.h"

static void
test_run_result_verdict_str(void)
{
	static const struct {
		int v;
		const char *want;
	} cases[] = {
		{ RUN_PASS, "PASS" }, { RUN_INFO, "INFO" },
		{ RUN_WARN, "WARN" }, { RUN_FAIL, "FAIL" },
		{ RUN_SKIP, "SKIP" }, { RUN_ERROR, "ERROR" },
		{ 42, "\?\?\?(42)" }, { -1, "\?\?\?(-1)" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_STRING_EQUAL(run_verdict_str(
		    (enum run_verdict)cases[i].v), cases[i].want);
	CU_ASSERT_STRING_EQUAL(tr_dir_str(TR_SENT), "sent");
	CU_ASSERT_STRING_EQUAL(tr_dir_str(TR_RECV), "recv");
	CU_ASSERT_STRING_EQUAL(tr_dir_str(TR_EVENT), "event");
	CU_ASSERT_STRING_EQUAL(tr_dir_str((enum tr_dir)7), "\?\?\?(7)");
}

/* Two verdicts in a row: which one stays, with whose evidence. */
static void
test_run_result_set_rank(void)
{
	static const struct {
		enum run_verdict first, second, want;
	} cases[] = {
		{ RUN_INFO, RUN_WARN, RUN_WARN },
		{ RUN_WARN, RUN_INFO, RUN_WARN },
		{ RUN_WARN, RUN_FAIL, RUN_FAIL },
		{ RUN_FAIL, RUN_WARN, RUN_FAIL },
		{ RUN_INFO, RUN_SKIP, RUN_SKIP },
		{ RUN_WARN, RUN_SKIP, RUN_SKIP },
		{ RUN_SKIP, RUN_WARN, RUN_SKIP },
		{ RUN_FAIL, RUN_SKIP, RUN_FAIL },
		{ RUN_SKIP, RUN_FAIL, RUN_FAIL },
		{ RUN_FAIL, RUN_ERROR, RUN_ERROR },
		{ RUN_ERROR, RUN_FAIL, RUN_ERROR },
		{ RUN_SKIP, RUN_ERROR, RUN_ERROR },
		{ RUN_FAIL, RUN_FAIL, RUN_FAIL },
		{ RUN_INFO, RUN_PASS, RUN_INFO },
	};
	struct run_result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		run_result_set(&r, cases[i].first, 1, "first", "e1", "g1", 2,
		    "r1");
		run_result_set(&r, cases[i].second, 2, "second", "e2", "g2", 2,
		    "r2");
		if (r.verdict != cases[i].want) {
			fprintf(stderr, "  [%s then %s] got %s\n",
			    run_verdict_str(cases[i].first),
			    run_verdict_str(cases[i].second),
			    run_verdict_str(r.verdict));
			CU_FAIL("wrong verdict kept");
		}
		/* evidence goes with the kept verdict; a tie keeps the first */
		if (cases[i].want == cases[i].first) {
			CU_ASSERT_EQUAL(r.step_line, 1);
			CU_ASSERT_STRING_EQUAL(r.reason, "r1");
			CU_ASSERT_STRING_EQUAL(r.got, "g1");
		} else {
			CU_ASSERT_EQUAL(r.step_line, 2);
			CU_ASSERT_STRING_EQUAL(r.step_src, "second");
			CU_ASSERT_STRING_EQUAL(r.expected, "e2");
			CU_ASSERT_STRING_EQUAL(r.reason, "r2");
		}
		run_result_clear(&r);
		CU_ASSERT_EQUAL(r.verdict, RUN_PASS);
		CU_ASSERT_PTR_NULL(r.reason);
	}
}

/* got is escaped and cut at SC_SHOW_BYTES_MAX; NULLs are kept NULL. */
static void
test_run_result_set_got(void)
{
	struct run_result r;
	char *big, want[64];
	int n;

	memset(&r, 0, sizeof(r));
	run_result_set(&r, RUN_FAIL, 3, NULL, NULL, "5\0\r\n\"\xff", 6, NULL);
	CU_ASSERT_STRING_EQUAL(r.got, "5\\0\\r\\n\\\"\\xFF");
	CU_ASSERT_PTR_NULL(r.step_src);
	CU_ASSERT_PTR_NULL(r.expected);
	CU_ASSERT_PTR_NULL(r.reason);
	run_result_clear(&r);

	big = xmalloc(SC_SHOW_BYTES_MAX + 100);
	memset(big, 'a', SC_SHOW_BYTES_MAX + 100);
	run_result_set(&r, RUN_WARN, 3, NULL, NULL, big,
	    SC_SHOW_BYTES_MAX + 100, NULL);
	n = snprintf(want, sizeof(want), "...(+%d bytes)", 100);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(want));
	CU_ASSERT_EQUAL(strlen(r.got), SC_SHOW_BYTES_MAX + strlen(want));
	CU_ASSERT_STRING_EQUAL(r.got + SC_SHOW_BYTES_MAX, want);
	run_result_clear(&r);
	free(big);

	run_result_set(&r, RUN_SKIP, 0, NULL, NULL, NULL, 0, "no tls");
	CU_ASSERT_PTR_NULL(r.got);
	CU_ASSERT_EQUAL(r.verdict, RUN_SKIP);
	run_result_clear(&r);
}

/* An entry over SC_TRANSCRIPT_ENTRY_SHOW is cut, its length kept. */
static void
test_run_result_transcript_entry_cut(void)
{
	static const size_t lens[] = {
		0, 1, SC_TRANSCRIPT_ENTRY_SHOW - 1, SC_TRANSCRIPT_ENTRY_SHOW,
		SC_TRANSCRIPT_ENTRY_SHOW + 1, 5 * SC_TRANSCRIPT_ENTRY_SHOW,
	};
	struct transcript t = { 0 };
	size_t i, want, total = 0;
	char *buf;

	buf = xmalloc(5 * SC_TRANSCRIPT_ENTRY_SHOW);
	memset(buf, 'x', 5 * SC_TRANSCRIPT_ENTRY_SHOW);
	buf[0] = '\0';		/* bytes, not a C string */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		transcript_add(&t, TR_RECV, (int64_t)i, (int)i + 1, buf,
		    lens[i]);
		want = lens[i] > SC_TRANSCRIPT_ENTRY_SHOW ?
		    SC_TRANSCRIPT_ENTRY_SHOW : lens[i];
		total += want;
		CU_ASSERT_EQUAL(t.n, i + 1);
		CU_ASSERT_EQUAL(t.v[i].len, want);
		CU_ASSERT_EQUAL(t.v[i].full_len, lens[i]);
		CU_ASSERT_EQUAL(t.v[i].step_line, (int)i + 1);
		CU_ASSERT_EQUAL(t.v[i].data[want], '\0');
		CU_ASSERT(want == 0 || memcmp(t.v[i].data, buf, want) == 0);
	}
	CU_ASSERT_EQUAL(t.bytes, total);
	CU_ASSERT_FALSE(t.truncated);
	transcript_add(&t, TR_EVENT, 9, 0, NULL, 0);
	CU_ASSERT_EQUAL(t.n, sizeof(lens) / sizeof(lens[0]) + 1);
	transcript_clear(&t);
	CU_ASSERT_EQUAL(t.n, 0);
	CU_ASSERT_EQUAL(t.bytes, 0);
	CU_ASSERT_PTR_NULL(t.v);
	free(buf);
}

/* One entry past SC_TRANSCRIPT_ENTRIES_MAX is dropped and flagged. */
static void
test_run_result_transcript_entries_max(void)
{
	struct transcript t = { 0 };
	size_t i;

	for (i = 0; i < SC_TRANSCRIPT_ENTRIES_MAX; i++)
		transcript_add(&t, TR_SENT, (int64_t)i, 1, "x", 1);
	CU_ASSERT_EQUAL(t.n, SC_TRANSCRIPT_ENTRIES_MAX);
	CU_ASSERT_FALSE(t.truncated);
	transcript_add(&t, TR_RECV, 0, 2, "y", 1);
	CU_ASSERT_EQUAL(t.n, SC_TRANSCRIPT_ENTRIES_MAX);
	CU_ASSERT_TRUE(t.truncated);
	CU_ASSERT_EQUAL(t.v[t.n - 1].dir, TR_SENT);
	CU_ASSERT_EQUAL(t.bytes, SC_TRANSCRIPT_ENTRIES_MAX);
	transcript_clear(&t);
	CU_ASSERT_FALSE(t.truncated);
}

/* Kept bytes never pass SC_TRANSCRIPT_BYTES_MAX; an entry that would is
 * dropped whole, and a later one that fits is dropped too. */
static void
test_run_result_transcript_bytes_max(void)
{
	struct transcript t = { 0 };
	size_t full;
	char *buf;

	buf = xmalloc(SC_TRANSCRIPT_ENTRY_SHOW);
	memset(buf, 'z', SC_TRANSCRIPT_ENTRY_SHOW);
	full = SC_TRANSCRIPT_BYTES_MAX / SC_TRANSCRIPT_ENTRY_SHOW;
	while (t.n < full)
		transcript_add(&t, TR_SENT, 0, 1, buf,
		    SC_TRANSCRIPT_ENTRY_SHOW);
	CU_ASSERT_EQUAL(t.bytes, full * SC_TRANSCRIPT_ENTRY_SHOW);
	CU_ASSERT_FALSE(t.truncated);
	transcript_add(&t, TR_SENT, 0, 1, buf, SC_TRANSCRIPT_ENTRY_SHOW);
	CU_ASSERT_TRUE(t.truncated);
	CU_ASSERT_EQUAL(t.n, full);
	CU_ASSERT(t.bytes <= SC_TRANSCRIPT_BYTES_MAX);
	transcript_add(&t, TR_EVENT, 0, 0, "close", 5);
	CU_ASSERT_EQUAL(t.n, full);
	transcript_clear(&t);
	free(buf);
}

static void
test_run_result_step_log(void)
{
	struct run_result r;
	char src[32];
	size_t i;
	int n;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 1000; i++) {
		n = snprintf(src, sizeof(src), "send STEP %zu", i);
		CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(src));
		run_step_log_add(&r, (int)i + 1, src, (int64_t)i * 10, 5,
		    i == 999 ? RUN_FAIL : RUN_PASS,
		    i == 999 ? "got 550" : NULL);
	}
	CU_ASSERT_EQUAL_FATAL(r.nsteps, 1000);
	for (i = 0; i < 1000; i++) {
		n = snprintf(src, sizeof(src), "send STEP %zu", i);
		CU_ASSERT_STRING_EQUAL(r.steps[i].src, src);
		CU_ASSERT_EQUAL(r.steps[i].line, (int)i + 1);
		CU_ASSERT_EQUAL(r.steps[i].t_us, (int64_t)i * 10);
	}
	CU_ASSERT_PTR_NULL(r.steps[0].detail);
	CU_ASSERT_STRING_EQUAL(r.steps[999].detail, "got 550");
	CU_ASSERT_EQUAL(r.steps[999].outcome, RUN_FAIL);
	run_result_clear(&r);
	CU_ASSERT_EQUAL(r.nsteps, 0);
	CU_ASSERT_PTR_NULL(r.steps);
}

static void
test_run_result_summary_count(void)
{
	static const enum run_verdict vs[] = {
		RUN_PASS, RUN_FAIL, RUN_PASS, RUN_ERROR, RUN_SKIP, RUN_PASS,
		RUN_WARN,
	};
	struct run_result res[sizeof(vs) / sizeof(vs[0])];
	struct run_summary sum;
	size_t i;

	memset(&sum, 0, sizeof(sum));
	memset(res, 0, sizeof(res));
	for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++)
		res[i].verdict = vs[i];
	sum.results = res;
	sum.nresults = sizeof(vs) / sizeof(vs[0]);
	sum.counts[RUN_INFO] = 99;	/* stale: must be reset */
	run_summary_count(&sum);
	CU_ASSERT_EQUAL(sum.counts[RUN_PASS], 3);
	CU_ASSERT_EQUAL(sum.counts[RUN_INFO], 0);
	CU_ASSERT_EQUAL(sum.counts[RUN_WARN], 1);
	CU_ASSERT_EQUAL(sum.counts[RUN_FAIL], 1);
	CU_ASSERT_EQUAL(sum.counts[RUN_SKIP], 1);
	CU_ASSERT_EQUAL(sum.counts[RUN_ERROR], 1);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_run_result_verdict_str),
	CU_T(test_run_result_set_rank),
	CU_T(test_run_result_set_got),
	CU_T(test_run_result_transcript_entry_cut),
	CU_T(test_run_result_transcript_entries_max),
	CU_T(test_run_result_transcript_bytes_max),
	CU_T(test_run_result_step_log),
	CU_T(test_run_result_summary_count),
	{ 0 },
};

#define CU_SUITE_NAME "run_result"
#include "cu_main.h"
