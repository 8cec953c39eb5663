/* SPDX-License-Identifier: ISC */
/*
 * fuzz_case.c - the cases of `smtpcheck fuzz`: the corpus, the session
 * skeleton, and the mutation operators.
 *
 * A case is planned from (seed, index) alone: the generator draws from
 * its own xorshift state, never from the target's answers, so a seed
 * names the same cases on every run. A skeleton (EHLO, one or two
 * transactions with DATA or BDAT, QUIT) is built from corpus lines, then
 * one to three operators bend it. Each operator knows what the bent unit
 * must still get back: invalid commands must not get a 2xx, one line
 * gets one reply however it is cut or whatever octets it holds, a false
 * end of data must not end the message.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "run.h"
#include "scn.h"
#include "scn_vars.h"
#include "sc_util.h"
#include "smtp_dot.h"

/* ---------------------------------------------------------------- rng */

uint64_t
fuzz_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct fz_rng {
	uint64_t s;
};

static uint64_t
rng_next(struct fz_rng *r)
{
	r->s = fuzz_mix(r->s);
	return r->s;
}

/* rng_below - uniform enough in [0, n); 0 when n is 0. */
static size_t
rng_below(struct fz_rng *r, size_t n)
{
	return n == 0 ? 0 : (size_t)(rng_next(r) % n);
}

/* rng_pct - true with probability pct percent. */
static bool
rng_pct(struct fz_rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

/* -------------------------------------------------------- case storage */

void
fuzz_case_clear(struct fuzz_case *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->u[i].bytes);
	free(c->u);
	memset(c, 0, sizeof(*c));
}

void
fuzz_case_copy(struct fuzz_case *dst, const struct fuzz_case *src)
{
	size_t i;

	*dst = *src;
	dst->u = xcalloc(src->cap > 0 ? src->cap : 1, sizeof(*dst->u));
	for (i = 0; i < src->n; i++) {
		dst->u[i] = src->u[i];
		dst->u[i].bytes = xmemdup(src->u[i].bytes,
		    src->u[i].len > 0 ? src->u[i].len : 1);
	}
}

struct fuzz_unit *
fuzz_unit_add(struct fuzz_case *c, const void *p, size_t len, int nreplies,
    enum fuzz_expect e, unsigned flags)
{
	struct fuzz_unit *u;

	if (c->n == FUZZ_UNITS_MAX)
		return NULL;
	if (c->n == c->cap) {
		c->cap = c->cap == 0 ? 16 : c->cap * 2;
		c->u = xreallocarray(c->u, c->cap, sizeof(*c->u));
	}
	u = &c->u[c->n++];
	memset(u, 0, sizeof(*u));
	u->bytes = xmalloc(len + 1);
	memcpy(u->bytes, p, len);
	u->bytes[len] = '\0';
	u->len = len;
	u->nreplies = nreplies;
	u->expect = e;
	u->flags = flags;
	return u;
}

void
fuzz_unit_remove(struct fuzz_case *c, size_t i)
{
	if (i >= c->n)
		return;
	free(c->u[i].bytes);
	memmove(&c->u[i], &c->u[i + 1], (c->n - i - 1) * sizeof(*c->u));
	c->n--;
}

/* unit_insert - a new unit at position i (moved from the end). */
static struct fuzz_unit *
unit_insert(struct fuzz_case *c, size_t i, const void *p, size_t len,
    int nreplies, enum fuzz_expect e, unsigned flags)
{
	struct fuzz_unit u;

	if (fuzz_unit_add(c, p, len, nreplies, e, flags) == NULL)
		return NULL;
	if (i >= c->n - 1)
		return &c->u[c->n - 1];
	u = c->u[c->n - 1];
	memmove(&c->u[i + 1], &c->u[i], (c->n - 1 - i) * sizeof(*c->u));
	c->u[i] = u;
	return &c->u[i];
}

/* unit_set - replace a unit's bytes (owned copy). */
static void
unit_set(struct fuzz_unit *u, const void *p, size_t len)
{
	char *b = xmalloc(len + 1);

	memcpy(b, p, len);
	b[len] = '\0';
	free(u->bytes);
	u->bytes = b;
	u->len = len;
	if (u->split >= len)
		u->split = 0;
}

/* ------------------------------------------------------------- corpus */

/* Verbs the skeleton sends itself: not taken from the corpus pool. */
static const char *const fz_own_verbs[] = {
	"DATA", "BDAT", "QUIT", "STARTTLS", "AUTH", NULL
};

enum fz_pool { POOL_EHLO, POOL_MAIL, POOL_RCPT, POOL_OTHER, POOL_COUNT };

struct fuzz_corpus {
	char	**lines[POOL_COUNT];	/* owned, without CRLF */
	size_t	  nlines[POOL_COUNT];
	char	**bodies;		/* stuffed, CRLF.CRLF ended; owned */
	size_t	 *bodylen;
	size_t	  nbodies;
};

static void
corpus_add_line(struct fuzz_corpus *co, const char *line, size_t len)
{
	enum fz_pool p;
	size_t i, vl, total = 0;
	int k;

	if (len == 0 || memchr(line, '\r', len) != NULL ||
	    memchr(line, '\n', len) != NULL)
		return;
	for (k = 0; k < POOL_COUNT; k++)
		total += co->nlines[k];
	if (total >= FUZZ_CORPUS_LINES_MAX)
		return;
	for (vl = 0; vl < len && line[vl] != ' '; vl++)
		;
	for (i = 0; fz_own_verbs[i] != NULL; i++)
		if (strlen(fz_own_verbs[i]) == vl &&
		    strncasecmp(line, fz_own_verbs[i], vl) == 0)
			return;
	if (vl == 4 && (strncasecmp(line, "EHLO", 4) == 0 ||
	    strncasecmp(line, "HELO", 4) == 0))
		p = POOL_EHLO;
	else if (vl == 4 && strncasecmp(line, "MAIL", 4) == 0)
		p = POOL_MAIL;
	else if (vl == 4 && strncasecmp(line, "RCPT", 4) == 0)
		p = POOL_RCPT;
	else
		p = POOL_OTHER;
	for (i = 0; i < co->nlines[p]; i++)
		if (strlen(co->lines[p][i]) == len &&
		    memcmp(co->lines[p][i], line, len) == 0)
			return;
	co->lines[p] = xreallocarray(co->lines[p], co->nlines[p] + 1,
	    sizeof(char *));
	co->lines[p][co->nlines[p]++] = xstrndup(line, len);
}

static void
corpus_add_body(struct fuzz_corpus *co, const char *path)
{
	struct sc_err err = { 0 };
	size_t len, slen;
	char *body;

	if (co->nbodies == FUZZ_CORPUS_BODIES_MAX)
		return;
	body = sc_read_file(path, FUZZ_CORPUS_BODY_MAX, &len, &err);
	if (body == NULL)
		return;
	co->bodies = xreallocarray(co->bodies, co->nbodies + 1,
	    sizeof(char *));
	co->bodylen = xreallocarray(co->bodylen, co->nbodies + 1,
	    sizeof(size_t));
	co->bodies[co->nbodies] = smtp_dot_stuff(body, len, &slen);
	co->bodylen[co->nbodies++] = slen;
	free(body);
}

/* Lines every corpus has, so that a small PATH still makes sessions. */
static const char *const fz_default_lines[] = {
	"EHLO ${helo}", "HELO ${helo}", "MAIL FROM:<${sender}>",
	"MAIL FROM:<>", "RCPT TO:<${rcpt}>", "RSET", "NOOP", "HELP",
	"VRFY ${rcpt}", NULL
};

struct fuzz_corpus *
fuzz_corpus_load(const char **paths, size_t npaths,
    const struct scn_vars *vars, size_t *nscenarios)
{
	struct run_selection sel;
	struct fuzz_corpus *co;
	struct sc_err err = { 0 };
	const char *all[1];
	char *suite = NULL, *line;
	size_t i, j, k, len;

	memset(&sel, 0, sizeof(sel));
	if (npaths == 0) {
		suite = run_suite_path(".");
		if (suite == NULL) {
			fprintf(stderr, "smtpcheck: fuzz: no built-in suite "
			    "found (set SMTPCHECK_SCENARIOS or give PATH)\n");
			return NULL;
		}
		all[0] = suite;
		paths = all;
		npaths = 1;
	}
	if (run_select_load(paths, npaths, &sel) > 0) {
		run_selection_clear(&sel);
		free(suite);
		return NULL;
	}
	co = xcalloc(1, sizeof(*co));
	*nscenarios = 0;
	for (i = 0; i < sel.n; i++) {
		const struct scn *s = sel.v[i];

		if (s->role != SCN_ROLE_CLIENT)
			continue;
		(*nscenarios)++;
		for (j = 0; j < s->nsteps; j++) {
			const struct scn_step *st = &s->steps[j];

			if (st->kind == SCN_STEP_BODY) {
				corpus_add_body(co, st->u.file);
				continue;
			}
			if (st->kind != SCN_STEP_SEND)
				continue;
			for (k = 0; k < st->u.send.nlines; k++) {
				line = scn_expand(st->u.send.lines[k], false,
				    vars, &len, &err);
				if (line == NULL)
					continue;	/* a captured var */
				corpus_add_line(co, line, len);
				free(line);
			}
		}
	}
	for (i = 0; fz_default_lines[i] != NULL; i++) {
		line = scn_expand(fz_default_lines[i], false, vars, &len, &err);
		if (line != NULL)
			corpus_add_line(co, line, len);
		free(line);
	}
	if (co->nbodies == 0) {
		static const char small[] = "Subject: smtpcheck fuzz\r\n\r\n"
		    "hello\r\n.\r\n";

		co->bodies = xcalloc(1, sizeof(char *));
		co->bodylen = xcalloc(1, sizeof(size_t));
		co->bodies[0] = xstrdup(small);
		co->bodylen[0] = sizeof(small) - 1;
		co->nbodies = 1;
	}
	run_selection_clear(&sel);
	free(suite);
	return co;
}

void
fuzz_corpus_free(struct fuzz_corpus *co)
{
	size_t i;
	int p;

	if (co == NULL)
		return;
	for (p = 0; p < POOL_COUNT; p++) {
		for (i = 0; i < co->nlines[p]; i++)
			free(co->lines[p][i]);
		free(co->lines[p]);
	}
	for (i = 0; i < co->nbodies; i++)
		free(co->bodies[i]);
	free(co->bodies);
	free(co->bodylen);
	free(co);
}

/* ----------------------------------------------------------- skeleton */

struct fz_gen {
	struct fz_rng rng;
	const struct fuzz_corpus *co;
	const struct scn_vars *vars;
	struct fuzz_case *c;
};

/* gen_cmd - a command unit: text + CRLF, one reply. */
static struct fuzz_unit *
gen_cmd(struct fz_gen *g, const char *text, unsigned flags)
{
	char *b = xasprintf("%s\r\n", text);
	struct fuzz_unit *u;

	u = fuzz_unit_add(g->c, b, strlen(b), 1, FE_REPLIES, flags);
	free(b);
	return u;
}

static const char *
gen_pick(struct fz_gen *g, enum fz_pool p)
{
	return g->co->lines[p][rng_below(&g->rng, g->co->nlines[p])];
}

/*
 * gen_plain - the plain form of a command most of the time, a corpus
 * line otherwise: corpus lines are often meant to be refused, and a
 * session refused at EHLO or MAIL never reaches the states (message
 * text, BDAT chunks, pipelined groups) where the deeper bugs live.
 */
static char *
gen_plain(struct fz_gen *g, enum fz_pool p, const char *plain)
{
	struct sc_err err = { 0 };
	size_t len;
	char *t;

	if (rng_pct(&g->rng, 35))
		return xstrdup(gen_pick(g, p));
	t = scn_expand(plain, false, g->vars, &len, &err);
	return t != NULL ? t : xstrdup(gen_pick(g, p));
}

static const char *
gen_var(struct fz_gen *g, const char *name, const char *dflt)
{
	const char *v = scn_vars_get(g->vars, name);

	return v != NULL ? v : dflt;
}

/* gen_text - a small message of printable lines, stuffed and ended. */
static void
gen_content(struct fz_gen *g)
{
	size_t i = rng_below(&g->rng, g->co->nbodies);

	fuzz_unit_add(g->c, g->co->bodies[i], g->co->bodylen[i], 1,
	    FE_REPLIES, FU_CONTENT | FU_COUNT);
}

/* gen_bdat - one chunk: "BDAT n[ LAST]" and n octets of text. */
static void
gen_bdat(struct fz_gen *g, size_t n, bool last)
{
	char *hdr = xasprintf("BDAT %zu%s\r\n", n, last ? " LAST" : "");
	size_t hl = strlen(hdr), i;
	char *b = xmalloc(hl + n + 1);

	memcpy(b, hdr, hl);
	for (i = 0; i < n; i++)
		b[hl + i] = (i % 40 == 38) ? '\r' : (i % 40 == 39) ? '\n' :
		    (char)('a' + (char)(i % 26));
	fuzz_unit_add(g->c, b, hl + n, 1, FE_REPLIES, FU_NEED_CHUNKING);
	free(hdr);
	free(b);
}

static void
gen_skeleton(struct fz_gen *g, bool tls_starttls)
{
	size_t ntx, t, nr, r, k, nchunks;
	char *ehlo, *line;

	if (tls_starttls) {
		struct sc_err err = { 0 };
		char *e = scn_expand("EHLO ${helo}", false, g->vars, &k, &err);

		if (e != NULL)
			gen_cmd(g, e, FU_EHLO);
		free(e);
		fuzz_unit_add(g->c, "STARTTLS\r\n", 10, 1, FE_SECURE, 0);
	}
	ehlo = gen_plain(g, POOL_EHLO, "EHLO ${helo}");
	gen_cmd(g, ehlo, strncasecmp(ehlo, "EHLO", 4) == 0 ? FU_EHLO : 0);
	free(ehlo);
	ntx = 1 + rng_below(&g->rng, 2);
	for (t = 0; t < ntx; t++) {
		for (k = rng_below(&g->rng, 3); k > 0; k--)
			gen_cmd(g, gen_pick(g, POOL_OTHER), 0);
		line = gen_plain(g, POOL_MAIL, "MAIL FROM:<${sender}>");
		gen_cmd(g, line, 0);
		free(line);
		nr = 1 + rng_below(&g->rng, 3);
		for (r = 0; r < nr; r++) {
			line = gen_plain(g, POOL_RCPT, "RCPT TO:<${rcpt}>");
			gen_cmd(g, line, 0);
			free(line);
		}
		if (rng_pct(&g->rng, 80)) {
			gen_cmd(g, "DATA", FU_DATA);
			gen_content(g);
		} else {
			nchunks = 1 + rng_below(&g->rng, 3);
			for (k = 0; k < nchunks; k++)
				gen_bdat(g, rng_below(&g->rng, 200),
				    k + 1 == nchunks);
		}
	}
	if (rng_pct(&g->rng, 90))
		gen_cmd(g, "QUIT", FU_QUIT);
}

/* ---------------------------------------------------------- operators */

/* Verbs a server may know: a misspelling must not land on one. */
static const char *const fz_known_verbs[] = {
	"HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "VRFY", "EXPN",
	"HELP", "NOOP", "QUIT", "BDAT", "AUTH", "STARTTLS", "TURN", "ETRN",
	"ATRN", "SEND", "SOML", "SAML", "XCLIENT", "XFORWARD", "XEXCH50",
	"X-EXPS", "X-LINK2STATE", "XAUTH", "XSHADOW", "XQUE", "XSTA",
	"XTRN", "XUSR", "VERB", "ONEX", "LHLO", "BURL", "XADR", "XCIR",
	"XGEN", "XREMOTEQUEUE", "ESND", "ESAM", "ESOM", "EMAL", "EVFY",
	"TICK", "POST", "CHUNKING", "UNKN", NULL
};

static bool
verb_known(const char *v, size_t n)
{
	size_t i;

	for (i = 0; fz_known_verbs[i] != NULL; i++)
		if (strlen(fz_known_verbs[i]) == n &&
		    strncasecmp(fz_known_verbs[i], v, n) == 0)
			return true;
	return false;
}

/* A plain command unit: one line, one reply, no special role. */
static bool
is_cmd(const struct fuzz_unit *u)
{
	return u->expect == FE_REPLIES && u->nreplies == 1 &&
	    !(u->flags & (FU_CONTENT | FU_NEED_CHUNKING | FU_QUIT |
	    FU_CLOSE)) && u->len >= 2 &&
	    memcmp(u->bytes + u->len - 2, "\r\n", 2) == 0 &&
	    memchr(u->bytes, '\n', u->len - 1) == NULL &&
	    memchr(u->bytes, '\r', u->len - 2) == NULL;
}

static bool
is_verb(const struct fuzz_unit *u, const char *verb)
{
	size_t n = strlen(verb);

	return is_cmd(u) && u->len > n && strncasecmp(u->bytes, verb, n) == 0
	    && (u->bytes[n] == ' ' || u->bytes[n] == '\r');
}

/* pick_unit - a random unit passing ok, or -1. */
static ssize_t
pick_unit(struct fz_gen *g, bool (*ok)(const struct fuzz_unit *))
{
	size_t i, n = 0, k;

	for (i = 0; i < g->c->n; i++)
		if (ok(&g->c->u[i]))
			n++;
	if (n == 0)
		return -1;
	k = rng_below(&g->rng, n);
	for (i = 0; i < g->c->n; i++)
		if (ok(&g->c->u[i]) && k-- == 0)
			return (ssize_t)i;
	return -1;
}

static bool
ok_cmd(const struct fuzz_unit *u)
{
	return is_cmd(u) && !(u->flags & FU_DATA);
}

static bool
ok_any_cmd(const struct fuzz_unit *u)
{
	return is_cmd(u);
}

static bool
ok_mail_rcpt(const struct fuzz_unit *u)
{
	return is_verb(u, "MAIL") || is_verb(u, "RCPT");
}

static bool
ok_rcpt(const struct fuzz_unit *u)
{
	return is_verb(u, "RCPT");
}

static bool
ok_content(const struct fuzz_unit *u)
{
	return (u->flags & FU_CONTENT) && u->expect == FE_REPLIES;
}

static bool
ok_bdat(const struct fuzz_unit *u)
{
	return (u->flags & FU_NEED_CHUNKING) && u->expect == FE_REPLIES;
}

static bool
ok_writable(const struct fuzz_unit *u)
{
	return u->expect != FE_SECURE && u->expect != FE_NONE && u->len > 1;
}

/* line_body - the command text without CRLF (borrowed view). */
static size_t
line_len(const struct fuzz_unit *u)
{
	return u->len - 2;
}

/* op_verb_case - Mail From: is still MAIL FROM: (5321 2.4). */
static bool
op_verb_case(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_any_cmd);
	struct fuzz_unit *u;
	size_t k;

	if (i < 0)
		return false;
	u = &g->c->u[i];
	for (k = 0; k < line_len(u) && u->bytes[k] != ' '; k++)
		if (isalpha((unsigned char)u->bytes[k]) &&
		    rng_pct(&g->rng, 50))
			u->bytes[k] ^= 0x20;
	if (u->op == NULL)	/* keep what the write is about */
		u->op = "verb-case";
	return true;
}

/* op_verb_typo - a verb nobody defines: never 2xx (5321 4.2.4: 500). */
static bool
op_verb_typo(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_cmd);
	struct fuzz_unit *u;
	char verb[16], *b;
	size_t vl, nvl = 0, k, tries;
	bool found = false;

	if (i < 0)
		return false;
	u = &g->c->u[i];
	vl = strcspn(u->bytes, " \r");
	if (vl == 0 || vl > 8)
		return false;
	for (tries = 0; tries < 16 && !found; tries++) {
		memcpy(verb, u->bytes, vl);
		nvl = vl;
		k = rng_below(&g->rng, vl);
		switch (rng_below(&g->rng, 3)) {
		case 0:		/* replace a letter */
			verb[k] = (char)('A' + rng_below(&g->rng, 26));
			break;
		case 1:		/* double a letter */
			memmove(verb + k + 1, verb + k, vl - k);
			nvl++;
			break;
		default:	/* an X in front */
			memmove(verb + 1, verb, vl);
			verb[0] = 'X';
			nvl++;
			break;
		}
		found = !verb_known(verb, nvl);
	}
	if (!found)
		return false;
	b = xmalloc(nvl + u->len - vl + 1);
	memcpy(b, verb, nvl);
	memcpy(b + nvl, u->bytes + vl, u->len - vl);
	unit_set(u, b, nvl + u->len - vl);
	free(b);
	u->expect = FE_REFUSED;
	u->flags &= ~(FU_DATA | FU_EHLO | FU_QUIT);
	u->op = "verb-typo";
	return true;
}

/* Parameters no server defines, and values no definition allows. */
static const char *const fz_bad_mail_params[] = {
	"SIZE=abc", "SIZE=-1", "SIZE=", "SIZE=1x", "BODY=FUZZ", "BODY=",
	"RET=FUZZ", "RET=", "ENVID=+ZZ", "SMTPUTF8=yes", NULL
};
static const char *const fz_bad_rcpt_params[] = {
	"NOTIFY=FUZZ", "NOTIFY=NEVER,SUCCESS", "NOTIFY=", "ORCPT=fuzz",
	"ORCPT=rfc822", NULL
};

/* op_param - an unknown parameter (555) or a bad value (501, 555). */
static bool
op_param(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_mail_rcpt);
	struct fuzz_unit *u;
	const char *const *set;
	char *b, extra[64];
	size_t n;

	if (i < 0)
		return false;
	u = &g->c->u[i];
	set = strncasecmp(u->bytes, "MAIL", 4) == 0 ? fz_bad_mail_params :
	    fz_bad_rcpt_params;
	if (rng_pct(&g->rng, 40)) {
		snprintf(extra, sizeof(extra), "XFUZZ%u=%u",
		    (unsigned)rng_below(&g->rng, 1000),
		    (unsigned)rng_below(&g->rng, 100));
		u->op = "param-unknown";
	} else {
		for (n = 0; set[n] != NULL; n++)
			;
		snprintf(extra, sizeof(extra), "%s",
		    set[rng_below(&g->rng, n)]);
		u->op = "param-value";
	}
	b = xasprintf("%.*s %s\r\n", (int)line_len(u), u->bytes, extra);
	unit_set(u, b, strlen(b));
	free(b);
	u->expect = FE_REFUSED;
	return true;
}

/* op_param_repeat - a parameter twice, or two that disagree. Servers
 * differ; only the oracles of every reply apply. */
static bool
op_param_repeat(struct fz_gen *g)
{
	static const char *const pairs[] = {
		"BODY=7BIT BODY=8BITMIME", "SIZE=10 SIZE=20",
		"RET=FULL RET=HDRS", "SMTPUTF8 SMTPUTF8", NULL
	};
	ssize_t i = pick_unit(g, ok_mail_rcpt);
	struct fuzz_unit *u;
	char *b;

	if (i < 0)
		return false;
	u = &g->c->u[i];
	b = xasprintf("%.*s %s\r\n", (int)line_len(u), u->bytes,
	    pairs[rng_below(&g->rng, 4)]);
	unit_set(u, b, strlen(b));
	free(b);
	u->op = "param-repeat";
	return true;
}

/* Lengths around every limit of 5321 4.5.3.1 and common buffers. */
static const size_t fz_lengths[] = {
	63, 64, 65, 255, 256, 257, 510, 511, 512, 513, 998, 999, 1000, 1001,
	2047, 2048, 2049, 4095, 4096, 4097, 8192, 10000
};
#define FZ_NLENGTHS	(sizeof(fz_lengths) / sizeof(fz_lengths[0]))

/* op_path_length - a local part or domain of a limit's length. */
static bool
op_path_length(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_mail_rcpt);
	struct fuzz_unit *u;
	size_t n = fz_lengths[rng_below(&g->rng, 12)];
	char *part, *b;
	const char *lt;
	bool local = rng_pct(&g->rng, 50);

	if (i < 0)
		return false;
	u = &g->c->u[i];
	lt = memchr(u->bytes, '<', u->len);
	if (lt == NULL)
		return false;
	part = xmalloc(n + 1);
	memset(part, local ? 'l' : 'd', n);
	part[n] = '\0';
	if (!local) {		/* labels of at most 63 */
		size_t k;

		for (k = 63; k < n; k += 64)
			part[k] = '.';
	}
	b = xasprintf("%.*s<%s@%s>\r\n", (int)(lt - u->bytes), u->bytes,
	    local ? part : "example.test", local ? "example.test" : part);
	unit_set(u, b, strlen(b));
	free(b);
	free(part);
	u->flags |= FU_COUNT;
	u->op = "path-length";
	return true;
}

/* op_line_length - one command line of a limit's length: one reply. */
static bool
op_line_length(struct fz_gen *g)
{
	static const char *const verbs[] = { "NOOP ", "HELP ", "VRFY ",
		"RSET ", "MAIL FROM:<", NULL };
	size_t n = fz_lengths[6 + rng_below(&g->rng, FZ_NLENGTHS - 6)];
	const char *v = verbs[rng_below(&g->rng, 5)];
	size_t vl = strlen(v), i = 1 + rng_below(&g->rng, g->c->n);
	char *b;

	if (n < vl + 3)
		return false;
	b = xmalloc(n + 1);
	memcpy(b, v, vl);
	memset(b + vl, 'x', n - vl - 2);
	memcpy(b + n - 2, "\r\n", 2);
	if (i > g->c->n - 1)
		i = g->c->n - 1;
	/* before the last unit (QUIT), never inside a message */
	while (i > 0 && (g->c->u[i].flags & FU_CONTENT))
		i--;
	if (unit_insert(g->c, i, b, n, 1, FE_REPLIES, FU_COUNT) != NULL)
		g->c->u[i].op = "line-length";
	free(b);
	return true;
}

/* op_bare - a bare LF or CR inside a command line: still one line, one
 * reply (5321 2.3.8: only CRLF ends a line). */
static bool
op_bare(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_cmd);
	struct fuzz_unit *u;
	size_t at;
	char *b;
	bool lf = rng_pct(&g->rng, 50);

	if (i < 0)
		return false;
	u = &g->c->u[i];
	if (line_len(u) < 2)
		return false;
	at = 1 + rng_below(&g->rng, line_len(u) - 1);
	b = xmalloc(u->len + 2);
	memcpy(b, u->bytes, at);
	b[at] = lf ? '\n' : '\r';
	memcpy(b + at + 1, u->bytes + at, u->len - at);
	unit_set(u, b, u->len + 1);
	free(b);
	u->flags &= ~(FU_DATA | FU_EHLO | FU_QUIT);
	u->flags |= FU_COUNT;
	u->op = lf ? "bare-lf" : "bare-cr";
	return true;
}

/* op_nul - NUL inside a path: no mailbox has one (5321 4.1.2). */
static bool
op_nul(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_mail_rcpt);
	struct fuzz_unit *u;
	const char *lt, *gt;
	size_t at;
	char *b;

	if (i < 0)
		return false;
	u = &g->c->u[i];
	lt = memchr(u->bytes, '<', u->len);
	gt = lt != NULL ? memchr(lt, '>', u->len - (size_t)(lt - u->bytes)) :
	    NULL;
	if (lt == NULL || gt == NULL)
		return false;
	/* in the path, or just after it (a server cutting at the NUL
	 * would see a valid command) */
	at = rng_pct(&g->rng, 50) && gt > lt + 1 ?
	    (size_t)(lt - u->bytes) + 1 + rng_below(&g->rng,
	    (size_t)(gt - lt - 1)) : (size_t)(gt - u->bytes) + 1;
	b = xmalloc(u->len + 8);
	memcpy(b, u->bytes, at);
	memcpy(b + at, "\0junk", 5);
	memcpy(b + at + 5, u->bytes + at, u->len - at);
	unit_set(u, b, u->len + 5);
	free(b);
	u->expect = FE_REFUSED;
	u->op = "nul";
	return true;
}

/* The MAIL line of the transaction unit i belongs to, or -1. */
static ssize_t
mail_of(const struct fuzz_case *c, size_t i)
{
	for (;;) {
		if (is_verb(&c->u[i], "MAIL"))
			return (ssize_t)i;
		if (i == 0)
			return -1;
		i--;
	}
}

/* op_eightbit - an 8-bit local part without SMTPUTF8 (5321 4.1.2; RFC
 * 6531 3.4: only with the parameter). */
static bool
op_eightbit(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_mail_rcpt), m;
	struct fuzz_unit *u;
	const char *lt;
	char *b;

	if (i < 0)
		return false;
	m = mail_of(g->c, (size_t)i);
	if (m >= 0 && strcasestr(g->c->u[m].bytes, "SMTPUTF8") != NULL)
		return false;
	u = &g->c->u[i];
	lt = memchr(u->bytes, '<', u->len);
	if (lt == NULL)
		return false;
	b = xasprintf("%.*s<j\xc3\xb6s\xc3\xa9@example.test>\r\n",
	    (int)(lt - u->bytes), u->bytes);
	unit_set(u, b, strlen(b));
	free(b);
	u->expect = FE_REFUSED;
	u->op = "eightbit";
	return true;
}

/* op_rcpt_flood - 100 to 1000 recipients, pipelined or one by one. */
static bool
op_rcpt_flood(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_rcpt);
	size_t n = 100 + rng_below(&g->rng, 901), k, len, at;
	struct fuzz_unit *u;
	char *b;

	if (i < 0)
		return false;
	u = &g->c->u[i];
	len = u->len;
	if (rng_pct(&g->rng, 50)) {
		b = xmalloc(len * n);
		for (k = 0; k < n; k++)
			memcpy(b + k * len, u->bytes, len);
		unit_set(u, b, len * n);
		free(b);
		u->nreplies = (int)n;
		u->flags |= FU_NEED_PIPELINING | FU_COUNT;
		u->op = "rcpt-flood";
		return true;
	}
	b = xmemdup(u->bytes, len);
	for (k = 1, at = (size_t)i + 1; k < n && k < 200; k++, at++)
		if (unit_insert(g->c, at, b, len, 1, FE_REPLIES, 0) != NULL)
			g->c->u[at].op = "rcpt-flood";
	free(b);
	g->c->u[i].op = "rcpt-flood";
	return true;
}

/* Garbage that may follow a valid command in one write. */
static const char *const fz_garbage[] = {
	"XYZZY", "MAIL", "RCPT TO", "DATAX", "\x01\x02\x03", "%s%s%n",
	"NOOP", "RSET", "HELO", "...", "", "\xff\xfe", NULL
};

/* op_pipeline_garbage - lines behind a command in one write: each
 * answered, in order (RFC 2920 3.1). */
static bool
op_pipeline_garbage(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_cmd);
	struct fuzz_unit *u;
	size_t k, n = 1 + rng_below(&g->rng, 4), ng, len;
	char *b, *t;

	if (i < 0)
		return false;
	for (ng = 0; fz_garbage[ng] != NULL; ng++)
		;
	u = &g->c->u[i];
	b = xmemdup(u->bytes, u->len);
	len = u->len;
	for (k = 0; k < n; k++) {
		t = xasprintf("%.*s%s\r\n", (int)len, b,
		    fz_garbage[rng_below(&g->rng, ng)]);
		free(b);
		b = t;
		len = strlen(b);
	}
	unit_set(u, b, len);
	free(b);
	u->nreplies += (int)n;
	u->flags |= FU_NEED_PIPELINING | FU_COUNT;
	u->flags &= ~FU_QUIT;
	u->op = "pipeline-garbage";
	return true;
}

/* op_pipeline_group - MAIL, the RCPTs and DATA in one write. */
static bool
op_pipeline_group(struct fz_gen *g)
{
	ssize_t m = pick_unit(g, ok_mail_rcpt);
	struct fuzz_case *c = g->c;
	struct fuzz_unit *u;
	size_t j, len;
	char *b;

	if (m < 0)
		return false;
	u = &c->u[m];
	b = xmemdup(u->bytes, u->len);
	len = u->len;
	for (j = (size_t)m + 1; j < c->n && is_cmd(&c->u[j]) &&
	    c->u[j].expect == FE_REPLIES;) {
		bool data = c->u[j].flags & FU_DATA;

		b = xrealloc(b, len + c->u[j].len);
		memcpy(b + len, c->u[j].bytes, c->u[j].len);
		len += c->u[j].len;
		u->nreplies += 1;
		fuzz_unit_remove(c, j);
		u = &c->u[m];
		if (data) {	/* DATA ends a group (RFC 2920 3.1) */
			u->flags |= FU_DATA;
			break;
		}
	}
	unit_set(u, b, len);
	free(b);
	u->flags |= FU_NEED_PIPELINING | FU_COUNT;
	u->op = "pipeline-group";
	return true;
}

/* op_split - one write cut in two: the server must wait for CRLF. */
static bool
op_split(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_writable);
	struct fuzz_unit *u;

	if (i < 0)
		return false;
	u = &g->c->u[i];
	u->split = 1 + rng_below(&g->rng, u->len - 1);
	if (u->op == NULL)	/* keep what the write is about */
		u->op = "split";
	return true;
}

/* op_drip - one octet at a time. */
static bool
op_drip(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_any_cmd);
	struct fuzz_unit *u;

	if (i < 0 || g->c->u[i].len > FUZZ_DRIP_MAX)
		return false;
	u = &g->c->u[i];
	u->drip_ms = 1 + (int)rng_below(&g->rng, 5);
	if (u->op == NULL)	/* keep what the write is about */
		u->op = "drip";
	return true;
}

/* op_abrupt_close - cut the session inside a unit and close. */
static bool
op_abrupt_close(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_writable);
	struct fuzz_unit *u;

	if (i < 0)
		return false;
	while (g->c->n > (size_t)i + 1)
		fuzz_unit_remove(g->c, g->c->n - 1);
	u = &g->c->u[i];
	u->len = 1 + rng_below(&g->rng, u->len - 1);
	if (u->split >= u->len)
		u->split = 0;
	u->expect = FE_NONE;
	u->flags = (u->flags & (FU_NEED_PIPELINING | FU_NEED_CHUNKING |
	    FU_CONTENT)) | FU_CLOSE;
	u->op = "abrupt-close";
	return true;
}

/* op_bdat - chunk sizes at the edges, bad counts, a count never sent. */
static bool
op_bdat(struct fz_gen *g)
{
	static const char *const bad[] = { "BDAT abc", "BDAT -1", "BDAT",
		"BDAT 0x10", "BDAT +5", NULL };
	ssize_t i = pick_unit(g, ok_bdat);
	struct fuzz_unit *u;
	size_t n, hl, k;
	char *b, *hdr;
	bool last;

	if (i < 0)
		return false;
	u = &g->c->u[i];
	hl = (size_t)((char *)memmem(u->bytes, u->len, "\r\n", 2) -
	    u->bytes);
	last = memmem(u->bytes, hl, " LAST", 5) != NULL;
	switch (rng_below(&g->rng, 4)) {
	case 3: {	/* CRLF.CRLF and a command inside the chunk: octets,
			   not an end of data (RFC 3030 2) */
		static const char in[] = "text\r\n.\r\nRSET\r\nNOOP\r\n";

		hdr = xasprintf("BDAT %zu%s\r\n", sizeof(in) - 1,
		    last ? " LAST" : "");
		b = xasprintf("%s%s", hdr, in);
		unit_set(u, b, strlen(b));
		free(b);
		free(hdr);
		u->flags |= FU_COUNT;
		break;
	}
	case 0:		/* a size at an edge, really sent */
		n = rng_pct(&g->rng, 50) ? rng_below(&g->rng, 3) :
		    65536 * (1 + rng_below(&g->rng, 16)) +
		    rng_below(&g->rng, 3) - 1;
		hdr = xasprintf("BDAT %zu%s\r\n", n, last ? " LAST" : "");
		hl = strlen(hdr);
		b = xmalloc(hl + n + 1);
		memcpy(b, hdr, hl);
		for (k = 0; k < n; k++)
			b[hl + k] = (char)rng_below(&g->rng, 256);
		unit_set(u, b, hl + n);
		free(b);
		free(hdr);
		u->flags |= FU_COUNT;
		break;
	case 1:		/* no count to read: refused at once */
		for (n = 0; bad[n] != NULL; n++)
			;
		b = xasprintf("%s\r\n", bad[rng_below(&g->rng, n)]);
		unit_set(u, b, strlen(b));
		free(b);
		u->expect = FE_REFUSED;
		break;
	default:	/* a huge count, then we leave */
		b = xasprintf("BDAT %s LAST\r\nsome octets",
		    rng_pct(&g->rng, 50) ? "99999999999999999999" :
		    "18446744073709551615");
		unit_set(u, b, strlen(b));
		free(b);
		while (g->c->n > (size_t)i + 1)
			fuzz_unit_remove(g->c, g->c->n - 1);
		u->expect = FE_NONE;
		u->flags |= FU_CLOSE;
		break;
	}
	u->op = "bdat";
	return true;
}

/* False ends of data: only CRLF.CRLF ends it (5321 4.1.1.4). */
static const struct { const char *s; size_t len; } fz_false_ends[] = {
	{ "\n.\n", 3 }, { "\r.\r", 3 }, { "\n.\r\n", 4 }, { "\r.\r\n", 4 },
	{ "\r\n.\n", 4 }, { "\r\n.\r", 4 }, { "\n.\r", 3 },
	{ "\r\n..\r\n", 6 }, { "\r\n\0.\r\n", 6 }, { "\r\n .\r\n", 6 },
};
#define FZ_NFALSE_ENDS	(sizeof(fz_false_ends) / sizeof(fz_false_ends[0]))

/* op_smuggle - a false end of data and a whole transaction behind it:
 * one reply for the message, none for what it hid. */
static bool
op_smuggle(struct fz_gen *g)
{
	ssize_t i = pick_unit(g, ok_content);
	struct fuzz_unit *u;
	size_t n, e;
	char *b, *tail;

	if (i < 0)
		return false;
	e = rng_below(&g->rng, FZ_NFALSE_ENDS);
	tail = xasprintf("MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n"
	    "Subject: smuggled\r\n\r\nsmuggled\r\n.\r\n",
	    gen_var(g, "sender", "fuzz@example.test"),
	    gen_var(g, "rcpt", "postmaster@example.test"));
	b = xmalloc(64 + fz_false_ends[e].len + strlen(tail));
	n = (size_t)snprintf(b, 64, "Subject: smtpcheck fuzz\r\n\r\nbody");
	memcpy(b + n, fz_false_ends[e].s, fz_false_ends[e].len);
	n += fz_false_ends[e].len;
	memcpy(b + n, tail, strlen(tail));
	n += strlen(tail);
	u = &g->c->u[i];
	unit_set(u, b, n);
	free(b);
	free(tail);
	u->expect = FE_SMUGGLE;
	u->op = "smuggle";
	return true;
}

/* op_content - message text with odd octets: one reply at the end. */
static bool
op_content(struct fz_gen *g)
{
	static const char *const odd[] = { "\r", "\n", "\0", "\xff",
		"\x1b[0m", "\r\r\n", "\n\n", NULL };
	ssize_t i = pick_unit(g, ok_content);
	struct fuzz_unit *u;
	size_t n, k, len;
	char *b;

	if (i < 0)
		return false;
	u = &g->c->u[i];
	len = 0;
	b = xmalloc(32768);
	len += (size_t)snprintf(b, 64, "Subject: fuzz\r\n\r\n");
	for (k = 0; k < 4; k++) {
		const char *o;

		for (n = 0; odd[n] != NULL; n++)
			;
		o = odd[rng_below(&g->rng, n)];
		memcpy(b + len, "line ", 5);
		len += 5;
		/* "\0" has length 0 as a string: one octet */
		if (o[0] == '\0') {
			b[len++] = '\0';
		} else {
			memcpy(b + len, o, strlen(o));
			len += strlen(o);
		}
		memcpy(b + len, "x\r\n", 3);
		len += 3;
	}
	if (rng_pct(&g->rng, 50)) {	/* a long line */
		n = fz_lengths[10 + rng_below(&g->rng, FZ_NLENGTHS - 10)];
		if (n > 20000)
			n = 20000;
		memset(b + len, 'y', n);
		len += n;
		memcpy(b + len, "\r\n", 2);
		len += 2;
	}
	memcpy(b + len, ".\r\n", 3);
	len += 3;
	unit_set(u, b, len);
	free(b);
	u->op = "content";
	return true;
}

/* fill - tmpl with its "%s" (if any) replaced by v; owned. */
static char *
fill(const char *tmpl, const char *v)
{
	const char *pc = strstr(tmpl, "%s");

	if (pc == NULL)
		return xstrdup(tmpl);
	return xasprintf("%.*s%s%s", (int)(pc - tmpl), tmpl, v, pc + 2);
}

/* op_starttls_inject - a command behind STARTTLS in one write: nothing
 * read before the handshake may be acted on after it (RFC 3207 4.2). */
static bool
op_starttls_inject(struct fz_gen *g)
{
	static const char *const behind[] = { "NOOP", "RSET",
		"MAIL FROM:<%s>", "HELP", NULL };
	ssize_t i;
	size_t n, at;
	char *cmd, *b, *e;
	size_t el;
	struct sc_err err = { 0 };

	for (i = 0; i < (ssize_t)g->c->n; i++)
		if (g->c->u[i].flags & FU_EHLO)
			break;
	if (i == (ssize_t)g->c->n || g->c->u[i].expect == FE_SECURE)
		return false;
	at = (size_t)i + 1;
	if (at < g->c->n && g->c->u[at].expect == FE_SECURE)
		return false;	/* --tls starttls: the session is in TLS */
	for (n = 0; behind[n] != NULL; n++)
		;
	cmd = fill(behind[rng_below(&g->rng, n)],
	    gen_var(g, "sender", "fuzz@example.test"));
	b = xasprintf("STARTTLS\r\n%s\r\n", cmd);
	free(cmd);
	if (unit_insert(g->c, at, b, strlen(b), 2, FE_STARTTLS,
	    FU_NEED_STARTTLS) != NULL) {
		g->c->u[at].op = "starttls-inject";
		e = scn_expand("EHLO ${helo}", false, g->vars, &el, &err);
		if (e != NULL) {
			char *line = xasprintf("%s\r\n", e);

			unit_insert(g->c, at + 1, line, strlen(line), 1,
			    FE_REPLIES, FU_EHLO);
			free(line);
		}
		free(e);
	}
	free(b);
	return true;
}

/* op_sequence - a command where it does not belong: one reply. */
static bool
op_sequence(struct fz_gen *g)
{
	static const char *const cmds[] = { "RSET", "DATA", "MAIL FROM:<>",
		"RCPT TO:<%s>", "EHLO %s", "HELO %s", "NOOP", NULL };
	size_t n, at, k;
	char *t;
	const char *f;

	for (n = 0; cmds[n] != NULL; n++)
		;
	f = cmds[rng_below(&g->rng, n)];
	t = fill(f, strncmp(f, "RCPT", 4) == 0 ?
	    gen_var(g, "rcpt", "postmaster@example.test") :
	    gen_var(g, "helo", "fuzz.example.test"));
	at = rng_below(&g->rng, g->c->n);
	for (k = 0; k < g->c->n && at > 0 &&
	    ((g->c->u[at].flags & FU_CONTENT) ||
	    (g->c->u[at - 1].flags & FU_DATA) ||
	    g->c->u[at - 1].expect == FE_SECURE); k++)
		at--;
	{
		char *line = xasprintf("%s\r\n", t);
		unsigned fl = strcmp(t, "DATA") == 0 ? FU_DATA :
		    strncmp(t, "EHLO", 4) == 0 ? FU_EHLO : 0;

		if (unit_insert(g->c, at, line, strlen(line), 1, FE_REPLIES,
		    fl) != NULL) {
			g->c->u[at].op = "sequence";
			if (fl == FU_DATA) {
				static const char txt[] = "Subject: out of "
				    "sequence\r\n\r\nx\r\n.\r\n";

				unit_insert(g->c, at + 1, txt, sizeof(txt) - 1,
				    1, FE_REPLIES, FU_CONTENT | FU_COUNT);
			}
		}
		free(line);
	}
	free(t);
	return true;
}

struct fz_op {
	const char *name;
	bool	 (*fn)(struct fz_gen *);
	unsigned weight;
};

static const struct fz_op fz_ops[] = {
	{ "verb-case", op_verb_case, 3 },
	{ "verb-typo", op_verb_typo, 6 },
	{ "param", op_param, 8 },
	{ "param-repeat", op_param_repeat, 3 },
	{ "path-length", op_path_length, 4 },
	{ "line-length", op_line_length, 5 },
	{ "bare", op_bare, 6 },
	{ "nul", op_nul, 5 },
	{ "eightbit", op_eightbit, 4 },
	{ "rcpt-flood", op_rcpt_flood, 2 },
	{ "pipeline-garbage", op_pipeline_garbage, 5 },
	{ "pipeline-group", op_pipeline_group, 5 },
	{ "split", op_split, 4 },
	{ "drip", op_drip, 2 },
	{ "abrupt-close", op_abrupt_close, 2 },
	{ "bdat", op_bdat, 4 },
	{ "smuggle", op_smuggle, 6 },
	{ "content", op_content, 4 },
	{ "starttls-inject", op_starttls_inject, 3 },
	{ "sequence", op_sequence, 4 },
	{ NULL, NULL, 0 }
};

void
fuzz_case_gen(struct fuzz_case *c, const struct fuzz_corpus *co,
    const struct scn_vars *vars, uint64_t seed, uint64_t index,
    bool tls_starttls)
{
	struct fz_gen g;
	unsigned total = 0, w;
	size_t i, nops, k;

	memset(c, 0, sizeof(*c));
	c->seed = seed;
	c->index = index;
	g.rng.s = fuzz_mix(seed ^ fuzz_mix(index + 1));
	g.co = co;
	g.vars = vars;
	g.c = c;
	gen_skeleton(&g, tls_starttls);
	for (i = 0; fz_ops[i].name != NULL; i++)
		total += fz_ops[i].weight;
	nops = 1 + rng_below(&g.rng, 3);
	for (k = 0; k < nops; k++) {
		w = (unsigned)rng_below(&g.rng, total);
		for (i = 0; w >= fz_ops[i].weight; i++)
			w -= fz_ops[i].weight;
		if (fz_ops[i].fn(&g)) {
			size_t l = strlen(c->ops);

			snprintf(c->ops + l, sizeof(c->ops) - l, "%s%s",
			    l > 0 ? "+" : "", fz_ops[i].name);
		}
	}
	if (c->ops[0] == '\0')
		snprintf(c->ops, sizeof(c->ops), "none");
}

/* ------------------------------------------------------------ escaping */

/* esc_byte - one octet in send-raw syntax into o (at most 4 chars). */
static size_t
esc_byte(unsigned char ch, char *o)
{
	switch (ch) {
	case '\r': memcpy(o, "\\r", 2); return 2;
	case '\n': memcpy(o, "\\n", 2); return 2;
	case '\t': memcpy(o, "\\t", 2); return 2;
	case '\0': memcpy(o, "\\0", 2); return 2;
	case '\\': memcpy(o, "\\\\", 2); return 2;
	case '"': memcpy(o, "\\\"", 2); return 2;
	default:
		if (ch < 0x20 || ch >= 0x7f || ch == '$' || ch == '{' ||
		    ch == '}' || ch == '#') {
			snprintf(o, 5, "\\x%02X", ch);
			return 4;
		}
		o[0] = (char)ch;
		return 1;
	}
}

#define FZ_RUN_MIN	16	/* shorter runs are written out */

char *
fuzz_esc_raw(const char *p, size_t len)
{
	size_t i = 0, o = 0, cap = len * 4 + 64, run;
	char *out = xmalloc(cap);

	while (i < len) {
		for (run = 1; i + run < len && p[i + run] == p[i]; run++)
			;
		if (o + 64 > cap) {
			cap *= 2;
			out = xrealloc(out, cap);
		}
		if (run >= FZ_RUN_MIN) {
			char e[5];
			size_t el = esc_byte((unsigned char)p[i], e);

			o += (size_t)snprintf(out + o, cap - o,
			    "${repeat:%zu:%.*s}", run, (int)el, e);
			i += run;
			continue;
		}
		o += esc_byte((unsigned char)p[i], out + o);
		i++;
	}
	out[o] = '\0';
	return out;
}
