/* SPDX-License-Identifier: ISC */
/*
 * fuzz_min.c - shrink a finding and write it as a scenario.
 *
 * The minimizer replays candidates against the target and keeps one when
 * it still gives the same class of finding: first everything after the
 * deciding unit goes, then each other unit in turn (last first, since
 * late units depend on early ones), then the deciding unit's extra lines,
 * then long runs of one octet are halved, then splits and drips are made
 * plain. The budget (FUZZ_MIN_ATTEMPTS replays, FUZZ_MIN_BUDGET_MS) keeps
 * a hang, whose every replay waits --reply-timeout, from running forever.
 *
 * The reproducer is a client-role scenario: each unit a send-raw, each
 * reply an `expect xxx` (any code: a reply is all the case asked of a
 * unit that did not decide), and at the deciding unit the oracle in the
 * scenario language: `expect 3xx|4xx|5xx` for an accepted invalid
 * command, `expect silence` after the replies that were due, `within`
 * for a hang, a reconnect for a crash. The engine's own reply checks
 * judge a malformed reply.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "sc_util.h"

#define FZ_MIN_RUN	8	/* shorter runs are not halved */
#define FZ_RAW_CHUNK	8192	/* octets per send-raw line */

struct fz_min {
	const struct fuzz_target *t;
	enum fuzz_class cls;
	int	 attempts;
	int64_t	 deadline;
};

static bool
min_budget(const struct fz_min *m)
{
	return m->attempts < FUZZ_MIN_ATTEMPTS && sc_now_us() < m->deadline &&
	    (m->t->stop == NULL || !*m->t->stop);
}

/* min_try - does cand still give the class? Then it replaces c and o. */
static bool
min_try(struct fz_min *m, struct fuzz_case *c, struct fuzz_case *cand,
    struct fuzz_outcome *o)
{
	struct fuzz_outcome no;
	enum fuzz_class got;
	char *detail = NULL;

	m->attempts++;
	got = fuzz_drive(m->t, cand, &no);
	if (m->cls == FUZZ_CRASH && got == FUZZ_OK) {
		got = fuzz_alive(m->t, &detail);
		if (got == FUZZ_CRASH) {
			free(no.detail);
			no.detail = detail;
			no.cls = FUZZ_CRASH;
			no.unit = -1;
		} else {
			free(detail);
		}
	}
	if (got != m->cls) {
		fuzz_outcome_clear(&no);
		fuzz_case_clear(cand);
		return false;
	}
	fuzz_case_clear(c);
	*c = *cand;
	memset(cand, 0, sizeof(*cand));
	fuzz_outcome_clear(o);
	*o = no;
	return true;
}

/* unit_lines - CRLF-ended lines in a command unit. */
static size_t
unit_lines(const struct fuzz_unit *u, size_t *starts, size_t max)
{
	size_t i, n = 0, at = 0;

	for (i = 0; i + 1 < u->len; i++) {
		if (u->bytes[i] == '\r' && u->bytes[i + 1] == '\n') {
			if (n < max)
				starts[n] = at;
			n++;
			at = i + 2;
		}
	}
	return n;
}

/* min_lines - drop lines of a pipelined unit, one reply fewer each. */
static void
min_lines(struct fz_min *m, struct fuzz_case *c, struct fuzz_outcome *o)
{
	struct fuzz_case cand;
	struct fuzz_unit *u;
	size_t starts[64], n, k, end;
	char *b;

	for (k = 0; min_budget(m); k++) {
		if (o->unit < 0)
			return;
		u = &c->u[o->unit];
		if (u->expect != FE_REPLIES || (u->flags & FU_CONTENT))
			return;
		n = unit_lines(u, starts, 64);
		if (n < 2 || n > 64 || (int)n != u->nreplies || k >= n - 1)
			return;
		/* never the last line: it may be DATA, ending the group */
		end = starts[k + 1];
		fuzz_case_copy(&cand, c);
		u = &cand.u[o->unit];
		b = xmalloc(u->len);
		memcpy(b, u->bytes, starts[k]);
		memcpy(b + starts[k], u->bytes + end, u->len - end);
		free(u->bytes);
		u->bytes = b;
		u->len -= end - starts[k];
		u->nreplies--;
		u->split = 0;
		if (min_try(m, c, &cand, o))
			k--;	/* the same index is a new line now */
	}
}

/* longest_run - start and length of the longest run of one octet. */
static size_t
longest_run(const struct fuzz_unit *u, size_t *at)
{
	size_t i = 0, r, best = 0;

	while (i < u->len) {
		for (r = 1; i + r < u->len && u->bytes[i + r] == u->bytes[i];
		    r++)
			;
		if (r > best) {
			best = r;
			*at = i;
		}
		i += r;
	}
	return best;
}

/* min_runs - halve the longest run while the finding stays. */
static void
min_runs(struct fz_min *m, struct fuzz_case *c, struct fuzz_outcome *o)
{
	struct fuzz_case cand;
	struct fuzz_unit *u;
	size_t at = 0, run, cut;

	while (min_budget(m) && o->unit >= 0) {
		u = &c->u[o->unit];
		run = longest_run(u, &at);
		if (run < FZ_MIN_RUN || (u->flags & FU_NEED_CHUNKING))
			return;
		cut = run / 2;
		fuzz_case_copy(&cand, c);
		u = &cand.u[o->unit];
		memmove(u->bytes + at, u->bytes + at + cut, u->len - at - cut);
		u->len -= cut;
		u->split = 0;
		if (!min_try(m, c, &cand, o))
			return;
	}
}

void
fuzz_minimize(const struct fuzz_target *t, struct fuzz_case *c,
    enum fuzz_class cls, struct fuzz_outcome *o)
{
	struct fz_min m = { t, cls, 0, sc_now_us() +
	    FUZZ_MIN_BUDGET_MS * 1000L };
	struct fuzz_case cand;
	size_t i;

	/* what came after the deciding unit played no part */
	if (o->unit >= 0 && (size_t)o->unit + 1 < c->n && cls != FUZZ_CRASH) {
		fuzz_case_copy(&cand, c);
		while (cand.n > (size_t)o->unit + 1)
			fuzz_unit_remove(&cand, cand.n - 1);
		min_try(&m, c, &cand, o);
	}
	for (i = c->n; i > 0 && min_budget(&m); i--) {
		if (i - 1 >= c->n || (ssize_t)(i - 1) == o->unit)
			continue;
		fuzz_case_copy(&cand, c);
		fuzz_unit_remove(&cand, i - 1);
		min_try(&m, c, &cand, o);
	}
	min_lines(&m, c, o);
	min_runs(&m, c, o);
	for (i = 0; i < c->n && min_budget(&m); i++) {
		if (c->u[i].split == 0 && c->u[i].drip_ms == 0)
			continue;
		fuzz_case_copy(&cand, c);
		cand.u[i].split = 0;
		cand.u[i].drip_ms = 0;
		min_try(&m, c, &cand, o);
	}
}

/* ------------------------------------------------------------ writing */

struct fz_buf {
	char	*p;
	size_t	 len, cap;
};

static void
out(struct fz_buf *b, const char *fmt, ...) __attribute__((format(printf,
    2, 3)));
static void
out(struct fz_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *t;
	size_t n;

	va_start(ap, fmt);
	t = xvasprintf(fmt, ap);
	va_end(ap);
	n = strlen(t);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, t, n + 1);
	b->len += n;
	free(t);
}

/* out_raw - send-raw lines for p[0..len), FZ_RAW_CHUNK octets each. */
static void
out_raw(struct fz_buf *b, const char *p, size_t len)
{
	size_t at, n;
	char *e;

	for (at = 0; at < len; at += n) {
		n = len - at > FZ_RAW_CHUNK ? FZ_RAW_CHUNK : len - at;
		e = fuzz_esc_raw(p + at, n);
		out(b, "send-raw \"%s\"\n", e);
		free(e);
	}
}

static void
out_expect(struct fz_buf *b, int n)
{
	if (n == 1)
		out(b, "expect xxx\n");
	else if (n > 1)
		out(b, "expect xxx times %d\n", n);
}

/* out_unit - the writes of one unit, with its splits and drips. */
static void
out_unit(struct fz_buf *b, const struct fuzz_unit *u)
{
	size_t i;

	if (u->drip_ms > 0) {
		for (i = 0; i < u->len; i++) {
			out_raw(b, u->bytes + i, 1);
			if (i + 1 < u->len)
				out(b, "pause %dms\n", u->drip_ms);
		}
	} else if (u->split > 0 && u->split < u->len) {
		out_raw(b, u->bytes, u->split);
		out(b, "pause 5ms\n");
		out_raw(b, u->bytes + u->split, u->len - u->split);
	} else {
		out_raw(b, u->bytes, u->len);
	}
}

/* due - how many replies the unit had to get. */
static int
due(const struct fuzz_unit *u, const struct fuzz_sent *s)
{
	switch (u->expect) {
	case FE_REPLIES:
		return u->nreplies;
	case FE_STARTTLS:
		return s->first_code == 220 ? 1 : 2;
	case FE_NONE:
		return 0;
	default:
		return 1;
	}
}

/* out_decider - the oracle at the deciding unit. */
static void
out_decider(struct fz_buf *b, enum fuzz_class cls, const struct fuzz_unit *u,
    const struct fuzz_sent *s, long reply_ms)
{
	int n = due(u, s);

	switch (cls) {
	case FUZZ_MALFORMED:
		out_expect(b, s->got);
		break;
	case FUZZ_HANG:
		out_expect(b, s->got);
		out(b, "expect xxx within %ldms\n", reply_ms);
		break;
	case FUZZ_DROPPED:
		out_expect(b, s->got + 1);
		break;
	case FUZZ_ACCEPTED_INVALID:
		out(b, "expect 3xx|4xx|5xx          # a 2xx accepts an invalid "
		    "command\n");
		break;
	case FUZZ_SMUGGLING:
		out(b, "expect xxx                  # one reply for the "
		    "message\n");
		out(b, "expect silence %s          # none for what it hid\n",
		    FUZZ_SILENCE_REPLAY);
		break;
	case FUZZ_REPLY_COUNT:
		if (s->got > n) {
			out_expect(b, n);
			out(b, "expect silence %s          # no more replies "
			    "than commands\n", FUZZ_SILENCE_REPLAY);
		} else {
			out_expect(b, s->got);
			out(b, "expect xxx within %ldms\n", reply_ms);
		}
		break;
	default:
		out_expect(b, s->got);
		break;
	}
}

char *
fuzz_scenario_text(const struct fuzz_case *c, const struct fuzz_outcome *o,
    const struct fuzz_target *t, const char *target, const char *id,
    const char *ops, long reply_ms)
{
	struct fz_buf b = { NULL, 0, 0 };
	const struct fuzz_unit *u;
	const struct fuzz_sent *s;
	size_t i, octets = 0;
	bool closed = false, tls = false;
	char *d;

	for (i = 0; i < o->nsent; i++)
		octets += c->u[o->sent[i].unit].len;
	d = xstrdup(o->detail != NULL ? o->detail : "");
	for (i = 0; d[i] != '\0'; i++)
		if (d[i] == '\n' || d[i] == '\r')
			d[i] = ' ';
	out(&b, "# smtpcheck fuzz finding: %s - %s.\n", fuzz_class_str(o->cls),
	    fuzz_class_what(o->cls));
	out(&b, "# %s\n", d);
	out(&b, "# Found by `smtpcheck fuzz --seed %llu` at case %llu "
	    "(operators: %s)\n# against %s; shrunk to %zu writes, %zu "
	    "octets.\n", (unsigned long long)c->seed,
	    (unsigned long long)c->index, ops, target, o->nsent, octets);
	for (i = 0; i < o->nsent; i++)
		if (c->u[o->sent[i].unit].expect == FE_SECURE ||
		    c->u[o->sent[i].unit].expect == FE_STARTTLS)
			tls = true;
	out(&b, "# Replay: smtpcheck run --target HOST:PORT%s THIS-FILE\n",
	    t->implicit_tls ? " --tls implicit --insecure" : tls ?
	    " --insecure" : "");
	out(&b, "# Every `expect xxx` takes any well-formed reply: only the "
	    "step after the\n# last write judges.\n");
	free(d);
	out(&b, "id        %s\n", id);
	out(&b, "title     Fuzz finding: %s\n", fuzz_class_what(o->cls));
	out(&b, "rfc       %s\n", fuzz_class_rfc(o->cls));
	out(&b, "level     MUST\n");
	out(&b, "tags      fuzz %s\n\n", fuzz_class_str(o->cls));
	out(&b, "connect\n");
	if (o->unit < 0 && o->nsent == 0 && o->cls != FUZZ_CRASH) {
		if (o->cls == FUZZ_HANG)
			out(&b, "expect xxx within %ldms\n", reply_ms);
		else
			out(&b, "expect xxx\n");
		return b.p;
	}
	out(&b, "expect xxx\n");
	for (i = 0; i < o->nsent; i++) {
		s = &o->sent[i];
		u = &c->u[s->unit];
		if (u->expect == FE_SECURE) {
			out(&b, "secure any-cert\n");
			continue;
		}
		if (u->expect == FE_STARTTLS && s->first_code == 220) {
			out_raw(&b, u->bytes, u->len);
			out(&b, "expect 220\nstarttls any-cert\n");
			if ((ssize_t)s->unit == o->unit)
				out(&b, "expect silence %s\n",
				    FUZZ_SILENCE_REPLAY);
			continue;
		}
		out_unit(&b, u);
		if (u->flags & FU_CLOSE) {
			out(&b, "close\n");
			closed = true;
			break;
		}
		if ((ssize_t)s->unit == o->unit) {
			out_decider(&b, o->cls, u, s, reply_ms);
			break;
		}
		out_expect(&b, s->got);
	}
	if (o->cls == FUZZ_CRASH) {
		if (!closed)
			out(&b, "close\n");
		out(&b, "pause 500ms\nconnect                     # the server "
		    "must still take connections\nexpect xxx within %ldms\n",
		    reply_ms);
	}
	return b.p;
}

char *
fuzz_finding_id(enum fuzz_class cls, uint64_t seed, uint64_t index)
{
	return xasprintf("fuzz.%s.s%llu-c%llu", fuzz_class_str(cls),
	    (unsigned long long)seed, (unsigned long long)index);
}
