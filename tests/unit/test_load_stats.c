/* SPDX-License-Identifier: ISC */
/*
 * test_load_stats.c - `smtpcheck load`'s arithmetic and bytes: latency
 * percentiles on known samples (exact region, log-linear buckets, the
 * clip to max), and the generated message (size exact, every line within
 * the limits, dot-stuffed, ends with CRLF.CRLF, and unstuffs back to the
 * text) and the command group.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "smtp_dot.h"

#include "cu_main.h"

/* A failed check names its case. */
#define CHECK(cond, name, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "  [%s] ", (name));			\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
	CU_ASSERT(cond);						\
} while (0)

/* test_load_stats_percentiles_exact - 1..100 us: nearest rank. */
static void
test_load_stats_percentiles_exact(void)
{
	struct load_hist *h = xcalloc(1, sizeof(*h));
	uint64_t v;

	CU_ASSERT_EQUAL(load_hist_percentile(h, 50), 0);	/* empty */
	for (v = 100; v >= 1; v--)	/* order must not matter */
		load_hist_add(h, v);
	CU_ASSERT_EQUAL(h->n, 100);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 50), 50);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 90), 90);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 99), 99);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 100), 100);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 0), 1);
	CU_ASSERT_EQUAL(h->max_us, 100);
	CU_ASSERT_EQUAL(h->sum_us, 5050);
	free(h);
}

/* test_load_stats_percentiles_skewed - 90 fast, 10 slow: p90 is fast,
 * p99 slow; one sample: every percentile is it. */
static void
test_load_stats_percentiles_skewed(void)
{
	struct load_hist *h = xcalloc(1, sizeof(*h));
	int i;

	for (i = 0; i < 90; i++)
		load_hist_add(h, 10);
	for (i = 0; i < 10; i++)
		load_hist_add(h, 200);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 50), 10);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 90), 10);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 90.5), 200);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 99), 200);
	memset(h, 0, sizeof(*h));
	load_hist_add(h, 1234567);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 1), 1234567);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 99), 1234567);
	free(h);
}

/* test_load_stats_buckets - every value lands in a bucket whose top is
 * >= it and within 1/128 of it; tops increase; big values clip to max. */
static void
test_load_stats_buckets(void)
{
	struct load_hist *h = xcalloc(1, sizeof(*h));
	uint64_t v, top, prev = 0;
	size_t i, last = 0;
	char name[64];

	for (v = 0; v < ((uint64_t)1 << 40); v = v < 1000 ? v + 1 :
	    v + v / 7 + 3) {
		i = load_hist_bucket(v);
		top = load_hist_top(i);
		snprintf(name, sizeof(name), "v=%llu", (unsigned long long)v);
		CHECK(i < LOAD_HIST_BUCKETS, name, "bucket %zu", i);
		CHECK(top >= v, name, "top %llu below", (unsigned long long)top);
		CHECK(top - v <= v / 128, name, "top %llu too far",
		    (unsigned long long)top);
		CHECK(i >= last, name, "bucket %zu before %zu", i, last);
		last = i;
	}
	for (i = 0; i < LOAD_HIST_BUCKETS; i++) {
		top = load_hist_top(i);
		CHECK(i == 0 || top > prev, "tops", "bucket %zu top %llu", i,
		    (unsigned long long)top);
		CHECK(load_hist_bucket(top) == i, "tops", "bucket %zu", i);
		prev = top;
	}
	/* 5 ms and 7 ms: p50 within 1 % of 5 ms, p100 the exact max. */
	load_hist_add(h, 5000);
	load_hist_add(h, 7001);
	v = load_hist_percentile(h, 50);
	CU_ASSERT(v >= 5000 && v <= 5050);
	CU_ASSERT_EQUAL(load_hist_percentile(h, 100), 7001);
	free(h);
}

/* check_message - one generated message of size octets. */
static void
check_message(size_t size)
{
	struct smtp_unstuff u;
	char name[32], *text, *wire, *out;
	size_t wirelen, i, start, outlen, used, dots = 0;

	snprintf(name, sizeof(name), "size %zu", size);
	text = load_msg_text(size, "a@example.test", "b@example.test");
	CHECK(strlen(text) == size, name, "text of %zu octets",
	    strlen(text));
	CHECK(size >= 2 && text[size - 2] == '\r' && text[size - 1] == '\n',
	    name, "text does not end with CRLF");
	/* Lines: CRLF only together, at most 78 octets with CRLF. */
	for (i = 0, start = 0; i < size; i++) {
		if (text[i] == '\r') {
			CHECK(i + 1 < size && text[i + 1] == '\n', name,
			    "bare CR at %zu", i);
		} else if (text[i] == '\n') {
			CHECK(i > 0 && text[i - 1] == '\r', name,
			    "bare LF at %zu", i);
			CHECK(i + 1 - start <= LOAD_TEXT_LINE_MAX, name,
			    "line at %zu of %zu octets", start,
			    i + 1 - start);
			if (text[start] == '.')
				dots++;
			start = i + 1;
		}
	}
	wire = smtp_dot_stuff(text, size, &wirelen);
	CHECK(wirelen == size + dots + 3, name, "wire %zu, want %zu",
	    wirelen, size + dots + 3);
	CHECK(wirelen >= 5 && memcmp(wire + wirelen - 5, "\r\n.\r\n", 5) == 0,
	    name, "wire does not end with CRLF.CRLF");
	for (i = 0, start = 0; i < wirelen; i++) {
		if (wire[i] != '\n')
			continue;
		CHECK(i + 1 - start <= SMTP_TEXT_LINE_MAX - 2 + 2, name,
		    "wire line over 998 octets");
		/* A line that starts with '.' is stuffed (or the end). */
		CHECK(wire[start] != '.' || i + 1 == wirelen ||
		    wire[start + 1] == '.', name, "unstuffed dot at %zu",
		    start);
		start = i + 1;
	}
	if (size >= 400)
		CHECK(dots > 0, name, "no line starts with '.'");
	/* The server's view: unstuffed, exactly the text. */
	smtp_unstuff_init(&u);
	out = xmalloc(wirelen + 1);
	used = smtp_unstuff_feed(&u, wire, wirelen, out, &outlen);
	CHECK(u.done && used == wirelen, name, "end of data not found");
	CHECK(outlen == size && memcmp(out, text, size) == 0, name,
	    "unstuffed %zu octets, not the text", outlen);
	free(out);
	free(wire);
	free(text);
}

/* test_load_stats_message_sizes - sizes around every edge. */
static void
test_load_stats_message_sizes(void)
{
	static const size_t sizes[] = { 2, 3, 4, 5, 77, 78, 79, 80, 81, 100,
	    150, 155, 156, 157, 200, 1024, 4096, 100000, 1000003 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_message(sizes[i]);
	for (i = 2; i < 600; i++)
		check_message(i);
}

/* test_load_stats_message_headers - headers when they fit. */
static void
test_load_stats_message_headers(void)
{
	char *t = load_msg_text(1024, "a@example.test", "b@example.test");

	CU_ASSERT(strncmp(t, "From: <a@example.test>\r\nTo: <b@example.test>"
	    "\r\n", 46) == 0);
	CU_ASSERT(strstr(t, "\r\n\r\n") != NULL);
	free(t);
	t = load_msg_text(10, "a@example.test", "b@example.test");
	CU_ASSERT(strncmp(t, "From:", 5) != 0);
	free(t);
}

/* test_load_stats_group - MAIL, R RCPTs (the --to list in turn), DATA;
 * the offsets cut it into the single commands. */
static void
test_load_stats_group(void)
{
	struct load_opts o;
	struct load_msg m;
	char want[512];
	int n;

	memset(&o, 0, sizeof(o));
	o.size = 300;
	o.recipients = 3;
	o.helo = "h.test";
	o.from = "f@x.test";
	o.to[0] = "a@x.test";
	o.to[1] = "b@x.test";
	o.nto = 2;
	load_msg_build(&m, &o);
	n = snprintf(want, sizeof(want), "MAIL FROM:<f@x.test>\r\n"
	    "RCPT TO:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nRCPT TO:<a@x.test>\r\n"
	    "DATA\r\n");
	CU_ASSERT_EQUAL(m.grouplen, (size_t)n);
	CU_ASSERT(memcmp(m.group, want, m.grouplen) == 0);
	CU_ASSERT_EQUAL(m.mail_len, 22);
	CU_ASSERT_EQUAL(m.rcpt_off[0], 22);
	CU_ASSERT(memcmp(m.group + m.rcpt_off[1], "RCPT TO:<b@x.test>\r\n",
	    m.rcpt_off[2] - m.rcpt_off[1]) == 0);
	CU_ASSERT(memcmp(m.group + m.data_off, "DATA\r\n", 6) == 0);
	CU_ASSERT_EQUAL(m.rcpt_off[3], m.data_off);
	CU_ASSERT(strcmp(m.ehlo, "EHLO h.test\r\n") == 0);
	CU_ASSERT_EQUAL(m.textlen, 300);
	load_msg_clear(&m);
}

/* test_load_stats_names - every enum has a name. */
static void
test_load_stats_names(void)
{
	int i;

	for (i = 0; i < LOAD_ST_COUNT; i++)
		CU_ASSERT(strcmp(load_stage_str(i), "???") != 0);
	for (i = 0; i < LOAD_E_COUNT; i++)
		CU_ASSERT(strcmp(load_err_kind_str(i), "???") != 0);
	CU_ASSERT(strcmp(load_sess_state_str(LOAD_S_MAIL), "MAIL") == 0);
	CU_ASSERT(strcmp(load_sess_state_str(LOAD_S_TLS_HANDSHAKE),
	    "TLS_HANDSHAKE") == 0);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_load_stats_percentiles_exact),
	CU_T(test_load_stats_percentiles_skewed),
	CU_T(test_load_stats_buckets),
	CU_T(test_load_stats_message_sizes),
	CU_T(test_load_stats_message_headers),
	CU_T(test_load_stats_group),
	CU_T(test_load_stats_names),
	{ NULL, NULL },
};
#define CU_SUITE_NAME "load_stats"
#include "cu_main.h"
