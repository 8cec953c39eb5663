/* SPDX-License-Identifier: ISC */
/*
 * ref_smtp.c - smtpref's SMTP state machine: commands and replies.
 *
 * RFC 5321 (core, 4.1.4 sequencing, 4.5.3.1 limits), RFC 2920 (replies in
 * order, never flushing input), RFC 1870 (SIZE), RFC 6152 (8BITMIME),
 * RFC 2034/3463 (enhanced codes on every reply but the greeting, EHLO/HELO
 * and 354), RFC 3207 (STARTTLS when --cert is given; ref_sess.c runs the
 * handshake, ref_smtp_tls_done() resets; with --implicit-tls the
 * handshake comes before the greeting, RFC 8314 3.3), RFC 4954 (AUTH with
 * --auth-users: the keyword, the AUTH= parameter and the line lengths
 * here, the exchange in ref_auth.c), RFC 6531 (SMTPUTF8: the UTF-8
 * address policy here), RFC 3030 (CHUNKING, BINARYMIME: BDAT is
 * ref_bdat.c), RFC 3461 (DSN: the parameters only). MAIL and RCPT
 * parameters are ref_param.c. The DATA command and the content up to the
 * end of data are ref_data.c. Replies never echo client
 * bytes (5321 4.2 textstring), except under the echo-raw fault.
 */
#include "ref_smtp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ref_auth.h"
#include "ref_bdat.h"
#include "ref_conf.h"
#include "ref_data.h"
#include "ref_param.h"
#include "ref_server.h"
#include "ref_store.h"
#include "ref_utf8.h"
#include "sc_esc.h"
#include "sc_util.h"

/* Command flags: checks the dispatcher makes before check_fn. */
#define REF_CMD_F_NOARG	0x01	/* arguments: 501 (5321 4.1.1) */
#define REF_CMD_F_ARG	0x02	/* no argument: 501 */
#define REF_CMD_F_HELO	0x04	/* before EHLO/HELO: 503 */

struct ref_cmd {
	const char	*verb;
	unsigned	 flags;
	/* check_fn: may refuse, sending its own reply; returns false then. */
	bool		(*check)(struct ref_sess *, const char *arg,
			    size_t len);
	void		(*proceed)(struct ref_sess *, const char *arg,
			    size_t len);
};

/* ref_smtp_state_str - enum name. */
const char *
ref_smtp_state_str(enum ref_smtp_state st)
{
	static char buf[32];

	switch (st) {
#define CASE(x)	case REF_SMTP_##x: return #x
	CASE(INIT);
	CASE(REFUSED);
	CASE(READY);
	CASE(MAIL);
	CASE(RCPT);
	CASE(DATA);
	CASE(BDAT);
	CASE(AUTH);
	CASE(TLS);
	CASE(CLOSING);
	CASE(CLOSED);
#undef CASE
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)st);
	return buf;
}

/* ref_smtp_enter_state - the one writer of s->state. */
void
ref_smtp_enter_state(struct ref_sess *s, enum ref_smtp_state st)
{
	if (s->state != st) {
		ref_sess_log(s, "state=%s->%s", ref_smtp_state_str(s->state),
		    ref_smtp_state_str(st));
		s->state = st;
	}
	ref_sess_arm(s);
}

/* ref_smtp_tx_free - free a transaction. */
void
ref_smtp_tx_free(struct ref_tx *tx)
{
	size_t i;

	if (tx == NULL)
		return;
	ref_store_abort(tx->msg);
	for (i = 0; i < tx->nrcpts; i++)
		free(tx->rcpts[i]);
	free(tx->rcpts);
	free(tx->sender);
	free(tx);
}

/* ref_smtp_tx_end - free the transaction and return to the base state. */
void
ref_smtp_tx_end(struct ref_sess *s)
{
	ref_smtp_tx_free(s->tx);
	s->tx = NULL;
	if (s->state == REF_SMTP_MAIL || s->state == REF_SMTP_RCPT ||
	    s->state == REF_SMTP_DATA || s->state == REF_SMTP_BDAT)
		ref_smtp_enter_state(s, REF_SMTP_READY);
}

/* ref_smtp_is_cmd_error - a reply that counts toward max_errors. */
static bool
ref_smtp_is_cmd_error(int code)
{
	return code == 500 || code == 501 || code == 502 || code == 503 ||
	    code == 504 || code == 555;
}

/*
 * ref_smtp_replyv - queue one reply of n text lines. enh is the enhanced
 * status code (NULL for the greeting, EHLO/HELO and 354; RFC 2034 4).
 * The reply-shape faults all live here.
 */
static void
ref_smtp_replyv(struct ref_sess *s, int code, const char *enh,
    const char *const *lines, size_t n)
{
	char buf[REF_REPLY_TEXT_MAX + 32], cls[16];
	const char *eol;
	size_t i;
	int len, lc;

	if (ref_smtp_is_cmd_error(code))
		s->errors++;
	if (s->mute)
		return;
	ref_sess_mark_reply(s);
	eol = REF_FAULT(s, BARE_LF_REPLIES) ? "\n" : "\r\n";
	if (enh != NULL && REF_FAULT(s, NO_ENHANCED))
		enh = NULL;
	if (enh != NULL && code == 221 && REF_FAULT(s, ESC_MISSING_221))
		enh = NULL;
	if (enh != NULL && code >= 500 && REF_FAULT(s, ESC_CLASS_MISMATCH)) {
		snprintf(cls, sizeof(cls), "2%s", enh + 1);
		enh = cls;
	}
	if (code == 250 && n == 1 && REF_FAULT(s, BAD_REPLY_CODE)) {
		len = snprintf(buf, sizeof(buf), "25 OK%s", eol);
		ref_sess_send(s, buf, (size_t)len);
		return;
	}
	for (i = 0; i < n; i++) {
		lc = code;
		if (code == 250 && n > 1 && i == n - 1 &&
		    REF_FAULT(s, MIXED_MULTILINE))
			lc = 251;
		len = snprintf(buf, sizeof(buf), "%d%c%s%s%s%s", lc,
		    i + 1 < n ? '-' : ' ', enh != NULL ? enh : "",
		    enh != NULL ? " " : "", lines[i], eol);
		if (len < 0)
			continue;
		if ((size_t)len >= sizeof(buf)) {
			/* Only echo-raw text can be this long: cut it. */
			len = (int)sizeof(buf) - 1;
			memcpy(buf + len - strlen(eol), eol, strlen(eol));
		}
		ref_sess_send(s, buf, (size_t)len);
	}
	ref_sess_log(s, "ev=reply code=%d", code);
}

/* ref_smtp_reply - one single-line reply. */
void
ref_smtp_reply(struct ref_sess *s, int code, const char *enh,
    const char *fmt, ...)
{
	char text[REF_REPLY_TEXT_MAX];
	const char *lines[1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	lines[0] = text;
	ref_smtp_replyv(s, code, enh, lines, 1);
}

/* ref_smtp_close - reply already queued; flush and close. */
static void
ref_smtp_close(struct ref_sess *s)
{
	ref_smtp_tx_free(s->tx);
	s->tx = NULL;
	ref_smtp_enter_state(s, REF_SMTP_CLOSING);
}

/* ref_smtp_greet - the 220 (or the greeting faults). */
static void
ref_smtp_greet(struct ref_sess *s)
{
	if (REF_FAULT(s, NO_GREETING)) {
		ref_smtp_enter_state(s, REF_SMTP_INIT);
		return;
	}
	if (REF_FAULT(s, GREETING_554)) {
		ref_smtp_reply(s, 554, NULL, "%s ESMTP service not available",
		    s->conf->hostname);
		ref_smtp_enter_state(s, REF_SMTP_REFUSED);
		return;
	}
	ref_smtp_reply(s, 220, NULL, "%s ESMTP smtpref", s->conf->hostname);
	ref_smtp_enter_state(s, REF_SMTP_INIT);
}

/* ref_smtp_start - greeting, or first the handshake (RFC 8314 3.3: the
 * 220 comes inside TLS; ref_smtp_tls_done greets). */
void
ref_smtp_start(struct ref_sess *s)
{
	if (s->conf->implicit_tls) {
		ref_smtp_enter_state(s, REF_SMTP_TLS);
		return;
	}
	ref_smtp_greet(s);
}

/* ref_smtp_timeout - 421 4.4.2 and close (5321 4.5.3.2). */
void
ref_smtp_timeout(struct ref_sess *s)
{
	s->mute = false;
	ref_sess_log(s, "ev=timeout state=%s", ref_smtp_state_str(s->state));
	ref_smtp_reply(s, 421, "4.4.2", "%s Error: timeout exceeded",
	    s->conf->hostname);
	ref_smtp_close(s);
}

/* ref_smtp_after_cmd - close after too many errors (5321 7.8). */
void
ref_smtp_after_cmd(struct ref_sess *s)
{
	s->mute = false;
	if (s->state == REF_SMTP_CLOSING || s->state == REF_SMTP_CLOSED)
		return;
	if ((long)s->errors >= s->conf->max_errors) {
		ref_smtp_reply(s, 421, "4.7.0", "%s Error: too many errors",
		    s->conf->hostname);
		ref_smtp_close(s);
	}
}

/* ref_smtp_too_long - a discarded over-long line. */
void
ref_smtp_too_long(struct ref_sess *s)
{
	if (s->state == REF_SMTP_AUTH) {
		ref_auth_too_long(s);
		ref_smtp_after_cmd(s);
		return;
	}
	ref_sess_log(s, "ev=cmd error=line-too-long");
	ref_smtp_reply(s, 500, "5.5.2", "Error: line too long");
	ref_smtp_after_cmd(s);
}

/* ref_smtp_addr_limits - length limits for this session. */
static struct smtp_addr_limits
ref_smtp_addr_limits(const struct ref_sess *s)
{
	struct smtp_addr_limits lim = *smtp_addr_limits_rfc();

	if (REF_FAULT(s, SHORT_LOCAL_PART))
		lim.local_max = REF_FAULT_LOCAL_MAX;
	if (REF_FAULT(s, SHORT_PATH))
		lim.path_max = REF_FAULT_PATH_MAX;
	return lim;
}

/* ref_smtp_addr_refuse - the reply for a path parse error. */
static void
ref_smtp_addr_refuse(struct ref_sess *s, enum smtp_addr_err e, bool mail)
{
	const char *who = mail ? "sender" : "recipient";
	const char *enh = mail ? "5.1.7" : "5.1.3";

	switch (e) {
	case SMTP_ADDR_E_KEYWORD:
		ref_smtp_reply(s, 501, "5.5.4", "Syntax: %s",
		    mail ? "MAIL FROM:<address>" : "RCPT TO:<address>");
		break;
	case SMTP_ADDR_E_NULL:
		ref_smtp_reply(s, 501, "5.1.3", "Null recipient not allowed");
		break;
	case SMTP_ADDR_E_8BIT:
		ref_smtp_reply(s, 553, "5.6.7",
		    "Non-ASCII %s address needs SMTPUTF8", who);
		break;
	case SMTP_ADDR_E_LOCAL_LONG:
		ref_smtp_reply(s, 553, enh, "Local part too long");
		break;
	case SMTP_ADDR_E_DOMAIN_LONG:
		ref_smtp_reply(s, 553, enh, "Domain too long");
		break;
	case SMTP_ADDR_E_PATH_LONG:
		ref_smtp_reply(s, 501, "5.5.4", "Path too long");
		break;
	case SMTP_ADDR_E_PARAM:
		ref_smtp_reply(s, 501, "5.5.4", "Bad parameter syntax");
		break;
	case SMTP_ADDR_E_PARAMS_MAX:
		ref_smtp_reply(s, 501, "5.5.4", "Too many parameters");
		break;
	default:
		ref_smtp_reply(s, 501, enh, "Bad %s address syntax", who);
		break;
	}
}

/* ref_smtp_size_ok - within the SIZE limit (RFC 1870)? */
bool
ref_smtp_size_ok(const struct ref_sess *s, uint64_t n)
{
	if (REF_FAULT(s, SIZE_IGNORED))
		return true;
	return n <= (uint64_t)s->conf->max_message_size;
}

/* ref_smtp_path_str - "local@domain", "" for <>, owned. */
static char *
ref_smtp_path_str(const struct smtp_path *p)
{
	if (p->null)
		return xstrdup("");
	if (p->domain_len == 0)
		return xstrndup(p->local, p->local_len);
	return xasprintf("%.*s@%.*s", (int)p->local_len, p->local,
	    (int)p->domain_len, p->domain);
}

/* ref_smtp_check_helo - EHLO/HELO argument (5321 4.1.1.1, 4.1.4). */
static bool
ref_smtp_check_helo(struct ref_sess *s, const char *arg, size_t len,
    bool ehlo)
{
	if (ehlo ? REF_FAULT(s, NO_EHLO) : REF_FAULT(s, NO_HELO)) {
		ref_smtp_reply(s, 500, "5.5.2",
		    "Error: command not recognized");
		return false;
	}
	if (s->helo[0] != '\0' && REF_FAULT(s, EHLO_DUP_503)) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: duplicate HELO/EHLO");
		return false;
	}
	if (smtp_addr_parse_domain(arg, len, 0, NULL) != SMTP_ADDR_OK) {
		if (REF_FAULT(s, ECHO_RAW))
			ref_smtp_reply(s, 501, "5.5.4",
			    "Invalid domain name: %.*s", (int)len, arg);
		else
			ref_smtp_reply(s, 501, "5.5.4", "Invalid domain name");
		return false;
	}
	return true;
}

/* ref_smtp_check_ehlo - EHLO. */
static bool
ref_smtp_check_ehlo(struct ref_sess *s, const char *arg, size_t len)
{
	return ref_smtp_check_helo(s, arg, len, true);
}

/* ref_smtp_check_helo1 - HELO. */
static bool
ref_smtp_check_helo1(struct ref_sess *s, const char *arg, size_t len)
{
	return ref_smtp_check_helo(s, arg, len, false);
}

/* ref_smtp_greeted - EHLO/HELO accepted: reset as RSET does (4.1.4). */
static void
ref_smtp_greeted(struct ref_sess *s, const char *arg, size_t len, bool ehlo)
{
	snprintf(s->helo, sizeof(s->helo), "%.*s", (int)len, arg);
	s->esmtp = ehlo;
	if (REF_FAULT(s, EHLO_NO_RESET) && s->tx != NULL)
		return;
	ref_smtp_tx_free(s->tx);
	s->tx = NULL;
	ref_smtp_enter_state(s, REF_SMTP_READY);
}

/* The EHLO keywords in the order offered (RFC 2920, 1870, 6152, 6531,
 * 3030, 3461, 3207, 4954, 2034; HELP and EXPN as registered for the 5321
 * commands). */
static const char *const ref_smtp_keywords[] = {
	"PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "CHUNKING",
	"BINARYMIME", "DSN", "STARTTLS", "AUTH", "ENHANCEDSTATUSCODES",
	"HELP", "EXPN",
};

/*
 * ref_smtp_advertises - is EHLO keyword kw offered? Every setting and
 * fault that changes the keyword list is checked here and only here.
 */
bool
ref_smtp_advertises(const struct ref_sess *s, const char *kw)
{
	if (strcmp(kw, "PIPELINING") == 0)
		return s->conf->pipelining;
	if (strcmp(kw, "8BITMIME") == 0)
		return s->conf->eightbitmime;
	/* 6531 3.1(8): SMTPUTF8 comes with 8BITMIME */
	if (strcmp(kw, "SMTPUTF8") == 0)
		return s->conf->smtputf8 && s->conf->eightbitmime;
	/* 3030 3: BINARYMIME needs CHUNKING; one setting for both */
	if (strcmp(kw, "CHUNKING") == 0 || strcmp(kw, "BINARYMIME") == 0)
		return s->conf->chunking;
	if (strcmp(kw, "DSN") == 0)
		return s->conf->dsn;
	if (strcmp(kw, "SIZE") == 0)	/* the fault's other half: MAIL */
		return s->conf->size && !REF_FAULT(s, SIZE_HIDDEN_552);
	if (strcmp(kw, "EXPN") == 0)
		return REF_FAULT(s, EXPN_ADVERTISED);
	if (strcmp(kw, "STARTTLS") == 0)	/* RFC 3207 4.2: not in TLS */
		return s->srv->tls != NULL &&
		    (!s->tls || REF_FAULT(s, STARTTLS_ADV_AFTER_TLS));
	if (strcmp(kw, "AUTH") == 0)
		return ref_auth_is_offered(s);
	return true;
}

/* ref_smtp_keyword_line - the EHLO line for an offered keyword; size is
 * a buffer for SIZE's. The faults that change a line's text live here. */
static const char *
ref_smtp_keyword_line(const struct ref_sess *s, const char *kw, char *size,
    size_t sz)
{
	if (strcmp(kw, "SIZE") == 0) {
		snprintf(size, sz, "SIZE %ld", s->conf->max_message_size);
		return size;
	}
	if (strcmp(kw, "STARTTLS") == 0 && REF_FAULT(s, STARTTLS_KEYWORD_PARAM))
		return "STARTTLS NOW";
	if (strcmp(kw, "AUTH") == 0)
		return "AUTH PLAIN LOGIN";
	return kw;
}

/* ref_smtp_do_ehlo - the capability list. */
static void
ref_smtp_do_ehlo(struct ref_sess *s, const char *arg, size_t len)
{
	char first[REF_REPLY_TEXT_MAX], size[64];
	const char *lines[1 + sizeof(ref_smtp_keywords) /
	    sizeof(ref_smtp_keywords[0])];
	const char *kw;
	size_t i, n = 0;

	ref_smtp_greeted(s, arg, len, true);
	snprintf(first, sizeof(first), "%s Hello", s->conf->hostname);
	lines[n++] = first;
	for (i = 0; i < sizeof(ref_smtp_keywords) /
	    sizeof(ref_smtp_keywords[0]); i++) {
		kw = ref_smtp_keywords[i];
		if (ref_smtp_advertises(s, kw))
			lines[n++] = ref_smtp_keyword_line(s, kw, size,
			    sizeof(size));
	}
	ref_smtp_replyv(s, 250, NULL, lines, n);
}

/* ref_smtp_do_helo - single line, no keywords (5321 3.2). */
static void
ref_smtp_do_helo(struct ref_sess *s, const char *arg, size_t len)
{
	ref_smtp_greeted(s, arg, len, false);
	ref_smtp_reply(s, 250, NULL, "%s", s->conf->hostname);
}

/*
 * ref_smtp_check_utf8 - the one policy for non-ASCII paths (RFC 6531
 * 3.3, 3.6): valid UTF-8, and only in a transaction whose MAIL had the
 * SMTPUTF8 parameter (utf8tx); otherwise 553 5.6.7 for MAIL and RCPT
 * alike. XXX 6531 3.6 names 550 for a MAIL that needs an ASCII address;
 * smtpref keeps 553 (the 5321 "mailbox name not allowed") for both, as
 * it did before SMTPUTF8. Invalid UTF-8 is a syntax error: 501.
 */
static bool
ref_smtp_check_utf8(struct ref_sess *s, bool utf8tx, bool mail)
{
	const struct smtp_path *p = &s->env.path;
	const char *who = mail ? "sender" : "recipient";

	if (!ref_utf8_has_8bit(p->local, p->local_len) &&
	    !ref_utf8_has_8bit(p->domain, p->domain_len))
		return true;
	if (REF_FAULT(s, EIGHTBIT_OK))
		return true;
	if (!ref_utf8_is_valid(p->local, p->local_len) ||
	    !ref_utf8_is_valid(p->domain, p->domain_len)) {
		ref_smtp_reply(s, 501, mail ? "5.1.7" : "5.1.3",
		    "Bad %s address syntax: invalid UTF-8", who);
		return false;
	}
	if (!utf8tx && !(REF_FAULT(s, SMTPUTF8_NO_PARAM_OK) &&
	    ref_smtp_advertises(s, "SMTPUTF8"))) {
		ref_smtp_reply(s, 553, "5.6.7",
		    "Non-ASCII %s address needs SMTPUTF8", who);
		return false;
	}
	if (utf8tx && REF_FAULT(s, SMTPUTF8_REFUSED)) {
		ref_smtp_reply(s, 553, "5.6.7",
		    "Non-ASCII %s address not permitted", who);
		return false;
	}
	return true;
}

/* ref_smtp_check_mail - sequencing, path, params. */
static bool
ref_smtp_check_mail(struct ref_sess *s, const char *arg, size_t len)
{
	struct smtp_addr_limits lim = ref_smtp_addr_limits(s);
	enum smtp_addr_err e;

	if (s->tx != NULL && !REF_FAULT(s, SECOND_MAIL_OK)) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: nested MAIL command");
		return false;
	}
	/* 8-bit octets parse; ref_smtp_check_utf8 decides on them. */
	e = smtp_addr_parse_mail(arg, len, SMTP_ADDR_F_8BIT, &lim, &s->env);
	if (e != SMTP_ADDR_OK) {
		ref_smtp_addr_refuse(s, e, true);
		return false;
	}
	if (s->env.path.null && REF_FAULT(s, REJECT_NULL_SENDER)) {
		ref_smtp_reply(s, 550, "5.7.1", "Null sender refused");
		return false;
	}
	return ref_param_check_mail(s) &&
	    ref_smtp_check_utf8(s, s->opt.smtputf8, true);
}

/* ref_smtp_tx_new - a transaction for sender. */
static struct ref_tx *
ref_smtp_tx_new(char *sender)
{
	struct ref_tx *tx = xcalloc(1, sizeof(*tx));

	tx->sender = sender;
	return tx;
}

/* ref_smtp_do_mail - open the transaction. */
static void
ref_smtp_do_mail(struct ref_sess *s, const char *arg, size_t len)
{
	if (REF_FAULT(s, CLOSE_AFTER_MAIL)) {
		ref_smtp_close(s);
		return;
	}
	if (s->tx != NULL) {
		free(s->tx->sender);
		s->tx->sender = ref_smtp_path_str(&s->env.path);
	} else {
		s->tx = ref_smtp_tx_new(ref_smtp_path_str(&s->env.path));
		ref_smtp_enter_state(s, REF_SMTP_MAIL);
	}
	s->tx->opt = s->opt;
	ref_smtp_reply(s, 250, "2.1.0", "Sender ok");
}

/* ref_smtp_rcpt_max - recipients per message (5321 4.5.3.1.8). */
static size_t
ref_smtp_rcpt_max(const struct ref_sess *s)
{
	if (REF_FAULT(s, FEW_RCPTS))
		return REF_FAULT_RCPTS_MAX;
	return (size_t)s->conf->max_recipients;
}

/*
 * ref_smtp_rcpt_verdict - is the recipient ours? postmaster of every
 * served domain and bare <Postmaster> (5321 4.5.1), configured users;
 * unknown users 550 5.1.1; other domains 550 5.7.1 (never relay).
 */
static bool
ref_smtp_rcpt_verdict(struct ref_sess *s)
{
	const struct smtp_path *p = &s->env.path;
	bool served;

	served = p->dom_type == SMTP_ADDR_DOM_NAME &&
	    ref_conf_serves(s->conf, p->domain, p->domain_len);
	if (smtp_addr_is_postmaster(p) && (served || p->domain_len == 0)) {
		if (!REF_FAULT(s, POSTMASTER_REFUSED))
			return true;
		ref_smtp_reply(s, 550, "5.7.1", "Postmaster refused");
		return false;
	}
	if (served) {
		if (ref_conf_has_user(s->conf, p->local, p->local_len,
		    p->domain, p->domain_len) ||
		    REF_FAULT(s, ACCEPT_UNKNOWN_RCPT))
			return true;
		ref_smtp_reply(s, 550, "5.1.1", "User unknown");
		return false;
	}
	if (REF_FAULT(s, OPEN_RELAY))
		return true;
	ref_smtp_reply(s, 550, "5.7.1", "Relay access denied");
	return false;
}

/* ref_smtp_check_rcpt - sequencing, path, params, limit, verdict. */
static bool
ref_smtp_check_rcpt(struct ref_sess *s, const char *arg, size_t len)
{
	struct smtp_addr_limits lim = ref_smtp_addr_limits(s);
	enum smtp_addr_err e;

	if (s->tx == NULL && !REF_FAULT(s, RCPT_WITHOUT_MAIL)) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: need MAIL command");
		return false;
	}
	if (s->tx != NULL)
		s->tx->last_rcpt_failed = true;
	e = smtp_addr_parse_rcpt(arg, len, SMTP_ADDR_F_8BIT, &lim, &s->env);
	if (e != SMTP_ADDR_OK) {
		ref_smtp_addr_refuse(s, e, false);
		return false;
	}
	if (!ref_smtp_check_utf8(s, s->tx != NULL && s->tx->opt.smtputf8,
	    false) || !ref_param_check_rcpt(s))
		return false;
	if ((s->tx != NULL ? s->tx->nrcpts : 0) >= ref_smtp_rcpt_max(s)) {
		ref_smtp_reply(s, 452, "4.5.3", "Error: too many recipients");
		return false;
	}
	return ref_smtp_rcpt_verdict(s);
}

/* ref_smtp_do_rcpt - add the recipient. */
static void
ref_smtp_do_rcpt(struct ref_sess *s, const char *arg, size_t len)
{
	struct ref_tx *tx;

	if (s->tx == NULL)
		s->tx = ref_smtp_tx_new(xstrdup(""));
	tx = s->tx;
	tx->rcpts = xreallocarray(tx->rcpts, tx->nrcpts + 1,
	    sizeof(*tx->rcpts));
	tx->rcpts[tx->nrcpts++] = ref_smtp_path_str(&s->env.path);
	tx->last_rcpt_failed = false;
	ref_smtp_enter_state(s, REF_SMTP_RCPT);
	ref_smtp_reply(s, 250, REF_FAULT(s, ENH_MISSING_RCPT) ? NULL : "2.1.5",
	    "Recipient ok");
}

/* ref_smtp_do_rset - 250 in every state; drop the transaction. */
static void
ref_smtp_do_rset(struct ref_sess *s, const char *arg, size_t len)
{
	if (!REF_FAULT(s, RSET_NO_RESET))
		ref_smtp_tx_end(s);
	ref_smtp_reply(s, 250, "2.0.0", "Ok");
	if (REF_FAULT(s, RSET_CLOSES))
		ref_smtp_close(s);
}

/* ref_smtp_check_noop - NOOP ignores its parameter (5321 4.1.1.9). */
static bool
ref_smtp_check_noop(struct ref_sess *s, const char *arg, size_t len)
{
	if (len > 0 && REF_FAULT(s, NOOP_PARAMS_501)) {
		ref_smtp_reply(s, 501, "5.5.4", "Error: no parameters allowed");
		return false;
	}
	if (s->state == REF_SMTP_INIT && REF_FAULT(s, NOOP_503_BEFORE_EHLO)) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: send HELO/EHLO first");
		return false;
	}
	return true;
}

/* ref_smtp_do_noop - 250. */
static void
ref_smtp_do_noop(struct ref_sess *s, const char *arg, size_t len)
{
	ref_smtp_reply(s, 250, "2.0.0", "Ok");
}

/* ref_smtp_do_quit - 221 and close (5321 4.1.1.10). */
static void
ref_smtp_do_quit(struct ref_sess *s, const char *arg, size_t len)
{
	if (REF_FAULT(s, QUIT_NO_221)) {
		ref_smtp_close(s);
		return;
	}
	ref_smtp_reply(s, 221, "2.0.0", "%s closing connection",
	    s->conf->hostname);
	if (!REF_FAULT(s, QUIT_NO_CLOSE))
		ref_smtp_close(s);
}

/*
 * ref_smtp_check_help - HELP works when offered (5321 4.1.1.8, 4.2.4): an
 * advertised command must not get 502.
 */
static bool
ref_smtp_check_help(struct ref_sess *s, const char *arg, size_t len)
{
	if (REF_FAULT(s, HELP_502)) {
		ref_smtp_reply(s, 502, "5.5.1", "Error: HELP not implemented");
		return false;
	}
	return true;
}

/* ref_smtp_do_help - 214, multi-line. */
static void
ref_smtp_do_help(struct ref_sess *s, const char *arg, size_t len)
{
	static const char *const lines[] = {
		"smtpref, the smtpcheck reference server (RFC 5321)",
		/* one element: the parentheses say so to clang */
		("Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP "
		    "VRFY"),
		"End of HELP info",
	};

	ref_smtp_replyv(s, 214, "2.0.0", lines, 3);
}

/* ref_smtp_check_vrfy - VRFY is mandatory (5321 4.5.1, 7.3). */
static bool
ref_smtp_check_vrfy(struct ref_sess *s, const char *arg, size_t len)
{
	if (REF_FAULT(s, VRFY_502)) {
		ref_smtp_reply(s, 502, "5.5.1", "Error: VRFY disabled");
		return false;
	}
	return true;
}

/* ref_smtp_do_vrfy - 252: cannot verify, will accept (5321 3.5.3). */
static void
ref_smtp_do_vrfy(struct ref_sess *s, const char *arg, size_t len)
{
	if (REF_FAULT(s, VRFY_250)) {
		ref_smtp_reply(s, 250, "2.1.5", "<postmaster@%s>",
		    s->conf->hostname);
		return;
	}
	ref_smtp_reply(s, 252, "2.5.2",
	    "Cannot VRFY user, but will accept message and attempt delivery");
}

/*
 * ref_smtp_check_starttls - RFC 3207 4: no parameters (501), not twice
 * (503), only with a certificate (454). Inside a transaction we answer
 * 503, as Postfix does: 3207 4.2 discards the transaction at the
 * handshake anyway, and refusing makes the loss visible to the client
 * instead of silent. Before EHLO it is allowed (3207 does not require it).
 */
static bool
ref_smtp_check_starttls(struct ref_sess *s, const char *arg, size_t len)
{
	if (len > 0 && !REF_FAULT(s, STARTTLS_PARAM_OK)) {
		ref_smtp_reply(s, 501, "5.5.4", "Syntax: STARTTLS");
		return false;
	}
	if (s->tls) {
		if (REF_FAULT(s, STARTTLS_TWICE_OK)) {
			ref_smtp_reply(s, 220, "2.0.0", "Ready to start TLS");
			ref_smtp_close(s);
			return false;
		}
		ref_smtp_reply(s, 503, "5.5.1", "Error: TLS already active");
		return false;
	}
	if (s->srv->tls == NULL) {
		ref_smtp_reply(s, 454, "4.7.0", "TLS not available");
		return false;
	}
	/* tls-keeps-state does not see the transaction as state either */
	if (s->tx != NULL && !REF_FAULT(s, TLS_KEEPS_STATE)) {
		ref_smtp_reply(s, 503, "5.5.1",
		    "Error: STARTTLS inside a mail transaction");
		return false;
	}
	return true;
}

/*
 * ref_smtp_do_starttls - 220, then the handshake (ref_sess.c). Whatever
 * the client pipelined behind STARTTLS is discarded (RFC 3207 4.2, 6:
 * the command injection of CVE-2011-0411): it was sent in clear and must
 * not run inside TLS.
 */
static void
ref_smtp_do_starttls(struct ref_sess *s, const char *arg, size_t len)
{
	static const char injected[] = "250 injected\r\n";

	ref_smtp_reply(s, 220, "2.0.0", "Ready to start TLS");
	/* Raw, not a reply: it breaks the one-reply-per-command rule and
	 * RFC 3207 4.2 on purpose, in clear before the handshake. */
	if (REF_FAULT(s, STARTTLS_PLAIN_AFTER_220))
		ref_sess_send(s, injected, sizeof(injected) - 1);
	if (!REF_FAULT(s, TLS_KEEPS_BUFFER))
		ref_sess_drop_input(s);
	ref_smtp_enter_state(s, REF_SMTP_TLS);
}

/* ref_smtp_tls_done - RFC 3207 4.2: back to the state after the greeting,
 * forgetting everything the client said in clear (an AUTH included). With
 * implicit TLS nothing was said yet: greet now (RFC 8314 3.3). */
void
ref_smtp_tls_done(struct ref_sess *s)
{
	ref_auth_clear(&s->auth);
	if (s->conf->implicit_tls) {
		ref_smtp_greet(s);
		return;
	}
	if (REF_FAULT(s, TLS_KEEPS_STATE)) {
		ref_smtp_enter_state(s, s->helo[0] != '\0' ? REF_SMTP_READY :
		    REF_SMTP_INIT);
		return;
	}
	ref_smtp_tx_free(s->tx);
	s->tx = NULL;
	s->helo[0] = '\0';
	s->esmtp = false;
	ref_smtp_enter_state(s, REF_SMTP_INIT);
}

/* ref_smtp_do_unimpl - recognised, not implemented: 502 (5321 4.2.4). */
static void
ref_smtp_do_unimpl(struct ref_sess *s, const char *arg, size_t len)
{
	ref_smtp_reply(s, 502, "5.5.1", "Error: command not implemented");
}

static const struct ref_cmd ref_smtp_cmds[] = {
	{ "EHLO", REF_CMD_F_ARG, ref_smtp_check_ehlo, ref_smtp_do_ehlo },
	{ "HELO", REF_CMD_F_ARG, ref_smtp_check_helo1, ref_smtp_do_helo },
	{ "MAIL", REF_CMD_F_HELO, ref_smtp_check_mail, ref_smtp_do_mail },
	{ "RCPT", REF_CMD_F_HELO, ref_smtp_check_rcpt, ref_smtp_do_rcpt },
	{ "DATA", REF_CMD_F_NOARG | REF_CMD_F_HELO, ref_data_check,
	    ref_data_do },
	{ "RSET", REF_CMD_F_NOARG, NULL, ref_smtp_do_rset },
	{ "NOOP", 0, ref_smtp_check_noop, ref_smtp_do_noop },
	{ "QUIT", REF_CMD_F_NOARG, NULL, ref_smtp_do_quit },
	{ "HELP", 0, ref_smtp_check_help, ref_smtp_do_help },
	{ "VRFY", REF_CMD_F_ARG, ref_smtp_check_vrfy, ref_smtp_do_vrfy },
	/* EXPN is optional (5321 3.5.2); expn-advertised offers it anyway. */
	{ "EXPN", 0, NULL, ref_smtp_do_unimpl },
	{ "TURN", 0, NULL, ref_smtp_do_unimpl },
	{ "ETRN", 0, NULL, ref_smtp_do_unimpl },
	{ "ATRN", 0, NULL, ref_smtp_do_unimpl },
	{ "SEND", 0, NULL, ref_smtp_do_unimpl },
	{ "SOML", 0, NULL, ref_smtp_do_unimpl },
	{ "SAML", 0, NULL, ref_smtp_do_unimpl },
	{ "STARTTLS", 0, ref_smtp_check_starttls, ref_smtp_do_starttls },
	{ "AUTH", 0, ref_auth_check, ref_auth_do },
	/* No generic flags: a refused BDAT still reads its chunk. */
	{ "BDAT", 0, ref_bdat_check, ref_bdat_do },
};

/* ref_smtp_lookup - the command for verb (case-insensitive, 5321 2.4). */
static const struct ref_cmd *
ref_smtp_lookup(const struct ref_sess *s, const char *verb, size_t len)
{
	const struct ref_cmd *c;
	size_t i;

	for (i = 0; i < sizeof(ref_smtp_cmds) / sizeof(ref_smtp_cmds[0]);
	    i++) {
		c = &ref_smtp_cmds[i];
		if (strlen(c->verb) != len)
			continue;
		if (REF_FAULT(s, CASE_SENSITIVE) ?
		    strncmp(c->verb, verb, len) == 0 :
		    strncasecmp(c->verb, verb, len) == 0)
			return c;
	}
	return NULL;
}

/* ref_smtp_is_auth_line - an AUTH command line while AUTH is offered. */
static bool
ref_smtp_is_auth_line(const struct ref_sess *s, const char *line,
    size_t len)
{
	return len >= 5 && strncasecmp(line, "AUTH ", 5) == 0 &&
	    ref_auth_is_offered(s);
}

/* ref_smtp_line_max - the longest command line accepted. */
static size_t
ref_smtp_line_max(const struct ref_sess *s, const char *line, size_t len)
{
	size_t max = SMTP_CMD_LINE_MAX + REF_SIZE_LINE_EXTRA;

	if (REF_FAULT(s, SHORT_CMD_LINE))
		return REF_FAULT_CMD_LINE_MAX;
	if (s->state == REF_SMTP_AUTH || ref_smtp_is_auth_line(s, line, len))
		return REF_AUTH_LINE_MAX;
	if (len >= 5 && strncasecmp(line, "MAIL ", 5) == 0) {
		if (ref_auth_is_offered(s))
			max += REF_AUTH_MAIL_EXTRA;
		if (ref_smtp_advertises(s, "DSN"))
			max += REF_DSN_MAIL_EXTRA;
		if (ref_smtp_advertises(s, "SMTPUTF8"))
			max += REF_UTF8_MAIL_EXTRA;
		return max;
	}
	if (len >= 5 && strncasecmp(line, "RCPT ", 5) == 0 &&
	    ref_smtp_advertises(s, "DSN"))
		return SMTP_CMD_LINE_MAX + REF_DSN_RCPT_EXTRA;
	return SMTP_CMD_LINE_MAX;
}

/* ref_smtp_hold_max - octets of an unfinished line kept. */
size_t
ref_smtp_hold_max(const struct ref_sess *s, const char *p, size_t n)
{
	if (s->state == REF_SMTP_AUTH || ref_smtp_is_auth_line(s, p, n))
		return REF_AUTH_LINE_MAX;
	return REF_LINE_HOLD_MAX;
}

/* ref_smtp_unknown - 500 for what we do not know (5321 4.2.4). */
static void
ref_smtp_unknown(struct ref_sess *s)
{
	if (REF_FAULT(s, UNKNOWN_CMD_250)) {
		ref_smtp_reply(s, 250, "2.0.0", "Ok");
		return;
	}
	ref_smtp_reply(s, 500, "5.5.2", "Error: command not recognized");
	if (REF_FAULT(s, UNKNOWN_CMD_CLOSE))
		ref_smtp_close(s);
}

/* ref_smtp_dispatch - generic checks, then check_fn and proceed_fn. */
static void
ref_smtp_dispatch(struct ref_sess *s, const char *line, size_t len)
{
	const struct ref_cmd *c;
	const char *arg;
	size_t vlen, alen;

	for (vlen = 0; vlen < len && line[vlen] != ' '; vlen++)
		;
	arg = line + vlen;
	alen = len - vlen;
	while (alen > 0 && *arg == ' ') {
		arg++;
		alen--;
	}
	c = ref_smtp_lookup(s, line, vlen);
	if (s->conf->verbose > 0) {
		/* AUTH's initial response may be a password: verb only. */
		char *esc = sc_esc(line, c != NULL && c->proceed ==
		    ref_auth_do ? vlen : len, REF_LOG_SHOW_MAX);

		ref_sess_log(s, "ev=cmd state=%s line=\"%s\"",
		    ref_smtp_state_str(s->state), esc);
		free(esc);
	}
	if (s->state == REF_SMTP_REFUSED &&
	    (c == NULL || c->proceed != ref_smtp_do_quit)) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: service not available");
		return;
	}
	if (c == NULL) {
		ref_smtp_unknown(s);
		return;
	}
	s->mute = c->proceed == ref_smtp_do_rcpt && REF_FAULT(s, SILENT_RCPT);
	if ((c->flags & REF_CMD_F_NOARG) && alen > 0) {
		ref_smtp_reply(s, 501, "5.5.4", "Error: no parameters allowed");
		return;
	}
	if ((c->flags & REF_CMD_F_ARG) && alen == 0) {
		ref_smtp_reply(s, 501, "5.5.4", "Syntax: %s argument", c->verb);
		return;
	}
	if ((c->flags & REF_CMD_F_HELO) && s->state == REF_SMTP_INIT) {
		ref_smtp_reply(s, 503, "5.5.1", "Error: send HELO/EHLO first");
		return;
	}
	if (c->check != NULL && !c->check(s, arg, alen))
		return;
	c->proceed(s, arg, alen);
}

/* ref_smtp_line - one command line. */
void
ref_smtp_line(struct ref_sess *s, const char *line, size_t len,
    size_t total)
{
	const char *nul;

	if (total > ref_smtp_line_max(s, line, len)) {
		ref_smtp_too_long(s);
		return;
	}
	if (s->state == REF_SMTP_AUTH) {
		/* A SASL response, not a command (RFC 4954 4). */
		ref_auth_line(s, line, len);
		ref_smtp_after_cmd(s);
		return;
	}
	nul = memchr(line, '\0', len);
	if (nul != NULL) {
		if (REF_FAULT(s, NUL_OK)) {
			len = (size_t)(nul - line);
		} else {
			ref_smtp_reply(s, 500, "5.5.2",
			    "Error: NUL octet in command");
			ref_smtp_after_cmd(s);
			return;
		}
	}
	/* Trailing white space is not an argument (5321 4.1.1). */
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	ref_smtp_dispatch(s, line, len);
	if (REF_FAULT(s, PIPELINING_DROP))
		ref_sess_drop_input(s);
	ref_smtp_after_cmd(s);
}
