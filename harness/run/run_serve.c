/* SPDX-License-Identifier: ISC */
/*
 * run_serve.c - the fake server: play one server-role scenario to an SMTP
 * client under test and judge what the client does.
 *
 * One session per scenario, on a listening socket the caller owns. With a
 * client command the session starts the client (through /bin/sh, its
 * {placeholders} filled and shell-quoted), and at the end waits for it,
 * killing it if it outlives the scenario; its exit status can be judged
 * (`expect exit`) and its output goes into the transcript. Without one,
 * the next client to connect is the one judged.
 *
 * Reading from the client is line by line (up to LF) for commands and up
 * to CRLF.CRLF for message text, each under a deadline and a size limit.
 * A client MUST end lines with CRLF (RFC 5321 2.3.8): a bare LF is a FAIL
 * whatever the scenario checks. Verdicts follow the scenario's level as in
 * the fake client (run_exec.c): MUST -> FAIL, SHOULD -> WARN, MAY -> INFO.
 */
#include "run.h"
#include "run_sess.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "conn.h"
#include "sc_esc.h"
#include "sc_limits.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_vars.h"
#include "smtp_dot.h"

extern char **environ;

#define SERVE_CMD_MAX		8192	/* a client command, filled in */
#define SERVE_LINE_MAX		4096	/* a command line from the client */
#define SERVE_OUTPUT_SHOW	2048	/* the client's output, in the
					   transcript */
#define SERVE_EXIT_GRACE_MS	2000	/* after the steps, for the client to
					   finish before it is killed */
#define SERVE_KILL_WAIT_MS	1000	/* SIGTERM, then SIGKILL */
#define SERVE_POLL_MS		10
#define SERVE_QUIT_PRELUDE_MAX	8	/* RSET/NOOP lines before QUIT */
#define SERVE_PROCESS_GRACE_MS	20000	/* added to a scenario's deadline
					   for the client process to start
					   and to end (real time) */

struct serve_session {
	struct run_sess		 b;		/* first: clock and judging */
	const struct serve_ctx	*ctx;
	struct conn		*c;
	char			*in;		/* bytes from the client */
	size_t			 inlen;
	bool			 eof;
	pid_t			 pid;		/* the client, or -1 */
	bool			 exited;
	int			 status;	/* waitpid status once exited */
	char			 out_path[64];	/* its stdout and stderr */
	bool			 closed_ok;	/* the client closed where a step
						   allowed it: only `expect exit
						   failure` still runs */
};

/* The shared session helpers (run_sess.h), for this session. */
#define serve_scaled_us(ss, ms)	run_sess_scaled_us(&(ss)->b, (ms))
#define serve_deadline(ss, ms)	run_sess_deadline(&(ss)->b, (ms))
#define serve_t(ss)		run_sess_t(&(ss)->b)
#define serve_event(ss, ...)	run_sess_event(&(ss)->b, __VA_ARGS__)
#define serve_judge(ss, ...)	run_sess_judge(&(ss)->b, __VA_ARGS__)
#define serve_level(ss)		run_sess_level(&(ss)->b)

/* serve_real_deadline - now + ms in real time (a process starting or
 * ending is not protocol timing, so --timeout-scale does not shrink
 * it), capped by the scenario's deadline. */
static int64_t
serve_real_deadline(const struct serve_session *ss, long ms)
{
	int64_t d = sc_now_us() + (int64_t)ms * 1000;

	return d < ss->b.deadline ? d : ss->b.deadline;
}

/* serve_quote - s in single quotes for /bin/sh, into a growing buffer. */
static int
serve_quote(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t need = 2;
	const char *p;

	for (p = s; *p != '\0'; p++)
		need += *p == '\'' ? 4 : 1;
	if (*len + need + 1 > cap)
		return -1;
	buf[(*len)++] = '\'';
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(buf + *len, "'\\''", 4);
			*len += 4;
		} else
			buf[(*len)++] = *p;
	}
	buf[(*len)++] = '\'';
	buf[*len] = '\0';
	return 0;
}

/*
 * serve_placeholder - the value of {name}: host, port, message, then the
 * scenario's `client name=value`, then the run's variables. NULL when
 * nothing names it.
 */
static const char *
serve_placeholder(const struct serve_session *ss, const char *name,
    size_t n)
{
	size_t i;

	if (n == 4 && memcmp(name, "host", 4) == 0)
		return ss->ctx->host;
	if (n == 4 && memcmp(name, "port", 4) == 0)
		return ss->ctx->port;
	if (n == 7 && memcmp(name, "message", 7) == 0)
		return ss->b.s->message;
	for (i = 0; i < ss->b.s->nclient_vars; i++)
		if (strncmp(ss->b.s->client_vars[i], name, n) == 0 &&
		    ss->b.s->client_vars[i][n] == '=')
			return ss->b.s->client_vars[i] + n + 1;
	{
		char key[64];

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, name, n);
		key[n] = '\0';
		return scn_vars_get(ss->ctx->vars, key);
	}
}

/* serve_fill - the client command with its placeholders; NULL with why. */
static char *
serve_fill(const struct serve_session *ss, char **why)
{
	const char *t = ss->ctx->client_cmd, *close, *v;
	char *buf = xmalloc(SERVE_CMD_MAX);
	size_t len = 0;

	buf[0] = '\0';
	while (*t != '\0') {
		if (*t == '{' && (close = strchr(t + 1, '}')) != NULL &&
		    close > t + 1 && strspn(t + 1,
		    "abcdefghijklmnopqrstuvwxyz0123456789_") ==
		    (size_t)(close - t - 1)) {
			v = serve_placeholder(ss, t + 1, (size_t)(close - t - 1));
			if (v == NULL) {
				*why = xasprintf("the client command needs "
				    "{%.*s}: set it with --var %.*s=VALUE, or "
				    "`client %.*s=VALUE` in the scenario",
				    (int)(close - t - 1), t + 1,
				    (int)(close - t - 1), t + 1,
				    (int)(close - t - 1), t + 1);
				free(buf);
				return NULL;
			}
			if (serve_quote(buf, SERVE_CMD_MAX, &len, v) == -1)
				goto toolong;
			t = close + 1;
			continue;
		}
		if (len + 2 > SERVE_CMD_MAX)
			goto toolong;
		buf[len++] = *t++;
		buf[len] = '\0';
	}
	return buf;
toolong:
	*why = xasprintf("the client command is over %d bytes once filled "
	    "in", SERVE_CMD_MAX);
	free(buf);
	return NULL;
}

/* serve_spawn - start the client: /bin/sh -c CMD, output to a file. */
static void
serve_spawn(struct serve_session *ss)
{
	posix_spawn_file_actions_t fa;
	char *cmd, *why = NULL;
	char *argv[4];
	int fd, rc;

	ss->pid = -1;
	cmd = serve_fill(ss, &why);
	if (cmd == NULL) {
		serve_judge(ss, RUN_ERROR, "a client command to run", NULL, 0,
		    "%s", why);
		free(why);
		return;
	}
	snprintf(ss->out_path, sizeof(ss->out_path),
	    "/tmp/smtpcheck-client.XXXXXX");
	fd = mkstemp(ss->out_path);
	if (fd == -1) {
		serve_judge(ss, RUN_ERROR, "a file for the client's output",
		    NULL, 0, "mkstemp: %s", strerror(errno));
		ss->out_path[0] = '\0';
		free(cmd);
		return;
	}
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = cmd;
	argv[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fd, STDERR_FILENO);
	rc = posix_spawn(&ss->pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	if (rc != 0) {
		ss->pid = -1;
		serve_judge(ss, RUN_ERROR, "the client command to start", NULL,
		    0, "cannot start /bin/sh: %s", strerror(rc));
	} else
		serve_event(ss, "client started (pid %d): %s", (int)ss->pid,
		    cmd);
	free(cmd);
}

/* serve_reap - has the client exited (without waiting)? */
static bool
serve_reap(struct serve_session *ss)
{
	if (ss->pid == -1 || ss->exited)
		return ss->exited;
	if (waitpid(ss->pid, &ss->status, WNOHANG) == ss->pid) {
		ss->exited = true;
		if (WIFEXITED(ss->status))
			serve_event(ss, "the client exited with status %d",
			    WEXITSTATUS(ss->status));
		else if (WIFSIGNALED(ss->status))
			serve_event(ss, "the client was ended by signal %d",
			    WTERMSIG(ss->status));
	}
	return ss->exited;
}

/* serve_wait_exit - wait for the client until deadline; exited? */
static bool
serve_wait_exit(struct serve_session *ss, int64_t deadline)
{
	struct timespec ts = { 0, SERVE_POLL_MS * 1000000L };

	while (!serve_reap(ss) && sc_now_us() < deadline)
		nanosleep(&ts, NULL);
	return ss->exited;
}

/* serve_read_more - more bytes from the client, before deadline; 1 got
 * some, 0 EOF, -1 timeout or error (judged by the caller). */
static int
serve_read_more(struct serve_session *ss, int64_t deadline,
    enum conn_status *cs)
{
	struct sc_err err = { 0 };
	char buf[4096];
	size_t n;

	if (ss->eof)
		return 0;
	if (ss->inlen >= SC_RECV_BUF_MAX) {
		*cs = CONN_ERR;
		return -1;
	}
	*cs = conn_read(ss->c, buf, sizeof(buf), &n, deadline, &err);
	if (*cs == CONN_OK) {
		ss->in = xrealloc(ss->in, ss->inlen + n + 1);
		memcpy(ss->in + ss->inlen, buf, n);
		ss->inlen += n;
		return 1;
	}
	if (*cs == CONN_EOF) {
		ss->eof = true;
		serve_event(ss, "the client closed the connection");
		return 0;
	}
	if (*cs == CONN_ERR) {
		serve_event(ss, "read error: %s", err.msg);
		ss->eof = true;
	}
	return -1;
}

/* serve_consume - drop the first n buffered bytes. */
static void
serve_consume(struct serve_session *ss, size_t n)
{
	memmove(ss->in, ss->in + n, ss->inlen - n);
	ss->inlen -= n;
}

/* serve_no_input - judge input that did not come. */
static void
serve_no_input(struct serve_session *ss, const char *expected, int rd,
    enum conn_status cs, long within)
{
	char *esc = sc_esc(ss->in, ss->inlen, SC_SHOW_BYTES_MAX);

	if (rd == 0)
		serve_judge(ss, RUN_FAIL, expected, esc, strlen(esc),
		    "the client closed the connection%s", ss->inlen > 0 ?
		    " after a partial line" : "");
	else if (cs == CONN_TIMEOUT)
		serve_judge(ss, RUN_FAIL, expected, esc, strlen(esc),
		    "nothing within %.1f s%s",
		    (double)serve_scaled_us(ss, within) / 1e6, ss->inlen > 0 ?
		    " (a partial line came)" : "");
	else
		serve_judge(ss, RUN_FAIL, expected, esc, strlen(esc),
		    "the connection failed, or the client sent more than %d "
		    "bytes without a line end", SC_RECV_BUF_MAX);
	free(esc);
}

/* serve_verb_match - is the line's verb one of "EHLO|HELO"? */
static bool
serve_verb_match(const char *verbs, const char *verb, size_t n)
{
	const char *p = verbs, *bar;
	size_t len;

	for (;;) {
		bar = strchr(p, '|');
		len = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncasecmp(p, verb, n) == 0)
			return true;
		if (bar == NULL)
			return false;
		p = bar + 1;
	}
}

/*
 * serve_read_line - the next line from the client (up to LF), before
 * deadline: an owned copy without its CRLF, into *line; 1 got one, 0 the
 * client closed with nothing pending, -1 judged already (timeout, a
 * close mid-line, an over-long line, a bare LF).
 */
static int
serve_read_line(struct serve_session *ss, const char *expected,
    long within, int64_t deadline, char **line)
{
	enum conn_status cs = CONN_OK;
	char *lf;
	size_t n;
	int rd;

	*line = NULL;
	while ((lf = ss->inlen > 0 ? memchr(ss->in, '\n', ss->inlen) : NULL)
	    == NULL) {
		if (ss->inlen > SERVE_LINE_MAX) {
			serve_judge(ss, serve_level(ss), expected, ss->in,
			    ss->inlen, "a command line over %d octets "
			    "(RFC 5321 4.5.3.1.4: 512)", SERVE_LINE_MAX);
			return -1;
		}
		if ((rd = serve_read_more(ss, deadline, &cs)) != 1) {
			if (rd == 0 && ss->inlen == 0)
				return 0;
			serve_no_input(ss, expected, rd, cs, within);
			return -1;
		}
	}
	n = (size_t)(lf - ss->in) + 1;
	transcript_add(&ss->b.r->tr, TR_RECV, serve_t(ss), ss->b.step->line,
	    ss->in, n);
	*line = xstrndup(ss->in, n);
	serve_consume(ss, n);
	if (n < 2 || (*line)[n - 2] != '\r') {
		serve_judge(ss, RUN_FAIL, "a command line ending in CRLF", *line,
		    n, "the line ends in a bare LF (RFC 5321 2.3.8: a client "
		    "MUST NOT)");
		free(*line);
		*line = NULL;
		return -1;
	}
	(*line)[n - 2] = '\0';
	return 1;
}

/* serve_on_close - the client closed where a line was awaited: allowed
 * with or-close (the remaining steps are then skipped), else a FAIL. */
static void
serve_on_close(struct serve_session *ss, const char *expected,
    bool or_close)
{
	if (or_close) {
		serve_event(ss, "the client closed instead, which this step "
		    "allows");
		ss->closed_ok = true;
	} else
		serve_judge(ss, RUN_FAIL, expected, NULL, 0, "the client "
		    "closed the connection");
}

/* serve_reply - one reply line to the client (CRLF added). */
static void serve_send(struct serve_session *, const char *, size_t);
static void
serve_reply(struct serve_session *ss, const char *text)
{
	char *r = xasprintf("%s\r\n", text);

	serve_send(ss, r, strlen(r));
	free(r);
}

/* serve_step_quit - a polite end: RSET and NOOP get 250 (a client may
 * reset before it quits), QUIT gets 221; anything else is a mismatch. */
static void
serve_step_quit(struct serve_session *ss, const struct scn_step *st)
{
	long within = st->within_ms > 0 ? st->within_ms : SC_READ_TIMEOUT_MS;
	int64_t deadline = serve_deadline(ss, within);
	const char *expected = st->u.or_close ? "QUIT (RSET or NOOP first "
	    "allowed), or a close" : "QUIT (RSET or NOOP first allowed)";
	char *line;
	size_t i;
	int r;

	for (i = 0; i < SERVE_QUIT_PRELUDE_MAX && !ss->b.stop; i++) {
		r = serve_read_line(ss, expected, within, deadline, &line);
		if (r == 0)
			serve_on_close(ss, expected, st->u.or_close);
		if (r != 1)
			return;
		if (strcasecmp(line, "QUIT") == 0) {
			serve_reply(ss, "221 2.0.0 bye");
			free(line);
			return;
		}
		if (strcasecmp(line, "RSET") == 0 ||
		    strncasecmp(line, "NOOP", 4) == 0)
			serve_reply(ss, "250 2.0.0 ok");
		else
			serve_judge(ss, serve_level(ss), expected, line,
			    strlen(line), "got %.*s", (int)strcspn(line, " "),
			    line);
		free(line);
	}
}

/* serve_b64 - the base64 text s decoded (NUL-terminated, *n octets);
 * NULL when it is not base64. Owned. */
static char *
serve_b64(const char *s, size_t *n)
{
	size_t len = strlen(s);
	unsigned char *out;
	int got;

	if (len % 4 != 0 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
	    "nopqrstuvwxyz0123456789+/=") != len)
		return NULL;
	out = xmalloc(len + 1);
	got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
	if (got < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as data */
	while (len > 0 && s[--len] == '=')
		got--;
	out[got] = '\0';
	*n = (size_t)got;
	return (char *)out;
}

/*
 * serve_step_auth - the whole AUTH exchange as a server does it (RFC
 * 4954): PLAIN with or without an initial response (then "334 "), LOGIN
 * with its two prompts; the credentials must be the run's user and
 * password ({user}, {password}); 235 ends it. A client may choose either
 * mechanism, with or without an initial response.
 */
static void
serve_step_auth(struct serve_session *ss, const struct scn_step *st)
{
	long within = st->within_ms > 0 ? st->within_ms : SC_READ_TIMEOUT_MS;
	int64_t deadline = serve_deadline(ss, within);
	const char *user = serve_placeholder(ss, "user", 4);
	const char *pass = serve_placeholder(ss, "password", 8);
	char *line = NULL, *resp = NULL, *dec = NULL, *u = NULL, *p = NULL;
	const char *mech, *ir;
	size_t n = 0;
	bool plain;

	switch (serve_read_line(ss, "AUTH PLAIN or AUTH LOGIN", within,
	    deadline, &line)) {
	case 0:
		serve_on_close(ss, "AUTH PLAIN or AUTH LOGIN", false);
		return;
	case -1:
		return;
	}
	if (strncasecmp(line, "AUTH ", 5) != 0) {
		serve_judge(ss, serve_level(ss), "AUTH PLAIN or AUTH LOGIN",
		    line, strlen(line), "got %.*s", (int)strcspn(line, " "),
		    line);
		goto out;
	}
	mech = line + 5;
	ir = strchr(mech, ' ');
	plain = strncasecmp(mech, "PLAIN", 5) == 0 && (mech[5] == ' ' ||
	    mech[5] == '\0');
	if (!plain && !(strncasecmp(mech, "LOGIN", 5) == 0 &&
	    (mech[5] == ' ' || mech[5] == '\0'))) {
		serve_judge(ss, serve_level(ss), "AUTH PLAIN or AUTH LOGIN "
		    "(the mechanisms offered)", line, strlen(line), "a "
		    "mechanism that was not offered");
		goto out;
	}
	if (ir == NULL) {
		serve_reply(ss, plain ? "334 " : "334 VXNlcm5hbWU6");
		if (serve_read_line(ss, "a base64 response", within, deadline,
		    &resp) == 0)
			serve_on_close(ss, "a base64 response", false);
		if (resp == NULL)
			goto out;
		ir = resp;
	} else
		ir++;
	if ((dec = serve_b64(ir, &n)) == NULL) {
		serve_judge(ss, serve_level(ss), "a base64 response", ir,
		    strlen(ir), "not base64 (RFC 4954 4)");
		goto out;
	}
	if (plain) {
		/* authzid NUL authcid NUL passwd (RFC 4616 2) */
		char *a = memchr(dec, '\0', n), *b;

		b = a != NULL ? memchr(a + 1, '\0', n - (size_t)(a + 1 - dec)) :
		    NULL;
		if (b != NULL) {
			u = xstrdup(a + 1);
			p = xstrndup(b + 1, n - (size_t)(b + 1 - dec));
		}
	} else {
		u = xstrdup(dec);
		free(resp);
		resp = NULL;
		serve_reply(ss, "334 UGFzc3dvcmQ6");
		if (serve_read_line(ss, "a base64 password", within, deadline,
		    &resp) == 0)
			serve_on_close(ss, "a base64 password", false);
		if (resp == NULL)
			goto out;
		free(dec);
		if ((dec = serve_b64(resp, &n)) == NULL) {
			serve_judge(ss, serve_level(ss), "a base64 response",
			    resp, strlen(resp), "not base64 (RFC 4954 4)");
			goto out;
		}
		p = xstrdup(dec);
	}
	if (u == NULL || p == NULL || user == NULL || pass == NULL ||
	    strcmp(u, user) != 0 || strcmp(p, pass) != 0) {
		serve_judge(ss, serve_level(ss), "the credentials the client "
		    "was given", NULL, 0, "the client authenticated as \"%s\" "
		    "with another password or a malformed response",
		    u != NULL ? u : "?");
		goto out;
	}
	serve_reply(ss, "235 2.7.0 Authentication successful");
out:
	if (dec != NULL)
		explicit_bzero(dec, n);
	if (p != NULL)
		explicit_bzero(p, strlen(p));
	free(line);
	free(resp);
	free(dec);
	free(u);
	free(p);
}

/* serve_step_command - one command line from the client, judged. */
static void
serve_step_command(struct serve_session *ss, const struct scn_step *st)
{
	const struct scn_expect_command *e = &st->u.cmd;
	long within = st->within_ms > 0 ? st->within_ms : SC_READ_TIMEOUT_MS;
	char *expected, *line;
	size_t vlen;
	int r;

	expected = xasprintf("the command %s%s%s%s%s", e->verbs,
	    e->arg_src != NULL ? " with an argument matching /" : "",
	    e->arg_src != NULL ? e->arg_src : "",
	    e->arg_src != NULL ? "/" : "", e->or_close ? ", or a close" : "");
	r = serve_read_line(ss, expected, within, serve_deadline(ss, within),
	    &line);
	if (r == 0)
		serve_on_close(ss, expected, e->or_close);
	if (r != 1) {
		free(expected);
		return;
	}
	vlen = strcspn(line, " ");
	if (!serve_verb_match(e->verbs, line, vlen))
		serve_judge(ss, serve_level(ss), expected, line, strlen(line),
		    "got %.*s", (int)(vlen > 32 ? 32 : vlen), line);
	else if (e->has_arg_re && regexec(&e->arg_re, line[vlen] == ' ' ?
	    line + vlen + 1 : "", 0, NULL, 0) != 0)
		serve_judge(ss, serve_level(ss), expected, line, strlen(line),
		    "the argument does not match /%s/", e->arg_src);
	free(line);
	free(expected);
}

/* serve_message - the message file as a client must send it: CRLF line
 * ends, a CRLF at the end. Owned. */
static char *
serve_message(const char *path, size_t *len, struct sc_err *err)
{
	char *raw, *out;
	size_t rlen, i, o = 0;

	raw = sc_read_file(path, SC_BODY_FILE_MAX, &rlen, err);
	if (raw == NULL)
		return NULL;
	out = xmalloc(rlen * 2 + 3);
	for (i = 0; i < rlen; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = raw[i];
	}
	if (o == 0 || out[o - 1] != '\n') {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o] = '\0';
	free(raw);
	*len = o;
	return out;
}

/* serve_first_diff - the line where a and b part, for the report. */
static char *
serve_first_diff(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, start = 0, line = 1, end;

	while (i < alen && i < blen && a[i] == b[i]) {
		if (a[i] == '\n') {
			start = i + 1;
			line++;
		}
		i++;
	}
	end = start;
	while (end < alen && a[end] != '\n' && end - start < 200)
		end++;
	{
		char *esc = sc_esc(a + start, end - start, 256);
		char *msg = xasprintf("line %zu differs: got \"%s\"", line,
		    esc);

		free(esc);
		return msg;
	}
}

/* serve_step_body - message text up to CRLF.CRLF, judged. */
static void
serve_step_body(struct serve_session *ss, const struct scn_step *st)
{
	const struct scn_expect_body *e = &st->u.body;
	long within = st->within_ms > 0 ? st->within_ms :
	    SC_DATA_TIMEOUT_MS;
	int64_t deadline = serve_deadline(ss, within);
	struct smtp_unstuff u;
	enum conn_status cs = CONN_OK;
	struct sc_err err = { 0 };
	char *body = NULL, *want, *text, *diff;
	size_t blen = 0, used, olen, wlen, i;
	int rd;

	smtp_unstuff_init(&u);
	for (;;) {
		if (ss->inlen > 0) {
			body = xrealloc(body, blen + ss->inlen + 2);
			used = smtp_unstuff_feed(&u, ss->in, ss->inlen,
			    body + blen, &olen);
			transcript_add(&ss->b.r->tr, TR_RECV, serve_t(ss),
			    st->line, ss->in, used);
			blen += olen;
			serve_consume(ss, used);
			if (u.done)
				break;
			if (blen > SC_BODY_FILE_MAX) {
				serve_judge(ss, RUN_ERROR, "a message the "
				    "harness can hold", NULL, 0, "the message "
				    "text is over %d bytes", SC_BODY_FILE_MAX);
				free(body);
				return;
			}
		}
		if ((rd = serve_read_more(ss, deadline, &cs)) != 1) {
			serve_no_input(ss, "message text ending in CRLF.CRLF",
			    rd, cs, within);
			free(body);
			return;
		}
	}
	if (body == NULL)
		body = xstrdup("");
	body[blen] = '\0';
	if (u.flags & SMTP_UNSTUFF_F_BARE_LF) {
		serve_judge(ss, RUN_FAIL, "message text with CRLF line ends",
		    body, blen, "a bare LF in the message text (RFC 5321 "
		    "2.3.8: a client MUST NOT send one)");
		free(body);
		return;
	}
	if (e->same) {
		want = serve_message(ss->b.s->message, &wlen, &err);
		if (want == NULL) {
			serve_judge(ss, RUN_ERROR, "the message file", NULL, 0,
			    "%s", err.msg);
		} else if (wlen != blen || memcmp(want, body, blen) != 0) {
			diff = serve_first_diff(body, blen, want, wlen);
			serve_judge(ss, serve_level(ss), "the message as the "
			    "client was given it, dot-stuffing undone", body,
			    blen, "%s (%zu bytes received, %zu expected)", diff,
			    blen, wlen);
			free(diff);
		}
		free(want);
	}
	if (!ss->b.stop && e->has_text_re) {
		/* match line by line: CRLF to LF for REG_NEWLINE */
		text = xmalloc(blen + 1);
		for (i = 0, olen = 0; i < blen; i++)
			if (!(body[i] == '\r' && i + 1 < blen &&
			    body[i + 1] == '\n'))
				text[olen++] = body[i];
		text[olen] = '\0';
		if (regexec(&e->text_re, text, 0, NULL, 0) != 0)
			serve_judge(ss, serve_level(ss), "message text "
			    "with a line matching the pattern", body, blen,
			    "no line matches /%s/", e->text_src);
		free(text);
	}
	free(body);
}

/* serve_step_close_or_silence - the client closes / stays silent. */
static void
serve_step_quiet(struct serve_session *ss, const struct scn_step *st)
{
	bool close = st->kind == SCN_STEP_EXPECT_CLOSE;
	long ms = close ? (st->within_ms > 0 ? st->within_ms :
	    SC_READ_TIMEOUT_MS) : st->u.silence_ms;
	int64_t deadline = serve_deadline(ss, ms);
	enum conn_status cs = CONN_OK;
	size_t before = ss->inlen;
	int rd;

	if (ss->inlen > 0 && !close) {
		serve_judge(ss, serve_level(ss), "no bytes from the client",
		    ss->in, ss->inlen, "the client had sent more already");
		return;
	}
	for (;;) {
		rd = serve_read_more(ss, deadline, &cs);
		if (rd == 0)
			break;		/* closed: silence too */
		if (rd == -1) {
			if (close && cs == CONN_TIMEOUT)
				serve_judge(ss, serve_level(ss), "the client "
				    "to close the connection", ss->in,
				    ss->inlen, "still open after %.1f s",
				    (double)serve_scaled_us(ss, ms) / 1e6);
			break;
		}
		if (!close || ss->inlen > before) {
			transcript_add(&ss->b.r->tr, TR_RECV, serve_t(ss),
			    st->line, ss->in + before, ss->inlen - before);
			serve_judge(ss, serve_level(ss), close ? "the "
			    "client to close the connection" : "no bytes from "
			    "the client", ss->in + before, ss->inlen - before,
			    "the client sent more");
			break;
		}
	}
}

/* serve_step_starttls - the server side of the handshake, after the
 * scenario's 220. Bytes the client sent after STARTTLS and before its
 * ClientHello were pipelined behind STARTTLS (RFC 3207 4: not allowed). */
static void
serve_step_starttls(struct serve_session *ss, const struct scn_step *st)
{
	struct conn_tls_info info;
	struct sc_err err = { 0 };
	enum conn_status cs;

	if (ss->ctx->tls == NULL) {
		serve_judge(ss, RUN_ERROR, "a server certificate", NULL, 0,
		    "`starttls` needs serve --cert FILE --key FILE");
		return;
	}
	if (ss->inlen > 0) {
		serve_judge(ss, serve_level(ss), "nothing from the client "
		    "between STARTTLS and its TLS handshake", ss->in,
		    ss->inlen, "the client sent %zu bytes after STARTTLS, before "
		    "the handshake (RFC 3207 4: STARTTLS ends a pipelined group)",
		    ss->inlen);
		return;
	}
	serve_event(ss, "TLS handshake begins (server side)");
	cs = conn_accept_tls(ss->c, ss->ctx->tls, serve_deadline(ss,
	    SC_TLS_TIMEOUT_MS), &info, &err);
	if (cs != CONN_OK) {
		serve_event(ss, "%s", err.msg);
		ss->eof = true;
		if (cs == CONN_EOF && st->u.starttls.or_close) {
			serve_event(ss, "the client closed instead of the "
			    "handshake, which this step allows");
			ss->closed_ok = true;
			return;
		}
		serve_judge(ss, serve_level(ss), "a TLS handshake from the "
		    "client", NULL, 0, "%s", err.msg);
		return;
	}
	serve_event(ss, "TLS started: %s %s", info.version, info.cipher);
}

/* serve_step_exit - the client's exit status. */
static void
serve_step_exit(struct serve_session *ss, const struct scn_step *st)
{
	long within = st->within_ms > 0 ? st->within_ms : SC_READ_TIMEOUT_MS;
	bool ok;

	if (ss->ctx->client_cmd == NULL) {
		serve_event(ss, "no client command: its exit status is not "
		    "judged");
		return;
	}
	if (ss->pid == -1)
		return;
	if (!serve_wait_exit(ss, serve_real_deadline(ss, within))) {
		serve_judge(ss, serve_level(ss), st->u.exit_want ==
		    SCN_EXIT_SUCCESS ? "the client to exit with status 0" :
		    "the client to exit with a failure status", NULL, 0,
		    "the client is still running after %.1f s",
		    (double)within / 1e3);
		return;
	}
	ok = WIFEXITED(ss->status) && (WEXITSTATUS(ss->status) == 0) ==
	    (st->u.exit_want == SCN_EXIT_SUCCESS);
	if (!ok) {
		char got[64];

		if (WIFEXITED(ss->status))
			snprintf(got, sizeof(got), "status %d",
			    WEXITSTATUS(ss->status));
		else
			snprintf(got, sizeof(got), "signal %d",
			    WIFSIGNALED(ss->status) ? WTERMSIG(ss->status) : 0);
		serve_judge(ss, serve_level(ss), st->u.exit_want ==
		    SCN_EXIT_SUCCESS ? "exit status 0 (success)" :
		    "a failure exit status", got, strlen(got), "the client "
		    "exited with %s", got);
	}
}

/* serve_send - bytes to the client, one write. */
static void
serve_send(struct serve_session *ss, const char *p, size_t len)
{
	struct sc_err err = { 0 };

	transcript_add(&ss->b.r->tr, TR_SENT, serve_t(ss), ss->b.step->line, p,
	    len);
	if (conn_write(ss->c, p, len, serve_deadline(ss, SC_WRITE_TIMEOUT_MS),
	    &err) != CONN_OK) {
		serve_event(ss, "write failed: %s", err.msg);
		serve_judge(ss, RUN_FAIL, "the client to read the reply", NULL,
		    0, "the client closed or stopped reading: %s", err.msg);
		ss->eof = true;
	}
}

/* serve_step_send - `send` lines (CRLF added) or `send-raw`. */
static void
serve_step_send(struct serve_session *ss, const struct scn_step *st)
{
	struct sc_err err = { 0 };
	char *buf = NULL, *x;
	size_t len = 0, n, i;

	if (st->kind == SCN_STEP_SEND_RAW) {
		x = scn_expand(st->u.raw, true, ss->ctx->vars, &n, &err);
		if (x == NULL) {
			serve_judge(ss, RUN_ERROR, "a value for every variable",
			    NULL, 0, "cannot expand: %s", err.msg);
			return;
		}
		serve_send(ss, x, n);
		free(x);
		return;
	}
	for (i = 0; i < st->u.send.nlines; i++) {
		x = scn_expand(st->u.send.lines[i], false, ss->ctx->vars, &n,
		    &err);
		if (x == NULL) {
			serve_judge(ss, RUN_ERROR, "a value for every variable",
			    NULL, 0, "cannot expand: %s", err.msg);
			free(buf);
			return;
		}
		buf = xrealloc(buf, len + n + 3);
		memcpy(buf + len, x, n);
		memcpy(buf + len + n, "\r\n", 2);
		len += n + 2;
		free(x);
	}
	serve_send(ss, buf, len);
	free(buf);
}

/* serve_step_accept - the client connects. */
static void
serve_step_accept(struct serve_session *ss, const struct scn_step *st)
{
	long within = st->within_ms > 0 ? st->within_ms : SC_READ_TIMEOUT_MS;
	struct sc_err err = { 0 };
	enum conn_status cs;

	if (ss->c != NULL) {
		serve_judge(ss, RUN_ERROR, "no open connection", NULL, 0,
		    "`accept` while a client is connected");
		return;
	}
	/* real time, not scaled: the client process has to start */
	cs = conn_accept(ss->ctx->lfd, serve_real_deadline(ss, within),
	    &ss->c, &err);
	if (cs != CONN_OK) {
		if (serve_reap(ss))
			serve_judge(ss, RUN_FAIL, "the client to connect", NULL,
			    0, "the client exited without connecting");
		else
			serve_judge(ss, ss->ctx->client_cmd != NULL ? RUN_FAIL :
			    RUN_ERROR, "a client to connect", NULL, 0, "%s",
			    err.msg);
		return;
	}
	run_sess_capture_conn(&ss->b, ss->c, true);
	ss->eof = false;
	ss->inlen = 0;
	serve_event(ss, "client connected from %s", conn_peer(ss->c));
}

/* serve_step - dispatch one step. */
static void
serve_step(struct serve_session *ss, const struct scn_step *st)
{
	if (ss->closed_ok && (st->kind != SCN_STEP_EXPECT_EXIT ||
	    st->u.exit_want == SCN_EXIT_SUCCESS)) {
		/* a client that stopped early cannot be asked for success */
		serve_event(ss, "step skipped: the client has closed");
		return;
	}
	if (st->kind != SCN_STEP_ACCEPT && st->kind != SCN_STEP_PAUSE &&
	    st->kind != SCN_STEP_EXPECT_EXIT && ss->c == NULL) {
		serve_judge(ss, RUN_ERROR, "a connected client", NULL, 0,
		    "step needs a client: add `accept` before it");
		return;
	}
	switch (st->kind) {
	case SCN_STEP_ACCEPT:
		serve_step_accept(ss, st);
		break;
	case SCN_STEP_SEND:
	case SCN_STEP_SEND_RAW:
		serve_step_send(ss, st);
		break;
	case SCN_STEP_PAUSE: {
		int64_t until = serve_deadline(ss, st->u.pause_ms);
		struct timespec ts;

		while (sc_now_us() < until) {
			int64_t left = until - sc_now_us();

			ts.tv_sec = left / 1000000;
			ts.tv_nsec = (left % 1000000) * 1000;
			nanosleep(&ts, NULL);
		}
		break;
	}
	case SCN_STEP_CLOSE:
		conn_free(ss->c);
		ss->c = NULL;
		serve_event(ss, "the harness closed the connection");
		break;
	case SCN_STEP_EXPECT_COMMAND:
		serve_step_command(ss, st);
		break;
	case SCN_STEP_EXPECT_BODY:
		serve_step_body(ss, st);
		break;
	case SCN_STEP_EXPECT_CLOSE:
	case SCN_STEP_EXPECT_SILENCE:
		serve_step_quiet(ss, st);
		break;
	case SCN_STEP_STARTTLS:
		serve_step_starttls(ss, st);
		break;
	case SCN_STEP_EXPECT_EXIT:
		serve_step_exit(ss, st);
		break;
	case SCN_STEP_EXPECT_QUIT:
		serve_step_quit(ss, st);
		break;
	case SCN_STEP_EXPECT_AUTH:
		serve_step_auth(ss, st);
		break;
	default:
		/* lint refuses client-role steps in a server scenario */
		serve_judge(ss, RUN_ERROR, "a server-role step", NULL, 0,
		    "\"%s\" is a client-role step",
		    scn_step_kind_str(st->kind));
		break;
	}
}

/* serve_finish - close; let the client finish, or end it; keep its
 * output. */
static void
serve_finish(struct serve_session *ss)
{
	struct sc_err err = { 0 };
	char *out, *esc;
	size_t len;

	ss->b.step = NULL;
	if (ss->c != NULL) {
		conn_free(ss->c);
		ss->c = NULL;
	}
	if (ss->pid != -1 && !serve_wait_exit(ss, sc_now_us() +
	    (int64_t)SERVE_EXIT_GRACE_MS * 1000)) {
		kill(ss->pid, SIGTERM);
		if (!serve_wait_exit(ss, sc_now_us() + SERVE_KILL_WAIT_MS *
		    1000)) {
			kill(ss->pid, SIGKILL);
			(void)waitpid(ss->pid, &ss->status, 0);
			ss->exited = true;
		}
		serve_event(ss, "the client outlived the scenario and was "
		    "killed");
	}
	if (ss->out_path[0] != '\0') {
		out = sc_read_file(ss->out_path, SC_BODY_FILE_MAX, &len, &err);
		if (out != NULL && len > 0) {
			esc = sc_esc(out + (len > SERVE_OUTPUT_SHOW ? len -
			    SERVE_OUTPUT_SHOW : 0), len > SERVE_OUTPUT_SHOW ?
			    SERVE_OUTPUT_SHOW : len, SERVE_OUTPUT_SHOW * 4);
			serve_event(ss, "client output%s: %s", len >
			    SERVE_OUTPUT_SHOW ? " (its end)" : "", esc);
			free(esc);
		}
		free(out);
		(void)unlink(ss->out_path);
	}
}

/* serve_step_b - serve_step as the shared step loop calls it. */
static void
serve_step_b(struct run_sess *b, const struct scn_step *st)
{
	serve_step((struct serve_session *)b, st);	/* b comes first */
}

/* run_serve_scenario - play one server-role scenario. */
void
run_serve_scenario(const struct serve_ctx *ctx, const struct scn *s,
    struct run_result *r)
{
	struct serve_session ss;

	memset(&ss, 0, sizeof(ss));
	run_sess_begin(&ss.b, s, r, ctx->timeout_scale);
	if (ctx->client_cmd != NULL)	/* a process starts and ends */
		ss.b.deadline += (int64_t)SERVE_PROCESS_GRACE_MS * 1000;
	ss.ctx = ctx;
	run_sess_capture_begin(&ss.b, ctx->pcap_dir);
	ss.pid = -1;
	if (ctx->client_cmd != NULL)
		serve_spawn(&ss);
	run_sess_steps(&ss.b, serve_step_b);
	serve_finish(&ss);
	run_sess_capture_end(&ss.b);	/* the client is closed */
	run_sess_end(&ss.b);
	free(ss.in);
}
