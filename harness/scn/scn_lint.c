/* SPDX-License-Identifier: ISC */
/*
 * scn_lint.c - checks on a parsed scenario that the grammar cannot make:
 * variables against built-ins, `requires var` and earlier captures; the
 * order of connect, I/O and close; ids unique across a set of files.
 *
 * Decisions: a `requires var NAME` declares NAME (it must come from a
 * profile or --var, or the scenario is skipped); the connection rules are
 * for the client role, except that an expect of a reply before any
 * connect is an error in every role; after the harness's own `close`,
 * steps that talk to the peer need a new `connect` (after `expect close`
 * they do not: at SHOULD or MAY level a scenario goes on when the peer
 * stays).
 */
#include "scn_lint.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_util.h"
#include "scn.h"
#include "scn_parse.h"
#include "scn_vars.h"

struct scn_lint_ref {
	char	*name;
	int	 line, col;
};

struct scn_lint_refs {
	struct scn_lint_ref *v;
	size_t	 n, cap;
};

/* scn_lint_ref_add - the parser saw ${name} at line:col. */
static void
scn_lint_ref_add(void *arg, const char *name, size_t namelen, int line,
    int col)
{
	struct scn_lint_refs *r = arg;

	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 16 : r->cap * 2;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	r->v[r->n].name = xstrndup(name, namelen);
	r->v[r->n].line = line;
	r->v[r->n].col = col;
	r->n++;
}

/* scn_lint_refs_clear - free the references. */
static void
scn_lint_refs_clear(struct scn_lint_refs *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].name);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* scn_lint_step_word - the keyword a step was written with, for messages:
 * the first word of its source ("pipeline", "send", "expect"). */
static void
scn_lint_step_word(const struct scn_step *st, char *buf, size_t size)
{
	size_t n;

	if (st->src == NULL) {
		snprintf(buf, size, "%s", scn_step_kind_str(st->kind));
		return;
	}
	n = strcspn(st->src, " \t:");
	snprintf(buf, size, "%.*s", (int)n, st->src);
}

/* scn_lint_known - is name declared by `requires var` or captured by one
 * of the first nsteps steps? */
static bool
scn_lint_known(const struct scn *s, size_t nsteps, const char *name)
{
	size_t i;

	for (i = 0; i < s->nreq; i++)
		if (s->req[i].kind == SCN_REQ_VAR &&
		    strcmp(s->req[i].arg, name) == 0)
			return true;
	for (i = 0; i < nsteps; i++)
		if (s->steps[i].kind == SCN_STEP_CAPTURE &&
		    strcmp(s->steps[i].u.capture.var, name) == 0)
			return true;
	return false;
}

/* scn_lint_var - one reference made by step i. */
static int
scn_lint_var(const struct scn *s, size_t i, const struct scn_lint_ref *r,
    const char *const *builtins, struct sc_err *err)
{
	const char *near;

	if (scn_vars_is_builtin(r->name) || scn_lint_known(s, i, r->name))
		return 0;
	near = scn_parse_suggest(r->name, builtins);
	if (near != NULL)
		sc_err_set(err, s->path, r->line, r->col, "unknown variable "
		    "\"%s\" (did you mean \"%s\"?)", r->name, near);
	else
		sc_err_set(err, s->path, r->line, r->col, "unknown variable "
		    "\"%s\": not built in, not set by an earlier capture, "
		    "not named by \"requires var\"", r->name);
	return -1;
}

/* scn_lint_talks - does the step send to or read from the peer? */
static bool
scn_lint_talks(enum scn_step_kind k)
{
	switch (k) {
	case SCN_STEP_SEND:
	case SCN_STEP_SEND_RAW:
	case SCN_STEP_BODY:
	case SCN_STEP_BODY_RAW:
	case SCN_STEP_EXPECT_REPLY:
	case SCN_STEP_EXPECT_CLOSE:
	case SCN_STEP_EXPECT_SILENCE:
	case SCN_STEP_CLOSE:
		return true;
	default:
		return false;
	}
}

/*
 * scn_lint_role_step - a step that only one role can play: `connect`,
 * reply expectations, keywords, captures and the client's TLS steps are
 * the client's; `accept`, `expect command`, `expect body` and `expect
 * exit` the server's. The server's `starttls` takes no options.
 */
static int
scn_lint_role_step(const struct scn *s, const struct scn_step *st,
    const char *word, struct sc_err *err)
{
	bool client = s->role == SCN_ROLE_CLIENT, ok = true;

	switch (st->kind) {
	case SCN_STEP_CONNECT:
	case SCN_STEP_EXPECT_REPLY:
	case SCN_STEP_EXPECT_KEYWORD:
	case SCN_STEP_EXPECT_NO_KEYWORD:
	case SCN_STEP_CAPTURE:
	case SCN_STEP_SECURE:
	case SCN_STEP_EXPECT_TLS:
	case SCN_STEP_BODY:
	case SCN_STEP_BODY_RAW:
		ok = client;
		break;
	case SCN_STEP_ACCEPT:
	case SCN_STEP_EXPECT_COMMAND:
	case SCN_STEP_EXPECT_BODY:
	case SCN_STEP_EXPECT_EXIT:
	case SCN_STEP_EXPECT_QUIT:
	case SCN_STEP_EXPECT_AUTH:
		ok = !client;
		break;
	case SCN_STEP_STARTTLS:
		if (!client && (st->u.starttls.any_cert ||
		    st->u.starttls.fails || st->u.starttls.min_version != 0 ||
		    st->u.starttls.max_version != 0 ||
		    st->u.starttls.ciphers != NULL)) {
			sc_err_set(err, s->path, st->line, 1, "\"starttls\" "
			    "takes only or-close in a server scenario");
			return -1;
		}
		if (client && st->u.starttls.or_close) {
			sc_err_set(err, s->path, st->line, 1, "\"or-close\" "
			    "is for server scenarios");
			return -1;
		}
		break;
	default:
		break;
	}
	if (ok)
		return 0;
	sc_err_set(err, s->path, st->line, 1, "\"%s\" is a %s-role step; "
	    "this scenario is role %s", word, client ? "server" : "client",
	    client ? "client" : "server");
	return -1;
}

/* scn_lint_check - the semantic checks over a parsed scenario. */
static int
scn_lint_check(const struct scn *s, const struct scn_lint_refs *refs,
    struct sc_err *err)
{
	const char *builtins[SCN_VARS_MAX + 1];
	const struct scn_step *st;
	struct scn_vars *v;
	const char *value;
	char word[32];
	size_t i, r, nb;
	int next_line, closed_line, rc;
	bool client, connected;

	v = scn_vars_new();
	nb = scn_vars_count(v);
	for (i = 0; i < nb; i++)
		scn_vars_at(v, i, &builtins[i], &value);
	builtins[nb] = NULL;
	client = s->role == SCN_ROLE_CLIENT;
	connected = false;
	closed_line = 0;
	rc = 0;
	for (i = 0, r = 0; i < s->nsteps && rc == 0; i++) {
		st = &s->steps[i];
		next_line = i + 1 < s->nsteps ? s->steps[i + 1].line : INT_MAX;
		scn_lint_step_word(st, word, sizeof(word));
		if (scn_lint_role_step(s, st, word, err) == -1) {
			rc = -1;
		} else if (!client && !connected &&
		    st->kind != SCN_STEP_ACCEPT &&
		    st->kind != SCN_STEP_PAUSE) {
			sc_err_set(err, s->path, st->line, 1, "\"%s\" before "
			    "\"accept\": a server scenario waits for the "
			    "client first", word);
			rc = -1;
		} else if (client && !connected &&
		    st->kind != SCN_STEP_CONNECT &&
		    st->kind != SCN_STEP_PAUSE) {
			sc_err_set(err, s->path, st->line, 1, "\"%s\" before "
			    "\"connect\": a client scenario connects first",
			    word);
			rc = -1;
		} else if (!connected && st->kind == SCN_STEP_EXPECT_REPLY) {
			sc_err_set(err, s->path, st->line, 1, "\"%s\" before "
			    "any \"connect\": there is no reply to read yet",
			    word);
			rc = -1;
		} else if (client && closed_line != 0 &&
		    scn_lint_talks(st->kind)) {
			sc_err_set(err, s->path, st->line, 1, "\"%s\" after "
			    "\"close\" on line %d: \"connect\" again first",
			    word, closed_line);
			rc = -1;
		}
		if (st->kind == SCN_STEP_CONNECT || st->kind == SCN_STEP_ACCEPT) {
			connected = true;
			closed_line = 0;
		} else if (st->kind == SCN_STEP_CLOSE)
			closed_line = st->line;
		for (; rc == 0 && r < refs->n && refs->v[r].line < next_line;
		    r++)
			rc = scn_lint_var(s, i, &refs->v[r], builtins, err);
	}
	scn_vars_free(v);
	return rc;
}

/* scn_lint_buf - parse a buffer and check it. */
int
scn_lint_buf(const char *path, const char *buf, size_t len,
    struct scn **out, struct sc_err *err)
{
	struct scn_lint_refs refs;
	struct scn *s;

	memset(&refs, 0, sizeof(refs));
	if (out != NULL)
		*out = NULL;
	s = scn_parse_buf_refs(path, buf, len, err, scn_lint_ref_add, &refs);
	if (s != NULL && scn_lint_check(s, &refs, err) == -1) {
		scn_free(s);
		s = NULL;
	}
	scn_lint_refs_clear(&refs);
	if (s == NULL)
		return -1;
	if (out != NULL)
		*out = s;
	else
		scn_free(s);
	return 0;
}

/* scn_lint_file - read path, then scn_lint_buf. */
int
scn_lint_file(const char *path, struct scn **out, struct sc_err *err)
{
	char *buf;
	size_t len;
	int rc;

	if (out != NULL)
		*out = NULL;
	buf = sc_read_file(path, SCN_FILE_MAX, &len, err);
	if (buf == NULL)
		return -1;
	rc = scn_lint_buf(path, buf, len, out, err);
	free(buf);
	return rc;
}

struct scn_lint_id {
	const char	*id;
	size_t		 i;
};

/* scn_lint_id_cmp - by id, then by position in the set. */
static int
scn_lint_id_cmp(const void *a, const void *b)
{
	const struct scn_lint_id *x = a, *y = b;
	int c;

	c = strcmp(x->id, y->id);
	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* scn_lint_ids - sort the ids; neighbours that are equal are duplicates. */
int
scn_lint_ids(struct scn **v, size_t n, struct sc_err *err)
{
	struct scn_lint_id *ids;
	size_t i, k;
	int rc = 0;

	ids = xcalloc(n, sizeof(*ids));
	for (i = 0, k = 0; i < n; i++)
		if (v[i] != NULL && v[i]->id != NULL) {
			ids[k].id = v[i]->id;
			ids[k].i = i;
			k++;
		}
	qsort(ids, k, sizeof(*ids), scn_lint_id_cmp);
	for (i = 0; i + 1 < k; i++) {
		if (strcmp(ids[i].id, ids[i + 1].id) != 0)
			continue;
		sc_err_set(err, v[ids[i + 1].i]->path, 0, 0, "duplicate id "
		    "\"%s\": %s has it too", ids[i].id, v[ids[i].i]->path);
		rc = -1;
		break;
	}
	free(ids);
	return rc;
}
