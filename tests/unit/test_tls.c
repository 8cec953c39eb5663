/* SPDX-License-Identifier: ISC */
/*
 * test_tls.c - conn_start_tls and tls_client_ctx_new against an OpenSSL
 * server in a thread of this test (127.0.0.1 or ::1, port 0), serving
 * each fixture of fixtures/tls in turn: verification outcomes, the info
 * record, a round trip through TLS, insecure mode, a handshake deadline
 * and SSLKEYLOGFILE. Reasons are matched without case: OpenSSL 3.0 says
 * "hostname mismatch" where older releases said "Hostname mismatch".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "cu_main.h"
#include "conn.h"
#include "sc_util.h"
#include "tls.h"

#define FIX_DIR		SC_SOURCE_DIR "/fixtures/tls/"
#define CA_FILE		FIX_DIR "ca.pem"
#define TS_ACCEPT_MS	5000	/* the server thread gives up after this */
#define TS_IO_SEC	5	/* its socket timeouts */
#define TS_DEADLINE_MS	5000	/* client-side deadline per operation */
#define TS_HANG_MS	300	/* handshake deadline against a mute server */

/* A one-connection TLS echo server on loopback. */
struct tls_srv {
	SSL_CTX		*ctx;
	int		 lfd;
	char		 port[8];
	pthread_t	 tid;
	bool		 accepted;	/* SSL_accept succeeded */
};

/* ts_dl - a deadline ms from now. */
static int64_t
ts_dl(long ms)
{
	return sc_now_us() + (int64_t)ms * 1000;
}

/* ts_thread - accept one client, handshake, echo until EOF. */
static void *
ts_thread(void *arg)
{
	struct tls_srv *ts = arg;
	struct pollfd p = { .fd = ts->lfd, .events = POLLIN };
	struct timeval tv = { .tv_sec = TS_IO_SEC };
	char buf[4096];
	sigset_t pipe;
	SSL *ssl;
	int fd, n;

	/* This server writes with write(2) and may hit a closed client: keep
	 * that SIGPIPE in this thread. The client side stays unprotected,
	 * which checks that conn never raises one. */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	if (poll(&p, 1, TS_ACCEPT_MS) != 1)
		return NULL;
	fd = accept(ts->lfd, NULL, NULL);
	if (fd == -1)
		return NULL;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ssl = SSL_new(ts->ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		ts->accepted = true;
		while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
			if (SSL_write(ssl, buf, n) != n)
				break;
		(void)SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	close(fd);
	return NULL;
}

/* ts_listen - a listening socket on loopback port 0 of family; the port
 * in port. Returns the fd, or -1 with why filled. */
static int
ts_listen(int family, char *port, size_t portsize, char *why, size_t whysize)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		/* cut to whysize: only printed */
		(void)snprintf(why, whysize, "socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		(void)snprintf(why, whysize, "bind/listen: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (snprintf(port, portsize, "%d", ntohs(family == AF_INET6 ?
	    s6->sin6_port : s4->sin_port)) >= (int)portsize)
		fatal("port buffer too small");
	return fd;
}

/* ts_start - serve fixture name (name.pem, name.key). false with why
 * filled when the family is not available. */
static bool
ts_start(struct tls_srv *ts, int family, const char *name, char *why,
    size_t whysize)
{
	char cert[512], key[512];

	memset(ts, 0, sizeof(*ts));
	if (snprintf(cert, sizeof(cert), FIX_DIR "%s.pem", name) >=
	    (int)sizeof(cert) || snprintf(key, sizeof(key), FIX_DIR "%s.key",
	    name) >= (int)sizeof(key))
		fatal("fixture path too long: %s", name);
	ts->ctx = SSL_CTX_new(TLS_server_method());
	if (ts->ctx == NULL ||
	    SSL_CTX_use_certificate_chain_file(ts->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ts->ctx, key, SSL_FILETYPE_PEM) != 1)
		fatal("test server: cannot load %s / %s", cert, key);
	ts->lfd = ts_listen(family, ts->port, sizeof(ts->port), why,
	    whysize);
	if (ts->lfd == -1) {
		SSL_CTX_free(ts->ctx);
		return false;
	}
	if (pthread_create(&ts->tid, NULL, ts_thread, ts) != 0)
		fatal("pthread_create");
	return true;
}

/* ts_stop - join the server thread and release. */
static void
ts_stop(struct tls_srv *ts)
{
	pthread_join(ts->tid, NULL);
	close(ts->lfd);
	SSL_CTX_free(ts->ctx);
}

/* A client connection and the context it uses (which must outlive it). */
struct ts_cli {
	struct tls_ctx	*t;
	struct conn	*c;
};

/* ts_client_opts - connect to addr:port and start TLS checking name,
 * with one handshake's options h (may be NULL). */
static enum conn_status
ts_client_opts(struct ts_cli *cl, const char *addr, const char *port,
    const char *name, const struct tls_client_opts *o,
    const struct conn_tls_opts *h, struct conn_tls_info *info,
    struct sc_err *err)
{
	enum conn_status st;

	cl->c = NULL;
	cl->t = tls_client_ctx_new(o, err);
	if (cl->t == NULL)
		return CONN_ERR;
	st = conn_connect(addr, port, ts_dl(TS_DEADLINE_MS), &cl->c, err);
	if (st != CONN_OK)
		return st;
	return conn_start_tls(cl->c, cl->t, name, h, ts_dl(TS_DEADLINE_MS),
	    info, err);
}

/* ts_client - ts_client_opts with the defaults. */
static enum conn_status
ts_client(struct ts_cli *cl, const char *addr, const char *port,
    const char *name, const struct tls_client_opts *o,
    struct conn_tls_info *info, struct sc_err *err)
{
	return ts_client_opts(cl, addr, port, name, o, NULL, info, err);
}

/* ts_client_free - connection first, then its context. */
static void
ts_client_free(struct ts_cli *cl)
{
	conn_free(cl->c);
	tls_ctx_free(cl->t);
	cl->c = NULL;
	cl->t = NULL;
}

/* ts_round_trip - one line out and back through TLS. */
static void
ts_round_trip(struct conn *c, const char *what)
{
	static const char line[] = "EHLO through TLS\r\n";
	struct sc_err err = { 0 };
	char buf[64];
	size_t got = 0, n;
	enum conn_status st;

	st = conn_write(c, line, sizeof(line) - 1, ts_dl(TS_DEADLINE_MS), &err);
	CU_ASSERT_EQUAL(st, CONN_OK);
	while (st == CONN_OK && got < sizeof(line) - 1) {
		st = conn_read(c, buf + got, sizeof(buf) - got, &n,
		    ts_dl(TS_DEADLINE_MS), &err);
		if (st == CONN_OK)
			got += n;
	}
	if (st != CONN_OK || got != sizeof(line) - 1 ||
	    memcmp(buf, line, got) != 0)
		printf("\n  %s: round trip: %s, %zu bytes: %s\n", what,
		    conn_status_str(st), got, err.msg);
	CU_ASSERT_EQUAL(st, CONN_OK);
	CU_ASSERT_EQUAL(got, sizeof(line) - 1);
	CU_ASSERT(memcmp(buf, line, sizeof(line) - 1) == 0);
}

/* ts_check_info - the info of a good handshake to server.pem. */
static void
ts_check_info(const struct conn_tls_info *info, bool verified)
{
	size_t n = strlen(info->not_after);

	CU_ASSERT(strncmp(info->version, "TLSv1.", 6) == 0);
	CU_ASSERT(info->cipher[0] != '\0');
	CU_ASSERT_PTR_NOT_NULL(strstr(info->subject, "CN=localhost"));
	CU_ASSERT(n == 20 && info->not_after[4] == '-' &&
	    info->not_after[10] == 'T' && info->not_after[n - 1] == 'Z');
	CU_ASSERT_EQUAL(info->verified, verified);
	CU_ASSERT_EQUAL(info->verify_error[0] == '\0', verified);
}

/* test_tls_verified_round_trip - server.pem via ca.pem: verified, info
 * filled, bytes echo through TLS. */
static void
test_tls_verified_round_trip(void)
{
	struct tls_client_opts o = { .ca_file = CA_FILE };
	struct conn_tls_info info;
	struct sc_err err = { 0 };
	struct tls_srv ts;
	struct ts_cli cl;
	enum conn_status st;
	char why[128];

	CU_ASSERT_FATAL(ts_start(&ts, AF_INET, "server", why, sizeof(why)));
	st = ts_client(&cl, "127.0.0.1", ts.port, "localhost", &o, &info,
	    &err);
	if (st != CONN_OK)
		printf("\n  server: %s: %s\n", conn_status_str(st), err.msg);
	CU_ASSERT_EQUAL(st, CONN_OK);
	if (st == CONN_OK) {
		CU_ASSERT(conn_is_tls(cl.c));
		ts_check_info(&info, true);
		CU_ASSERT(info.days_left > 1000);
		CU_ASSERT_PTR_NOT_NULL(strstr(info.issuer, "TEST-ONLY CA"));
		ts_round_trip(cl.c, "server");
		conn_shutdown_write(cl.c);
	}
	ts_client_free(&cl);
	ts_stop(&ts);
	CU_ASSERT(ts.accepted);
}

/* test_tls_verify_failures - each bad fixture fails with its reason. */
static void
test_tls_verify_failures(void)
{
	static const struct {
		const char *fixture, *want[3];
	} cases[] = {
		{ "expired", { "certificate has expired" } },
		{ "notyet", { "not yet valid" } },
		{ "wronghost", { "hostname mismatch" } },
		{ "selfsigned", { "self-signed", "self signed",
		    "unable to get local issuer" } },
	};
	struct tls_client_opts o = { .ca_file = CA_FILE };
	struct conn_tls_info info;
	struct tls_srv ts;
	struct ts_cli cl;
	enum conn_status st;
	char why[128];
	size_t i, j;
	bool found;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sc_err err = { 0 };

		CU_ASSERT_FATAL(ts_start(&ts, AF_INET, cases[i].fixture, why,
		    sizeof(why)));
		st = ts_client(&cl, "127.0.0.1", ts.port, "localhost", &o,
		    &info, &err);
		found = false;
		for (j = 0; j < 3 && cases[i].want[j] != NULL; j++)
			if (strcasestr(err.msg, cases[i].want[j]) != NULL)
				found = true;
		if (st != CONN_ERR || !found || strchr(err.msg, '\n') != NULL)
			printf("\n  %s: %s: \"%s\" (want \"%s\")\n",
			    cases[i].fixture, conn_status_str(st), err.msg,
			    cases[i].want[0]);
		CU_ASSERT_EQUAL(st, CONN_ERR);
		CU_ASSERT(found);
		CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
		CU_ASSERT(!info.verified);
		CU_ASSERT(info.verify_error[0] != '\0');
		ts_client_free(&cl);
		ts_stop(&ts);
		CU_ASSERT(!ts.accepted);
	}
}

/* test_tls_insecure_selfsigned - insecure: the handshake completes,
 * verified=false with the reason, and TLS works. */
static void
test_tls_insecure_selfsigned(void)
{
	struct tls_client_opts o = { .ca_file = CA_FILE, .insecure = true };
	struct conn_tls_info info;
	struct sc_err err = { 0 };
	struct tls_srv ts;
	struct ts_cli cl;
	enum conn_status st;
	char why[128];

	CU_ASSERT_FATAL(ts_start(&ts, AF_INET, "selfsigned", why,
	    sizeof(why)));
	st = ts_client(&cl, "127.0.0.1", ts.port, "localhost", &o, &info,
	    &err);
	if (st != CONN_OK)
		printf("\n  insecure: %s: %s\n", conn_status_str(st), err.msg);
	CU_ASSERT_EQUAL(st, CONN_OK);
	if (st == CONN_OK) {
		ts_check_info(&info, false);
		CU_ASSERT(strstr(info.verify_error, "self") != NULL ||
		    strstr(info.verify_error, "local issuer") != NULL);
		ts_round_trip(cl.c, "insecure");
	}
	ts_client_free(&cl);
	ts_stop(&ts);
}

/* test_tls_any_cert - a verifying context, but one handshake asks for
 * any certificate: it completes, says why it did not verify, and flags
 * the self-signed certificate; server.pem is not self-signed. */
static void
test_tls_any_cert(void)
{
	struct tls_client_opts o = { .ca_file = CA_FILE };
	struct conn_tls_opts h = { .any_cert = true };
	struct conn_tls_info info;
	struct sc_err err = { 0 };
	struct tls_srv ts;
	struct ts_cli cl;
	enum conn_status st;
	char why[128];

	CU_ASSERT_FATAL(ts_start(&ts, AF_INET, "selfsigned", why,
	    sizeof(why)));
	st = ts_client_opts(&cl, "127.0.0.1", ts.port, "localhost", &o, &h,
	    &info, &err);
	CU_ASSERT_EQUAL(st, CONN_OK);
	if (st == CONN_OK) {
		ts_check_info(&info, false);
		CU_ASSERT(info.self_signed);
		ts_round_trip(cl.c, "any-cert");
	}
	ts_client_free(&cl);
	ts_stop(&ts);

	CU_ASSERT_FATAL(ts_start(&ts, AF_INET, "server", why, sizeof(why)));
	st = ts_client_opts(&cl, "127.0.0.1", ts.port, "localhost", &o, &h,
	    &info, &err);
	CU_ASSERT_EQUAL(st, CONN_OK);
	if (st == CONN_OK) {
		ts_check_info(&info, true);
		CU_ASSERT(!info.self_signed);
	}
	ts_client_free(&cl);
	ts_stop(&ts);
}

/* test_tls_old_version_refused - offering only TLS 1.0-1.1 to a server
 * at OpenSSL's defaults fails the handshake with a reason; a bad cipher
 * list is a clear error before any byte is sent. */
static void
test_tls_old_version_refused(void)
{
	struct tls_client_opts o = { .ca_file = CA_FILE };
	struct conn_tls_opts h = { .max_version = TLS1_1_VERSION };
	struct conn_tls_opts bad = { .ciphers = "NO-SUCH-CIPHER" };
	struct conn_tls_info info;
	struct sc_err err = { 0 };
	struct tls_srv ts;
	struct ts_cli cl;
	enum conn_status st;
	char why[128];

	CU_ASSERT_FATAL(ts_start(&ts, AF_INET, "server", why, sizeof(why)));
	st = ts_client_opts(&cl, "127.0.0.1", ts.port, "localhost", &o, &h,
	    &info, &err);
	CU_ASSERT(st == CONN_ERR || st == CONN_EOF);
	CU_ASSERT(err.set && strstr(err.msg, "TLS") != NULL);
	ts_client_free(&cl);
	ts_stop(&ts);

	memset(&err, 0, sizeof(err));
	CU_ASSERT_FATAL(ts_start(&ts, AF_INET, "server", why, sizeof(why)));
	st = ts_client_opts(&cl, "127.0.0.1", ts.port, "localhost", &o, &bad,
	    &info, &err);
	CU_ASSERT_EQUAL(st, CONN_ERR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "NO-SUCH-CIPHER"));
	ts_client_free(&cl);
	ts_stop(&ts);
}

/* test_tls_version_names - parsing and ordering of version names. */
static void
test_tls_version_names(void)
{
	CU_ASSERT_EQUAL(conn_tls_version_parse("1.2"), TLS1_2_VERSION);
	CU_ASSERT_EQUAL(conn_tls_version_parse("TLSv1.3"), TLS1_3_VERSION);
	CU_ASSERT_EQUAL(conn_tls_version_parse("TLSv1"), TLS1_VERSION);
	CU_ASSERT_EQUAL(conn_tls_version_parse("1.4"), 0);
	CU_ASSERT_EQUAL(conn_tls_version_parse("SSLv3"), 0);
	CU_ASSERT(conn_tls_version_cmp("TLSv1.2", "TLSv1.3") < 0);
	CU_ASSERT(conn_tls_version_cmp("TLSv1.3", "TLSv1.3") == 0);
	CU_ASSERT(conn_tls_version_cmp("TLSv1", "TLSv1.1") < 0);
	CU_ASSERT(conn_tls_version_cmp("", "TLSv1") < 0);
}

/* test_tls_ip_literals - an IP target is checked against IP SANs: on
 * 127.0.0.1, and on ::1 when this host has IPv6. */
static void
test_tls_ip_literals(void)
{
	static const struct {
		int family;
		const char *addr;
	} cases[] = {
		{ AF_INET, "127.0.0.1" },
		{ AF_INET6, "::1" },
	};
	struct tls_client_opts o = { .ca_file = CA_FILE };
	struct conn_tls_info info;
	struct tls_srv ts;
	struct ts_cli cl;
	enum conn_status st;
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sc_err err = { 0 };

		if (!ts_start(&ts, cases[i].family, "server", why,
		    sizeof(why))) {
			CU_ASSERT_EQUAL(cases[i].family, AF_INET6);
			printf("\n  skipping the %s sub-check: no IPv6 "
			    "loopback (%s)\n", cases[i].addr, why);
			continue;
		}
		st = ts_client(&cl, cases[i].addr, ts.port, cases[i].addr, &o,
		    &info, &err);
		if (st != CONN_OK)
			printf("\n  %s: %s: %s\n", cases[i].addr,
			    conn_status_str(st), err.msg);
		CU_ASSERT_EQUAL(st, CONN_OK);
		if (st == CONN_OK) {
			ts_check_info(&info, true);
			ts_round_trip(cl.c, cases[i].addr);
		}
		ts_client_free(&cl);
		ts_stop(&ts);
	}
}

/* test_tls_handshake_timeout - a server that never answers the
 * ClientHello: CONN_TIMEOUT at the deadline, not later. */
static void
test_tls_handshake_timeout(void)
{
	struct tls_client_opts o = { .ca_file = CA_FILE };
	struct sc_err err = { 0 };
	struct conn_tls_info info;
	struct tls_ctx *t;
	struct conn *c = NULL;
	enum conn_status st;
	char port[8], why[128];
	int64_t t0, ms;
	int lfd;

	/* Listening but never accepting: the kernel completes the TCP
	 * handshake, nobody reads the ClientHello. */
	lfd = ts_listen(AF_INET, port, sizeof(port), why, sizeof(why));
	CU_ASSERT_FATAL(lfd != -1);
	t = tls_client_ctx_new(&o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	st = conn_connect("127.0.0.1", port, ts_dl(TS_DEADLINE_MS), &c, &err);
	CU_ASSERT_EQUAL_FATAL(st, CONN_OK);
	t0 = sc_now_us();
	st = conn_start_tls(c, t, "localhost", NULL, ts_dl(TS_HANG_MS), &info,
	    &err);
	ms = (sc_now_us() - t0) / 1000;
	CU_ASSERT_EQUAL(st, CONN_TIMEOUT);
	CU_ASSERT(ms >= TS_HANG_MS - 5 && ms < TS_HANG_MS + 500);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "timed out"));
	CU_ASSERT(!conn_is_tls(c));
	conn_free(c);
	tls_ctx_free(t);
	close(lfd);
}

/* test_tls_keylog - SSLKEYLOGFILE gets NSS key log lines. */
static void
test_tls_keylog(void)
{
	struct tls_client_opts o = { .ca_file = CA_FILE };
	struct conn_tls_info info;
	struct sc_err err = { 0 };
	struct tls_srv ts;
	struct ts_cli cl;
	enum conn_status st;
	char path[] = "/tmp/test_tls_keylog.XXXXXX", why[128], *text;
	size_t len = 0;
	int fd;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd != -1);
	close(fd);
	CU_ASSERT_FATAL(setenv("SSLKEYLOGFILE", path, 1) == 0);
	CU_ASSERT_FATAL(ts_start(&ts, AF_INET, "server", why, sizeof(why)));
	st = ts_client(&cl, "127.0.0.1", ts.port, "localhost", &o, &info,
	    &err);
	unsetenv("SSLKEYLOGFILE");
	CU_ASSERT_EQUAL(st, CONN_OK);
	ts_client_free(&cl);
	ts_stop(&ts);
	text = sc_read_file(path, 1 << 20, &len, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(strstr(text, "CLIENT_RANDOM ") != NULL ||
	    strstr(text, "CLIENT_TRAFFIC_SECRET_0 ") != NULL);
	CU_ASSERT(len > 0 && text[len - 1] == '\n');
	free(text);
	unlink(path);
}

/* test_tls_bad_ca_file - a missing CA file is a user error naming it. */
static void
test_tls_bad_ca_file(void)
{
	struct tls_client_opts o = { .ca_file = FIX_DIR "no-such-ca.pem" };
	struct sc_err err = { 0 };
	struct tls_ctx *t;

	t = tls_client_ctx_new(&o, &err);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT(err.set);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.file, "no-such-ca.pem"));
	tls_ctx_free(t);
}

static const struct cu_test cu_tests[] = {
	CU_T(test_tls_verified_round_trip),
	CU_T(test_tls_verify_failures),
	CU_T(test_tls_insecure_selfsigned),
	CU_T(test_tls_any_cert),
	CU_T(test_tls_old_version_refused),
	CU_T(test_tls_version_names),
	CU_T(test_tls_ip_literals),
	CU_T(test_tls_handshake_timeout),
	CU_T(test_tls_keylog),
	CU_T(test_tls_bad_ca_file),
	{ NULL, NULL },
};

#define CU_SUITE_NAME "tls"
#include "cu_main.h"
