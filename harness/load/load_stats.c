/* SPDX-License-Identifier: ISC */
/*
 * load_stats.c - what a load run counts, and how it is shown: the
 * latency histogram, the terminal summary and the JSON report (schema in
 * reports/README.md, "smtpcheck load").
 *
 * The histogram keeps every sample at a fixed cost whatever the run's
 * length: values below 2^LOAD_HIST_SUB_BITS microseconds exactly, larger
 * ones in 2^LOAD_HIST_SUB_BITS buckets per power of two (HdrHistogram's
 * layout), so a percentile is off by less than 0.8 %, and never above
 * the exact maximum, which is kept apart.
 */
#include "load.h"
#include "rep_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sc_util.h"

#define LOAD_SUB	((uint64_t)1 << LOAD_HIST_SUB_BITS)

#define CASE(x, s)	case x: return s

/* load_tls_mode_str - "none", "starttls", "implicit". */
const char *
load_tls_mode_str(enum load_tls_mode m)
{
	switch (m) {
	CASE(LOAD_TLS_NONE, "none");
	CASE(LOAD_TLS_STARTTLS, "starttls");
	CASE(LOAD_TLS_IMPLICIT, "implicit");
	}
	return "???";
}

/* load_stage_str - the stage's name in reports. */
const char *
load_stage_str(enum load_stage s)
{
	switch (s) {
	CASE(LOAD_ST_CONNECT, "connect");
	CASE(LOAD_ST_GREETING, "greeting");
	CASE(LOAD_ST_EHLO, "ehlo");
	CASE(LOAD_ST_STARTTLS, "starttls");
	CASE(LOAD_ST_TLS, "tls");
	CASE(LOAD_ST_MAIL, "mail");
	CASE(LOAD_ST_RCPT, "rcpt");
	CASE(LOAD_ST_DATA, "data");
	CASE(LOAD_ST_END, "end");
	CASE(LOAD_ST_QUIT, "quit");
	case LOAD_ST_COUNT:
		break;
	}
	return "???";
}

/* load_err_kind_str - the kind's name in reports. */
const char *
load_err_kind_str(enum load_err_kind k)
{
	switch (k) {
	CASE(LOAD_E_CONNECT, "connect");
	CASE(LOAD_E_NO_REPLY, "no_reply");
	CASE(LOAD_E_4XX, "4xx");
	CASE(LOAD_E_5XX, "5xx");
	CASE(LOAD_E_CLOSED, "closed");
	CASE(LOAD_E_TLS, "tls");
	CASE(LOAD_E_PROTOCOL, "protocol");
	case LOAD_E_COUNT:
		break;
	}
	return "???";
}

/* load_hist_bucket - exact below LOAD_SUB, then log-linear. */
size_t
load_hist_bucket(uint64_t us)
{
	unsigned e, shift;
	size_t i;

	if (us < LOAD_SUB)
		return (size_t)us;
	e = 63 - (unsigned)__builtin_clzll(us);	/* >= LOAD_HIST_SUB_BITS */
	shift = e - LOAD_HIST_SUB_BITS;
	i = (size_t)(shift + 1) * LOAD_SUB + (size_t)((us >> shift) - LOAD_SUB);
	if (i >= LOAD_HIST_BUCKETS)
		i = LOAD_HIST_BUCKETS - 1;
	return i;
}

/* load_hist_top - the largest value bucket i holds. */
uint64_t
load_hist_top(size_t i)
{
	uint64_t shift, sub;

	if (i < LOAD_SUB)
		return i;
	shift = i / LOAD_SUB - 1;
	sub = i % LOAD_SUB + LOAD_SUB;
	return ((sub + 1) << shift) - 1;
}

/* load_hist_add - one sample. */
void
load_hist_add(struct load_hist *h, uint64_t us)
{
	h->bucket[load_hist_bucket(us)]++;
	h->n++;
	h->sum_us += us;
	if (us > h->max_us)
		h->max_us = us;
}

/* load_hist_percentile - nearest rank, clipped to the maximum. */
uint64_t
load_hist_percentile(const struct load_hist *h, double p)
{
	uint64_t rank, seen, v;
	double r;
	size_t i;

	if (h->n == 0)
		return 0;
	r = p / 100.0 * (double)h->n;
	rank = (uint64_t)r;
	if ((double)rank < r)
		rank++;		/* ceil, without libm */
	if (rank < 1)
		rank = 1;
	if (rank > h->n)
		rank = h->n;
	seen = 0;
	for (i = 0; i < LOAD_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			v = load_hist_top(i);
			return v > h->max_us ? h->max_us : v;
		}
	}
	return h->max_us;
}

/* load_stats_kind - errors of one kind, every stage. */
uint64_t
load_stats_kind(const struct load_stats *st, enum load_err_kind k)
{
	uint64_t n = 0;
	int s;

	for (s = 0; s < LOAD_ST_COUNT; s++)
		n += st->errors[k][s];
	return n;
}

/* load_stats_errors - every error. */
uint64_t
load_stats_errors(const struct load_stats *st)
{
	uint64_t n = 0;
	int k;

	for (k = 0; k < LOAD_E_COUNT; k++)
		n += load_stats_kind(st, k);
	return n;
}

/* load_stats_secs - the run's length in seconds (never 0). */
static double
load_stats_secs(const struct load_stats *st)
{
	double s = (double)(st->end_us - st->start_us) / 1e6;

	return s > 1e-6 ? s : 1e-6;
}

/* load_ms - microseconds as milliseconds. */
static double
load_ms(uint64_t us)
{
	return (double)us / 1000.0;
}

/* load_stats_print - the human summary. */
void
load_stats_print(FILE *f, const struct load_opts *o,
    const struct load_stats *st, const char *loop_name)
{
	const struct load_hist *h = &st->lat;
	double secs = load_stats_secs(st);
	uint64_t total = st->messages_ok + st->messages_failed, n;
	const char *sep;
	int k, s;

	fprintf(f, "smtpcheck load: %s, %d session%s, %ld-octet messages, "
	    "%d recipient%s, pipelining %s, TLS %s, %s loop\n", o->target,
	    o->sessions, o->sessions == 1 ? "" : "s", o->size, o->recipients,
	    o->recipients == 1 ? "" : "s", o->pipelining ? "asked" : "off",
	    load_tls_mode_str(o->tls), loop_name);
	fprintf(f, "  messages  %" PRIu64 " accepted, %" PRIu64 " failed "
	    "(of %" PRIu64 ")\n", st->messages_ok, st->messages_failed, total);
	fprintf(f, "  sessions  %" PRIu64 " (%" PRIu64 " connected, %" PRIu64
	    " pipelined, %" PRIu64 " TLS)\n", st->sessions,
	    st->sessions_connected, st->sessions_pipelined, st->sessions_tls);
	fprintf(f, "  duration  %.3f s\n", secs);
	fprintf(f, "  rate      %.1f msg/s, %.1f sessions/s, %.0f octets/s "
	    "of message text\n", (double)st->messages_ok / secs,
	    (double)st->sessions / secs, (double)st->bytes_sent / secs);
	if (h->n > 0)
		fprintf(f, "  latency   p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
		    "max %.3f ms (MAIL written to the end-of-data reply, %"
		    PRIu64 " messages)\n",
		    load_ms(load_hist_percentile(h, 50)),
		    load_ms(load_hist_percentile(h, 90)),
		    load_ms(load_hist_percentile(h, 99)), load_ms(h->max_us),
		    h->n);
	n = load_stats_errors(st);
	if (n == 0) {
		fprintf(f, "  errors    none\n");
		return;
	}
	fprintf(f, "  errors    %" PRIu64 ":", n);
	sep = " ";
	for (k = 0; k < LOAD_E_COUNT; k++) {
		if (load_stats_kind(st, k) == 0)
			continue;
		fprintf(f, "%s%s %" PRIu64 " (", sep, load_err_kind_str(k),
		    load_stats_kind(st, k));
		for (s = 0, sep = ""; s < LOAD_ST_COUNT; s++) {
			if (st->errors[k][s] == 0)
				continue;
			fprintf(f, "%s%s %" PRIu64, sep, load_stage_str(s),
			    st->errors[k][s]);
			sep = ", ";
		}
		fputs(")", f);
		sep = "; ";
	}
	fputc('\n', f);
	if (st->first_error[0] != '\0')
		fprintf(f, "  first     %s\n", st->first_error);
}

/* load_json_errors - "errors": totals by kind, and by kind and stage. */
static void
load_json_errors(FILE *f, const struct load_stats *st)
{
	const char *sep, *sep2;
	int k, s;

	fprintf(f, "  \"errors\": {\"total\": %" PRIu64 ", \"by_kind\": {",
	    load_stats_errors(st));
	for (k = 0; k < LOAD_E_COUNT; k++)
		fprintf(f, "%s\"%s\": %" PRIu64, k > 0 ? ", " : "",
		    load_err_kind_str(k), load_stats_kind(st, k));
	fputs("},\n    \"by_stage\": {", f);
	sep = "";
	for (k = 0; k < LOAD_E_COUNT; k++) {
		if (load_stats_kind(st, k) == 0)
			continue;
		fprintf(f, "%s\"%s\": {", sep, load_err_kind_str(k));
		for (s = 0, sep2 = ""; s < LOAD_ST_COUNT; s++) {
			if (st->errors[k][s] == 0)
				continue;
			fprintf(f, "%s\"%s\": %" PRIu64, sep2, load_stage_str(s),
			    st->errors[k][s]);
			sep2 = ", ";
		}
		fputc('}', f);
		sep = ", ";
	}
	fputs("},\n    \"first\": ", f);
	rep_out_json_str(f, st->first_error[0] != '\0' ? st->first_error : NULL);
	fputs("}\n", f);
}

/* load_stats_json - the report. */
int
load_stats_json(FILE *f, const struct load_opts *o,
    const struct load_stats *st, const char *loop_name)
{
	const struct load_hist *h = &st->lat;
	double secs = load_stats_secs(st);

	fprintf(f, "{\n  \"kind\": \"smtpcheck-load\",\n"
	    "  \"schema_version\": 1,\n  \"tool_version\": ");
	rep_out_json_str(f, SC_VERSION);
	fputs(",\n  \"target\": ", f);
	rep_out_json_str(f, o->target);
	fprintf(f, ",\n  \"options\": {\"sessions\": %d, \"messages\": ",
	    o->sessions);
	if (o->messages > 0)
		fprintf(f, "%ld", o->messages);
	else
		fputs("null", f);
	fprintf(f, ", \"per_session\": %ld, \"size\": %ld, \"recipients\": %d,"
	    " \"pipelining\": %s, \"tls\": \"%s\", \"duration_s\": ",
	    o->per_session, o->size, o->recipients,
	    o->pipelining ? "true" : "false", load_tls_mode_str(o->tls));
	if (o->duration_ms > 0)
		fprintf(f, "%.3f", (double)o->duration_ms / 1000.0);
	else
		fputs("null", f);
	fprintf(f, ", \"reply_timeout_ms\": %ld, \"loop\": ", o->reply_ms);
	rep_out_json_str(f, loop_name);
	fputs("},\n", f);
	fprintf(f, "  \"messages_ok\": %" PRIu64 ",\n"
	    "  \"messages_failed\": %" PRIu64 ",\n"
	    "  \"sessions\": %" PRIu64 ",\n"
	    "  \"sessions_connected\": %" PRIu64 ",\n"
	    "  \"sessions_pipelined\": %" PRIu64 ",\n"
	    "  \"sessions_tls\": %" PRIu64 ",\n"
	    "  \"bytes_sent\": %" PRIu64 ",\n"
	    "  \"duration_ms\": %.3f,\n"
	    "  \"messages_per_s\": %.3f,\n"
	    "  \"sessions_per_s\": %.3f,\n"
	    "  \"bytes_per_s\": %.3f,\n",
	    st->messages_ok, st->messages_failed, st->sessions,
	    st->sessions_connected, st->sessions_pipelined, st->sessions_tls,
	    st->bytes_sent, secs * 1000.0,
	    (double)st->messages_ok / secs, (double)st->sessions / secs,
	    (double)st->bytes_sent / secs);
	fprintf(f, "  \"latency_ms\": {\"samples\": %" PRIu64 ", \"p50\": %.3f,"
	    " \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f, \"mean\": %.3f},\n",
	    h->n, load_ms(load_hist_percentile(h, 50)),
	    load_ms(load_hist_percentile(h, 90)),
	    load_ms(load_hist_percentile(h, 99)), load_ms(h->max_us),
	    h->n > 0 ? load_ms(h->sum_us) / (double)h->n : 0.0);
	load_json_errors(f, st);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}
