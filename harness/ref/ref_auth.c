/* SPDX-License-Identifier: ISC */
/*
 * ref_auth.c - AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN.
 *
 * The exchange is a sub-state of REF_SMTP_AUTH (enum ref_auth_step); each
 * response line is strict base64 (RFC 4648 4: alphabet only, '=' only as
 * the final padding, length a multiple of 4), since OpenSSL's
 * EVP_DecodeBlock skips white space and would hide a client's mistake.
 * An unknown user and a wrong password get the same 535, so the reply
 * does not tell which accounts exist. The AUTH faults (ref_conf.h) are
 * each checked here, in one place.
 */
#include "ref_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ref_conf.h"
#include "ref_sess.h"
#include "ref_smtp.h"
#include "ref_xtext.h"
#include "sc_esc.h"
#include "sc_util.h"

/* The LOGIN challenges: base64 of "Username:" and "Password:". */
#define REF_AUTH_LOGIN_USER_B64	"VXNlcm5hbWU6"
#define REF_AUTH_LOGIN_PASS_B64	"UGFzc3dvcmQ6"

enum ref_auth_mech {
	REF_AUTH_MECH_NONE,
	REF_AUTH_MECH_PLAIN,
	REF_AUTH_MECH_LOGIN,
};

/* ref_auth_step_str - enum name. */
const char *
ref_auth_step_str(enum ref_auth_step st)
{
	static char buf[32];

	switch (st) {
#define CASE(x)	case REF_AUTH_##x: return #x
	CASE(IDLE);
	CASE(PLAIN);
	CASE(LOGIN_USER);
	CASE(LOGIN_PASS);
#undef CASE
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)st);
	return buf;
}

/* ref_auth_init - idle. */
void
ref_auth_init(struct ref_auth *a)
{
	memset(a, 0, sizeof(*a));
	a->step = REF_AUTH_IDLE;
}

/* ref_auth_forget_user - wipe and free LOGIN's user name. */
static void
ref_auth_forget_user(struct ref_auth *a)
{
	if (a->login_user != NULL) {
		explicit_bzero(a->login_user, a->login_user_len);
		free(a->login_user);
	}
	a->login_user = NULL;
	a->login_user_len = 0;
}

/* ref_auth_clear - free; not authenticated any more. */
void
ref_auth_clear(struct ref_auth *a)
{
	ref_auth_forget_user(a);
	ref_auth_init(a);
}

/* ref_auth_enter_step - the one writer of s->auth.step. */
static void
ref_auth_enter_step(struct ref_sess *s, enum ref_auth_step st)
{
	if (s->auth.step != st)
		ref_sess_log(s, "auth=%s->%s", ref_auth_step_str(s->auth.step),
		    ref_auth_step_str(st));
	s->auth.step = st;
	if (st != REF_AUTH_IDLE)
		ref_smtp_enter_state(s, REF_SMTP_AUTH);
}

/*
 * ref_auth_leave - the exchange is over: back where AUTH was given, the
 * base state or (auth-in-transaction-ok) the transaction.
 */
static void
ref_auth_leave(struct ref_sess *s)
{
	enum ref_smtp_state back = REF_SMTP_READY;

	ref_auth_forget_user(&s->auth);
	ref_auth_enter_step(s, REF_AUTH_IDLE);
	if (s->tx != NULL)
		back = s->tx->nrcpts > 0 ? REF_SMTP_RCPT : REF_SMTP_MAIL;
	if (s->state == REF_SMTP_AUTH)
		ref_smtp_enter_state(s, back);
}

/* ref_auth_is_offered - accounts, and TLS or clear text allowed. */
bool
ref_auth_is_offered(const struct ref_sess *s)
{
	if (s->conf->ncreds == 0)
		return false;
	return s->tls || s->conf->auth_clear || REF_FAULT(s, AUTH_IN_CLEAR);
}

/* ref_auth_b64_value - one base64 digit's value, -1 outside the set. */
static int
ref_auth_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * ref_auth_b64_decode - strict base64 of in[0..len) into an owned buffer
 * (*out, *outlen; NUL-terminated for convenience, NULs inside allowed).
 * Returns 0, or -1 (nothing allocated) for octets outside the alphabet,
 * '=' anywhere but the last one or two places, or a length that is not a
 * multiple of 4. The empty string decodes to the empty string.
 */
static int
ref_auth_b64_decode(const char *in, size_t len, unsigned char **out,
    size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	unsigned char *o;
	size_t i, n = 0, pad = 0;
	unsigned long acc = 0;
	int v, k;

	if (len % 4 != 0)
		return -1;
	if (len > 0 && p[len - 1] == '=')
		pad = len > 1 && p[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (ref_auth_b64_value(p[i]) < 0)
			return -1;
	o = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (k = 0; k < 4; k++) {
			v = p[i + k] == '=' ? 0 : ref_auth_b64_value(p[i + k]);
			acc = acc << 6 | (unsigned long)v;
		}
		o[n++] = (unsigned char)(acc >> 16);
		if (i + 4 < len || pad < 2)
			o[n++] = (unsigned char)(acc >> 8 & 0xff);
		if (i + 4 < len || pad < 1)
			o[n++] = (unsigned char)(acc & 0xff);
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
}

/* ref_auth_free_secret - wipe and free a decoded response. */
static void
ref_auth_free_secret(unsigned char *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

/*
 * ref_auth_creds_ok - is user/password an --auth-users account? Names
 * and passwords compare exactly (octets, any case matters).
 */
static bool
ref_auth_creds_ok(const struct ref_sess *s, const unsigned char *user,
    size_t ulen, const unsigned char *pass, size_t plen)
{
	const struct ref_conf_cred *c;
	size_t i;

	for (i = 0; i < s->conf->ncreds; i++) {
		c = &s->conf->creds[i];
		if (strlen(c->user) != ulen || memcmp(c->user, user, ulen) != 0)
			continue;
		if (REF_FAULT(s, AUTH_ANY_PASSWORD))
			return true;
		return strlen(c->password) == plen &&
		    memcmp(c->password, pass, plen) == 0;
	}
	return false;
}

/* ref_auth_finish - 235 or 535 for user/password, and the end. */
static void
ref_auth_finish(struct ref_sess *s, const char *mech,
    const unsigned char *user, size_t ulen, const unsigned char *pass,
    size_t plen)
{
	char *esc;

	if (ref_auth_creds_ok(s, user, ulen, pass, plen)) {
		if (s->conf->verbose > 0) {
			esc = sc_esc((const char *)user, ulen,
			    REF_LOG_SHOW_MAX);
			ref_sess_log(s, "ev=auth mech=%s result=ok user=\"%s\"",
			    mech, esc);
			free(esc);
		}
		s->auth.done = true;
		ref_smtp_reply(s, 235, "2.7.0", "Authentication successful");
	} else {
		/* No user name: a mistyped password often lands there. */
		ref_sess_log(s, "ev=auth mech=%s result=fail", mech);
		ref_smtp_reply(s, 535, "5.7.8",
		    "Authentication credentials invalid");
	}
	ref_auth_leave(s);
}

/*
 * ref_auth_plain - RFC 4616 2: [authzid] NUL authcid NUL passwd. Exactly
 * two NULs, a non-empty authcid and password, and an authzid that is
 * empty or the authcid itself (we act for nobody else): otherwise 535.
 */
static void
ref_auth_plain(struct ref_sess *s, const unsigned char *m, size_t n)
{
	const unsigned char *nul1, *nul2, *cid, *pw;
	size_t zlen, clen, plen;

	nul1 = memchr(m, '\0', n);
	nul2 = nul1 != NULL ? memchr(nul1 + 1, '\0',
	    n - (size_t)(nul1 + 1 - m)) : NULL;
	if (nul2 == NULL || memchr(nul2 + 1, '\0',
	    n - (size_t)(nul2 + 1 - m)) != NULL) {
		ref_sess_log(s, "ev=auth mech=PLAIN result=fail "
		    "error=malformed");
		ref_smtp_reply(s, 535, "5.7.8",
		    "Authentication credentials invalid");
		ref_auth_leave(s);
		return;
	}
	zlen = (size_t)(nul1 - m);
	cid = nul1 + 1;
	clen = (size_t)(nul2 - cid);
	pw = nul2 + 1;
	plen = n - (size_t)(pw - m);
	if (clen == 0 || plen == 0 ||
	    (zlen > 0 && (zlen != clen || memcmp(m, cid, clen) != 0))) {
		ref_sess_log(s, "ev=auth mech=PLAIN result=fail "
		    "error=identity");
		ref_smtp_reply(s, 535, "5.7.8",
		    "Authentication credentials invalid");
		ref_auth_leave(s);
		return;
	}
	ref_auth_finish(s, "PLAIN", cid, clen, pw, plen);
}

/* ref_auth_bad_b64 - 501 5.5.2 (4954 4), and the end. */
static void
ref_auth_bad_b64(struct ref_sess *s)
{
	ref_sess_log(s, "ev=auth result=fail error=base64");
	if (REF_FAULT(s, AUTH_BAD_BASE64_535))
		ref_smtp_reply(s, 535, "5.7.8",
		    "Authentication credentials invalid");
	else
		ref_smtp_reply(s, 501, "5.5.2",
		    "Cannot decode response (base64)");
	ref_auth_leave(s);
}

/* ref_auth_login_user - LOGIN's user name is in: ask for the password. */
static void
ref_auth_login_user(struct ref_sess *s, unsigned char *user, size_t ulen)
{
	ref_auth_forget_user(&s->auth);
	s->auth.login_user = (char *)user;	/* taken */
	s->auth.login_user_len = ulen;
	ref_smtp_reply(s, 334, NULL, "%s", REF_AUTH_LOGIN_PASS_B64);
	ref_auth_enter_step(s, REF_AUTH_LOGIN_PASS);
}

/* ref_auth_mech - the mechanism named by arg[0..len). */
static enum ref_auth_mech
ref_auth_mech(const char *arg, size_t len)
{
	if (len == 5 && strncasecmp(arg, "PLAIN", 5) == 0)
		return REF_AUTH_MECH_PLAIN;
	if (len == 5 && strncasecmp(arg, "LOGIN", 5) == 0)
		return REF_AUTH_MECH_LOGIN;
	return REF_AUTH_MECH_NONE;
}

/* ref_auth_split - "mechanism [initial-response]": the lengths; the
 * response starts after one space. Returns -1 for more words. */
static int
ref_auth_split(const char *arg, size_t len, size_t *mlen, const char **ir,
    size_t *irlen)
{
	const char *sp = memchr(arg, ' ', len);

	*ir = NULL;
	*irlen = 0;
	*mlen = sp != NULL ? (size_t)(sp - arg) : len;
	if (sp == NULL)
		return 0;
	*ir = sp + 1;
	*irlen = len - *mlen - 1;
	if (*irlen == 0 || memchr(*ir, ' ', *irlen) != NULL)
		return -1;
	return 0;
}

/* ref_auth_check - AUTH's refusals, in the order a client meets them. */
bool
ref_auth_check(struct ref_sess *s, const char *arg, size_t len)
{
	const char *ir;
	size_t mlen, irlen;

	if (s->conf->ncreds == 0) {
		ref_smtp_reply(s, 502, "5.5.1",
		    "Error: command not implemented");
		return false;
	}
	if (s->state == REF_SMTP_INIT) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: send EHLO first");
		return false;
	}
	if (!ref_auth_is_offered(s)) {
		ref_smtp_reply(s, 538, "5.7.11", "Encryption required for "
		    "requested authentication mechanism");
		return false;
	}
	if (s->auth.done && !REF_FAULT(s, AUTH_TWICE_OK)) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: already authenticated");
		return false;
	}
	if (s->tx != NULL && !REF_FAULT(s, AUTH_IN_TX_OK)) {
		ref_smtp_reply(s, 503, "5.5.1",
		    "Error: AUTH not allowed in a mail transaction");
		return false;
	}
	if (len == 0 || ref_auth_split(arg, len, &mlen, &ir, &irlen) == -1) {
		ref_smtp_reply(s, 501, "5.5.4",
		    "Syntax: AUTH mechanism [initial-response]");
		return false;
	}
	if (ref_auth_mech(arg, mlen) == REF_AUTH_MECH_NONE) {
		ref_smtp_reply(s, 504, "5.5.4",
		    "Unrecognized authentication type");
		return false;
	}
	return true;
}

/* ref_auth_do - start the exchange. */
void
ref_auth_do(struct ref_sess *s, const char *arg, size_t len)
{
	enum ref_auth_mech mech;
	unsigned char *m = NULL;
	const char *ir;
	size_t mlen, irlen, n = 0;

	(void)ref_auth_split(arg, len, &mlen, &ir, &irlen);
	mech = ref_auth_mech(arg, mlen);
	ref_sess_log(s, "ev=auth mech=%s initial=%s",
	    mech == REF_AUTH_MECH_PLAIN ? "PLAIN" : "LOGIN",
	    ir != NULL ? "yes" : "no");
	if (ir == NULL) {
		if (mech == REF_AUTH_MECH_LOGIN) {
			ref_smtp_reply(s, 334, NULL, "%s",
			    REF_AUTH_LOGIN_USER_B64);
			ref_auth_enter_step(s, REF_AUTH_LOGIN_USER);
		} else {
			/* 4954 4: an empty challenge is "334 " and CRLF. */
			ref_smtp_reply(s, 334, NULL, "%s",
			    REF_FAULT(s, AUTH_CHALLENGE_TEXT) ? "Go ahead" :
			    "");
			ref_auth_enter_step(s, REF_AUTH_PLAIN);
		}
		return;
	}
	/* 4954 4: "=" is an initial response of zero length. */
	if (irlen == 1 && ir[0] == '=') {
		m = xcalloc(1, 1);
	} else if (ref_auth_b64_decode(ir, irlen, &m, &n) == -1) {
		ref_auth_bad_b64(s);
		return;
	}
	if (mech == REF_AUTH_MECH_LOGIN) {
		ref_auth_login_user(s, m, n);
		return;
	}
	ref_auth_plain(s, m, n);
	ref_auth_free_secret(m, n);
}

/* ref_auth_line - one SASL response. */
void
ref_auth_line(struct ref_sess *s, const char *line, size_t len)
{
	unsigned char *m;
	size_t n;

	if (len == 1 && line[0] == '*') {
		ref_sess_log(s, "ev=auth result=cancelled");
		if (REF_FAULT(s, AUTH_CANCEL_535))
			ref_smtp_reply(s, 535, "5.7.8",
			    "Authentication credentials invalid");
		else
			ref_smtp_reply(s, 501, "5.0.0",
			    "Authentication cancelled");
		ref_auth_leave(s);
		return;
	}
	if (ref_auth_b64_decode(line, len, &m, &n) == -1) {
		ref_auth_bad_b64(s);
		return;
	}
	switch (s->auth.step) {
	case REF_AUTH_PLAIN:
		ref_auth_plain(s, m, n);
		break;
	case REF_AUTH_LOGIN_USER:
		ref_auth_login_user(s, m, n);
		return;		/* m taken */
	case REF_AUTH_LOGIN_PASS:
		ref_auth_finish(s, "LOGIN",
		    (const unsigned char *)s->auth.login_user,
		    s->auth.login_user_len, m, n);
		break;
	case REF_AUTH_IDLE:
		fatal("ref_auth_line outside an exchange");
	}
	ref_auth_free_secret(m, n);
}

/* ref_auth_too_long - 500 5.5.6 (4954 4, 6). */
void
ref_auth_too_long(struct ref_sess *s)
{
	ref_sess_log(s, "ev=auth result=fail error=line-too-long");
	ref_smtp_reply(s, 500, "5.5.6",
	    "Authentication Exchange line is too long");
	ref_auth_leave(s);
}

/* ref_auth_check_param - MAIL FROM's AUTH=: accepted from any client
 * (4954 5 lets the server ignore an untrusted one); never used here. */
bool
ref_auth_check_param(struct ref_sess *s, const struct smtp_param *p,
    bool seen)
{
	if (REF_FAULT(s, AUTH_PARAM_REFUSED)) {
		ref_smtp_reply(s, 555, "5.5.4",
		    "Unsupported MAIL/RCPT parameter");
		return false;
	}
	if (seen || p->value == NULL || !((p->value_len == 2 &&
	    memcmp(p->value, "<>", 2) == 0) ||
	    ref_xtext_is_valid(p->value, p->value_len))) {
		ref_smtp_reply(s, 501, "5.5.4", "Bad AUTH parameter");
		return false;
	}
	return true;
}
