/* SPDX-License-Identifier: ISC */
/*
 * test_run_exec.c - the fake client's judgement, against a scripted server
 * on 127.0.0.1 (a thread, port 0): every verdict, deadlines, closes,
 * malformed replies, prerequisites, captures and the polite QUIT.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cu_main.h"
#include "run.h"
#include "run_result.h"
#include "sc_util.h"
#include "scn.h"
#include "scn_vars.h"
#include "tls.h"

#define FS_ACTIONS_MAX	16
#define FS_READ_MS	3000

enum fs_op { FS_END = 0, FS_SEND, FS_READ, FS_EXPECT, FS_SLEEP, FS_CLOSE };

/* One scripted server action. FS_EXPECT reads a line and answers ok if
 * it equals arg, else bad. */
struct fs_action {
	enum fs_op	 op;
	const char	*arg;
	const char	*ok, *bad;
	int		 ms;
};

struct fake_server {
	int		 lfd;
	int		 port;
	const struct fs_action *script;
	pthread_t	 tid;
	char		 got[8192];	/* every byte the client sent */
	size_t		 gotlen;
};

/* fs_readline - one line (to LF) into buf, with a deadline; length. */
static ssize_t
fs_readline(struct fake_server *fs, int fd, char *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	char c;

	while (n + 1 < cap) {
		if (poll(&p, 1, FS_READ_MS) <= 0 || read(fd, &c, 1) != 1)
			break;
		buf[n++] = c;
		if (fs->gotlen < sizeof(fs->got))
			fs->got[fs->gotlen++] = c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/* fs_main - accept one client and play the script. */
static void *
fs_main(void *arg)
{
	struct fake_server *fs = arg;
	const struct fs_action *a;
	char line[2048];
	int fd;

	fd = accept(fs->lfd, NULL, NULL);
	if (fd == -1)
		return NULL;
	for (a = fs->script; a->op != FS_END; a++) {
		switch (a->op) {
		case FS_SEND:
			(void)!write(fd, a->arg, strlen(a->arg));
			break;
		case FS_READ:
			fs_readline(fs, fd, line, sizeof(line));
			break;
		case FS_EXPECT:
			fs_readline(fs, fd, line, sizeof(line));
			if (strcmp(line, a->arg) == 0)
				(void)!write(fd, a->ok, strlen(a->ok));
			else
				(void)!write(fd, a->bad, strlen(a->bad));
			break;
		case FS_SLEEP:
			usleep((useconds_t)a->ms * 1000);
			break;
		case FS_CLOSE:
			goto out;
		case FS_END:
			break;
		}
	}
	/* drain what the client still says (the polite QUIT), briefly */
	while (fs_readline(fs, fd, line, sizeof(line)) > 0)
		if (strncmp(line, "QUIT", 4) == 0) {
			(void)!write(fd, "221 bye\r\n", 9);
			break;
		}
out:
	close(fd);
	return NULL;
}

/* fs_start - listen on 127.0.0.1:0 and start the thread. */
static void
fs_start(struct fake_server *fs, const struct fs_action *script)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int one = 1;

	memset(fs, 0, sizeof(*fs));
	fs->script = script;
	fs->lfd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fs->lfd != -1);
	setsockopt(fs->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(bind(fs->lfd, (void *)&sin, sizeof(sin)) == 0);
	CU_ASSERT_FATAL(listen(fs->lfd, 4) == 0);
	getsockname(fs->lfd, (void *)&sin, &len);
	fs->port = ntohs(sin.sin_port);
	pthread_create(&fs->tid, NULL, fs_main, fs);
}

static void
fs_stop(struct fake_server *fs)
{
	pthread_join(fs->tid, NULL);
	close(fs->lfd);
}

#define HDR "id t\ntitle t\nrfc 5321 4.2\n"

static const struct fs_action greet_ehlo_quit[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n",
	  0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "221 2.0.0 bye\r\n", 0, 0, 0 },
	{ FS_CLOSE, 0, 0, 0, 0 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action greet_then_silent[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SLEEP, 0, 0, 0, 1500 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action greet_then_close[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_CLOSE, 0, 0, 0, 0 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action greet_mixed[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "250-mx.example\r\n251 PIPELINING\r\n", 0, 0, 0 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action greet_bare_lf[] = {
	{ FS_SEND, "220 mx.example ESMTP\n", 0, 0, 0 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action reply_501[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "501 5.5.4 no\r\n", 0, 0, 0 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action reply_252[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "252 2.5.2 cannot verify\r\n", 0, 0, 0 },
	{ FS_END, 0, 0, 0, 0 },
};

/* STARTTLS answered 220 with a plaintext reply glued on (the "NO
 * STARTTLS" response injection), then no TLS at all. */
static const struct fs_action starttls_injected[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "220 go ahead\r\n250 injected\r\n", 0, 0, 0 },
	{ FS_SLEEP, 0, 0, 0, 300 },
	{ FS_END, 0, 0, 0, 0 },
};

/* STARTTLS answered 220, then the server hangs up: no handshake. */
static const struct fs_action starttls_hangup[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "220 go ahead\r\n", 0, 0, 0 },
	{ FS_SLEEP, 0, 0, 0, 100 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action capture_size[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "250-mx.example\r\n250 SIZE 1000\r\n", 0, 0, 0 },
	{ FS_EXPECT, "MAIL FROM:<a@b.example> SIZE=1001\r\n",
	  "552 5.3.4 too big\r\n", "500 wrong\r\n", 0 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action extra_reply[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "250 ok\r\n250 ok again\r\n", 0, 0, 0 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action quit_no_close[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "221 bye\r\n", 0, 0, 0 },
	{ FS_SLEEP, 0, 0, 0, 1500 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action hangup_221[] = {
	{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
	{ FS_READ, 0, 0, 0, 0 },
	{ FS_SEND, "221 2.7.0 goodbye\r\n", 0, 0, 0 },
	{ FS_CLOSE, 0, 0, 0, 0 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct fs_action split_reply[] = {
	{ FS_SEND, "22", 0, 0, 0 },
	{ FS_SLEEP, 0, 0, 0, 50 },
	{ FS_SEND, "0 mx.exa", 0, 0, 0 },
	{ FS_SLEEP, 0, 0, 0, 50 },
	{ FS_SEND, "mple\r", 0, 0, 0 },
	{ FS_SLEEP, 0, 0, 0, 50 },
	{ FS_SEND, "\n", 0, 0, 0 },
	{ FS_END, 0, 0, 0, 0 },
};

static const struct {
	const char		*name;
	const char		*scn;
	const struct fs_action	*server;
	const char		*keywords;	/* probe's, comma-separated */
	enum run_verdict	 want;
	int			 want_line;	/* deciding step; 0 = any */
	const char		*want_reason;	/* substring; NULL = any */
} cases[] = {
	{ "happy path passes",
	  HDR "level MUST\nconnect\nexpect 220\nsend EHLO h.example\n"
	  "expect 250\nexpect keyword PIPELINING\nexpect keyword SIZE /^[0-9]+$/\n"
	  "send QUIT\nexpect 221\nexpect close within 2s\n",
	  greet_ehlo_quit, NULL, RUN_PASS, 0, NULL },
	{ "wrong code at MUST fails",
	  HDR "level MUST\nconnect\nexpect 220\nsend EHLO h.example\n"
	  "expect 500\n", greet_ehlo_quit, NULL, RUN_FAIL, 8, "got 250" },
	{ "wrong code at SHOULD warns",
	  HDR "level SHOULD\nconnect\nexpect 220\nsend EHLO h.example\n"
	  "expect 500\n", greet_ehlo_quit, NULL, RUN_WARN, 8, "got 250" },
	{ "wrong code at MAY is info",
	  HDR "level MAY\nconnect\nexpect 220\nsend EHLO h.example\n"
	  "expect 500\n", greet_ehlo_quit, NULL, RUN_INFO, 8, NULL },
	{ "warn-on gives WARN",
	  HDR "level MUST\nconnect\nexpect 220\nsend NOOP x\n"
	  "expect 250 warn-on 501\n", reply_501, NULL, RUN_WARN, 8,
	  "SHOULD" },
	{ "info-on gives INFO",
	  HDR "level MUST\nconnect\nexpect 220\nsend VRFY x\n"
	  "expect 250 info-on 252\n", reply_252, NULL, RUN_INFO, 8, NULL },
	{ "record gives INFO on a pass",
	  HDR "level MUST\nconnect\nexpect 220\nsend VRFY x\n"
	  "expect 250|252 record\n", reply_252, NULL, RUN_INFO, 8, "252" },
	{ "enhanced code mismatch fails",
	  HDR "level MUST\nconnect\nexpect 220\nsend VRFY x\n"
	  "expect 252 enh 2.1.x\n", reply_252, NULL, RUN_FAIL, 8,
	  "2.5.2" },
	{ "text pattern mismatch fails",
	  HDR "level MUST\nconnect\nexpect 220\nsend VRFY x\n"
	  "expect 252 text /nothing-like-this/\n", reply_252, NULL, RUN_FAIL,
	  8, "text" },
	{ "text pattern match passes",
	  HDR "level MUST\nconnect\nexpect 220\nsend VRFY x\n"
	  "expect 252 text /CANNOT verify/\n", reply_252, NULL, RUN_PASS, 0,
	  NULL },
	{ "no reply in time fails, even at MAY",
	  HDR "level MAY\nconnect\nexpect 220\nsend NOOP\n"
	  "expect 250 within 300ms\n", greet_then_silent, NULL, RUN_FAIL, 8,
	  "no reply within" },
	{ "close instead of a reply fails",
	  HDR "level SHOULD\nconnect\nexpect 220\nsend NOOP\n"
	  "expect 250\n", greet_then_close, NULL, RUN_FAIL, 8, "closed" },
	{ "mixed codes in a multiline reply fail",
	  HDR "level MAY\nconnect\nexpect 220\nsend EHLO h.example\n"
	  "expect 2xx\n", greet_mixed, NULL, RUN_FAIL, 8, "malformed" },
	{ "bare LF reply ending fails",
	  HDR "level MAY\nconnect\nexpect 220\n", greet_bare_lf, NULL,
	  RUN_FAIL, 6, "malformed" },
	{ "a reply split over writes is one reply",
	  HDR "level MUST\nconnect\nexpect 220 text /mx.example/\n",
	  split_reply, NULL, RUN_PASS, 0, NULL },
	{ "missing keyword prerequisite skips",
	  HDR "level MUST\nrequires keyword CHUNKING\nconnect\nexpect 220\n",
	  greet_ehlo_quit, "PIPELINING,SIZE", RUN_SKIP, 0, "CHUNKING" },
	{ "present keyword prerequisite runs",
	  HDR "level MUST\nrequires keyword SIZE\nconnect\nexpect 500\n",
	  greet_ehlo_quit, "PIPELINING,SIZE", RUN_FAIL, 7, NULL },
	{ "keyword parameter prerequisite skips",
	  HDR "level MUST\nrequires keyword SIZE /^[1-9]/\nconnect\n"
	  "expect 500\n", greet_ehlo_quit, "PIPELINING,SIZE", RUN_SKIP, 0,
	  "parameters" },
	{ "unset variable prerequisite skips",
	  HDR "level MUST\nrequires var user\nconnect\nexpect 220\n",
	  greet_ehlo_quit, NULL, RUN_SKIP, 0, "user" },
	{ "capture and arithmetic",
	  HDR "level MUST\nconnect\nexpect 220\nsend EHLO h.example\n"
	  "expect 250\ncapture size from keyword SIZE\n"
	  "send MAIL FROM:<a@b.example> SIZE=${size+1}\nexpect 552\n",
	  capture_size, NULL, RUN_PASS, 0, NULL },
	{ "silence broken by an extra reply",
	  HDR "level MUST\nconnect\nexpect 220\nsend NOOP\nexpect 250\n"
	  "expect silence 300ms\n", extra_reply, NULL, RUN_FAIL, 9,
	  "none should" },
	{ "expect not: a forbidden code fails",
	  HDR "level MUST\nconnect\nexpect 220\nsend NOOP\n"
	  "expect not 2xx within 300ms\n", extra_reply, NULL, RUN_FAIL, 8,
	  NULL },
	{ "expect not: another code passes",
	  HDR "level MUST\nconnect\nexpect 220\nsend NOOP\n"
	  "expect not 2xx within 300ms\n", reply_501, NULL, RUN_PASS, 0,
	  NULL },
	{ "expect not: silence passes",
	  HDR "level MUST\nconnect\nexpect 220\nsend NOOP\n"
	  "expect not 2xx within 300ms\n", greet_then_silent, NULL, RUN_PASS,
	  0, NULL },
	{ "no close after QUIT fails",
	  HDR "level MUST\nconnect\nexpect 220\nsend QUIT\nexpect 221\n"
	  "expect close within 300ms\n", quit_no_close, NULL, RUN_FAIL, 9,
	  "still open" },
	{ "a 221 after a WARN ends the scenario without blame",
	  HDR "level SHOULD\nconnect\nexpect 220\nsend MAILFROM:<a@b>\n"
	  "expect 500\nsend RSET\nexpect 250\n", hangup_221, NULL, RUN_WARN,
	  8, "got 221" },
	{ "a 221 at MUST is still a FAIL",
	  HDR "level MUST\nconnect\nexpect 220\nsend MAILFROM:<a@b>\n"
	  "expect 500\nsend RSET\nexpect 250\n", hangup_221, NULL, RUN_FAIL,
	  8, "got 221" },
	{ "expect no keyword with a pattern: other parameters pass",
	  HDR "level MUST\nconnect\nexpect 220\nsend EHLO h.example\n"
	  "expect 250\nexpect no keyword SIZE /^2/\n", greet_ehlo_quit, NULL,
	  RUN_PASS, 0, NULL },
	{ "expect no keyword with a pattern: matching parameters fail",
	  HDR "level MUST\nconnect\nexpect 220\nsend EHLO h.example\n"
	  "expect 250\nexpect no keyword SIZE /^[0-9]+$/\n", greet_ehlo_quit,
	  NULL, RUN_FAIL, 9, "offered with" },
	{ "times 2 reads two replies",
	  HDR "level MUST\nconnect\nexpect 220\nsend NOOP\n"
	  "expect 250 times 2\nexpect silence 200ms\n", extra_reply, NULL,
	  RUN_PASS, 0, NULL },
	{ "times 3 when two come fails",
	  HDR "level MUST\nconnect\nexpect 220\nsend NOOP\n"
	  "expect 250 times 3 within 300ms\n", extra_reply, NULL, RUN_FAIL,
	  8, "no reply within" },
	{ "skip-on ends the scenario as SKIP",
	  HDR "level MUST\nconnect\nexpect 220\nsend NOOP x\n"
	  "expect 250 skip-on 5xx\nsend NOOP\nexpect 250\n", reply_501,
	  NULL, RUN_SKIP, 8, "not applicable" },
	{ "plaintext after the 220 to STARTTLS fails",
	  HDR "level MUST\nconnect\nexpect 220\nsend STARTTLS\n"
	  "expect 220\nstarttls\n", starttls_injected, NULL, RUN_FAIL, 9,
	  "in clear after the 220" },
	{ "a handshake the server drops fails",
	  HDR "level MUST\nconnect\nexpect 220\nsend STARTTLS\n"
	  "expect 220\nstarttls\n", starttls_hangup, NULL, RUN_FAIL, 9,
	  "closed" },
	{ "starttls fails: a failed handshake passes",
	  HDR "level MUST\nconnect\nexpect 220\nsend STARTTLS\n"
	  "expect 220\nstarttls fails\n", starttls_hangup, NULL, RUN_PASS, 0,
	  NULL },
	{ "expect tls without TLS is an ERROR",
	  HDR "level MUST\nconnect\nexpect 220\nexpect tls verified\n",
	  greet_ehlo_quit, NULL, RUN_ERROR, 7, "no TLS session" },
	{ "requires tls skips when the probe got no TLS",
	  HDR "level MUST\nrequires tls\nconnect\nexpect 220\n",
	  greet_ehlo_quit, NULL, RUN_SKIP, 0, "TLS is not available" },
	{ NULL, NULL, NULL, NULL, 0, 0, NULL },
};

/* test_run_exec_cases - every case of the table. */
static void
test_run_exec_cases(void)
{
	struct fake_server fs;
	struct run_ctx ctx;
	struct run_result r;
	struct scn_vars *vars;
	struct sc_err err;
	struct scn *s;
	char port[16], kwbuf[128], *tok, *save;
	size_t i;

	signal(SIGPIPE, SIG_IGN);	/* the fake server writes to closed peers */
	for (i = 0; cases[i].name != NULL; i++) {
		memset(&err, 0, sizeof(err));
		s = scn_parse_buf("t.scn", cases[i].scn, strlen(cases[i].scn),
		    &err);
		if (s == NULL)
			fprintf(stderr, "%s: parse: %d:%d: %s\n", cases[i].name,
			    err.line, err.col, err.msg);
		CU_ASSERT_FATAL(s != NULL);
		fs_start(&fs, cases[i].server);
		vars = scn_vars_new();
		memset(&ctx, 0, sizeof(ctx));
		snprintf(port, sizeof(port), "%d", fs.port);
		ctx.host = xstrdup("127.0.0.1");
		ctx.port = xstrdup(port);
		ctx.target = xstrdup("fake");
		ctx.vars = vars;
		ctx.timeout_scale = 1.0;
		{
			struct tls_client_opts to = { .insecure = true };

			ctx.tls = tls_client_ctx_new(&to, &err);
			CU_ASSERT_FATAL(ctx.tls != NULL);
		}
		if (cases[i].keywords != NULL) {
			snprintf(kwbuf, sizeof(kwbuf), "%s", cases[i].keywords);
			for (tok = strtok_r(kwbuf, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save)) {
				ctx.probe.kw.kw = xreallocarray(
				    ctx.probe.kw.kw, ctx.probe.kw.n + 1,
				    sizeof(char *));
				ctx.probe.kw.kw[ctx.probe.kw.n++] =
				    xstrdup(tok);
			}
		}
		memset(&r, 0, sizeof(r));
		run_scenario(&ctx, s, &r);
		if (r.verdict == RUN_SKIP) {
			/* nothing connected: let the server thread go */
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			struct sockaddr_in sin = { .sin_family = AF_INET,
			    .sin_port = htons((uint16_t)fs.port),
			    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

			(void)!connect(fd, (void *)&sin, sizeof(sin));
			close(fd);
		}
		fs_stop(&fs);
		if (r.verdict != cases[i].want ||
		    (cases[i].want_line != 0 &&
		    r.step_line != cases[i].want_line) ||
		    (cases[i].want_reason != NULL && (r.reason == NULL ||
		    strstr(r.reason, cases[i].want_reason) == NULL)))
			fprintf(stderr, "case \"%s\": verdict %s line %d reason "
			    "\"%s\" got \"%s\"\n", cases[i].name,
			    run_verdict_str(r.verdict), r.step_line,
			    r.reason ? r.reason : "", r.got ? r.got : "");
		CU_ASSERT_EQUAL(r.verdict, cases[i].want);
		if (cases[i].want_line != 0)
			CU_ASSERT_EQUAL(r.step_line, cases[i].want_line);
		if (cases[i].want_reason != NULL)
			CU_ASSERT(r.reason != NULL &&
			    strstr(r.reason, cases[i].want_reason) != NULL);
		if (r.verdict != RUN_PASS && r.verdict != RUN_SKIP)
			CU_ASSERT(r.tr.n > 0);
		run_result_clear(&r);
		run_ctx_clear(&ctx);
		scn_vars_free(vars);
		scn_free(s);
	}
}

/* test_run_exec_polite_quit - an open session ends with QUIT. */
static void
test_run_exec_polite_quit(void)
{
	static const struct fs_action script[] = {
		{ FS_SEND, "220 mx.example ESMTP\r\n", 0, 0, 0 },
		{ FS_END, 0, 0, 0, 0 },
	};
	const char *text = HDR "level MUST\nconnect\nexpect 220\n";
	struct fake_server fs;
	struct run_ctx ctx;
	struct run_result r;
	struct scn_vars *vars = scn_vars_new();
	struct sc_err err = { 0 };
	struct scn *s;
	char port[16];

	s = scn_parse_buf("t.scn", text, strlen(text), &err);
	CU_ASSERT_FATAL(s != NULL);
	fs_start(&fs, script);
	memset(&ctx, 0, sizeof(ctx));
	snprintf(port, sizeof(port), "%d", fs.port);
	ctx.host = xstrdup("127.0.0.1");
	ctx.port = xstrdup(port);
	ctx.vars = vars;
	ctx.timeout_scale = 1.0;
	memset(&r, 0, sizeof(r));
	run_scenario(&ctx, s, &r);
	fs_stop(&fs);
	CU_ASSERT_EQUAL(r.verdict, RUN_PASS);
	CU_ASSERT(fs.gotlen == 6 && memcmp(fs.got, "QUIT\r\n", 6) == 0);
	run_result_clear(&r);
	run_ctx_clear(&ctx);
	scn_vars_free(vars);
	scn_free(s);
}

/* test_run_exec_unreachable_probe - the probe reports a refused port. */
static void
test_run_exec_unreachable_probe(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct run_ctx ctx;
	struct sc_err err = { 0 };
	struct scn_vars *vars = scn_vars_new();
	char port[16];
	int fd;

	/* a port that was just free: bound, then closed without listening */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(bind(fd, (void *)&sin, sizeof(sin)) == 0);
	getsockname(fd, (void *)&sin, &len);
	snprintf(port, sizeof(port), "%d", ntohs(sin.sin_port));
	close(fd);
	memset(&ctx, 0, sizeof(ctx));
	ctx.host = xstrdup("127.0.0.1");
	ctx.port = xstrdup(port);
	ctx.vars = vars;
	ctx.timeout_scale = 1.0;
	CU_ASSERT_EQUAL(run_probe_target(&ctx, &err), -1);
	CU_ASSERT(err.set);
	run_ctx_clear(&ctx);
	scn_vars_free(vars);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_run_exec_cases),
	CU_T(test_run_exec_polite_quit),
	CU_T(test_run_exec_unreachable_probe),
	{ NULL, NULL },
};

#define CU_SUITE_NAME "run_exec"
#include "cu_main.h"
