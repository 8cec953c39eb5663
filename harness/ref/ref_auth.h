/* SPDX-License-Identifier: ISC */
/*
 * ref_auth.h - smtpref's AUTH command (RFC 4954) with the PLAIN (RFC 4616)
 * and LOGIN mechanisms: the exchange state and the credential check.
 *
 * ref_smtp.c dispatches AUTH here (check_fn ref_auth_check, proceed_fn
 * ref_auth_do) and, while the session is in REF_SMTP_AUTH, hands every
 * line to ref_auth_line(): during an exchange the next line is a SASL
 * response, not a command. Replies go through ref_smtp_reply(). Accounts
 * come from --auth-users (struct ref_conf_cred); passwords are never
 * logged, and decoded responses are wiped before they are freed.
 * struct ref_auth is embedded in struct ref_sess (per connection).
 */
#ifndef SC_REF_AUTH_H
#define SC_REF_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct ref_sess;
struct smtp_param;

/* Where an exchange stands; REF_AUTH_IDLE outside REF_SMTP_AUTH. */
enum ref_auth_step {
	REF_AUTH_IDLE,		/* no exchange */
	REF_AUTH_PLAIN,		/* "334 " sent: the PLAIN message comes */
	REF_AUTH_LOGIN_USER,	/* "334 VXNlcm5hbWU6": the user name */
	REF_AUTH_LOGIN_PASS,	/* "334 UGFzc3dvcmQ6": the password */
};

struct ref_auth {
	enum ref_auth_step	 step;
	bool			 done;		/* 235 sent (4954 4: no second
						 * AUTH in the session) */
	char			*login_user;	/* LOGIN, until the password */
	size_t			 login_user_len;
};

/* ref_auth_step_str - enum name, for logs. */
const char *ref_auth_step_str(enum ref_auth_step);

/* ref_auth_init - idle, not authenticated. */
void	ref_auth_init(struct ref_auth *);
/* ref_auth_clear - free and wipe the members; back to ref_auth_init's
 * state (STARTTLS forgets an AUTH done in clear, RFC 3207 4.2). Leaving
 * REF_SMTP_AUTH is the caller's business. */
void	ref_auth_clear(struct ref_auth *);

/* ref_auth_is_offered - is AUTH in this session's EHLO list: accounts
 * configured, and TLS active or allowed in clear (--auth-clear, or the
 * auth-in-clear fault)? */
bool	ref_auth_is_offered(const struct ref_sess *);

/*
 * ref_auth_check - AUTH's check_fn: 502 without --auth-users, 503 before
 * EHLO, 538 before TLS, 503 after a successful AUTH or inside a mail
 * transaction, 501 for bad syntax, 504 for an unknown mechanism. Returns
 * false after queueing the refusal.
 */
bool	ref_auth_check(struct ref_sess *, const char *arg, size_t len);
/* ref_auth_do - AUTH's proceed_fn: the initial response, or the first
 * 334 and the REF_SMTP_AUTH state. */
void	ref_auth_do(struct ref_sess *, const char *arg, size_t len);

/* ref_auth_line - one SASL response line (terminator removed, any octets)
 * in REF_SMTP_AUTH: "*" cancels (501), bad base64 is 501, then 334, 235
 * or 535. Leaves REF_SMTP_AUTH when the exchange ends. */
void	ref_auth_line(struct ref_sess *, const char *line, size_t len);
/* ref_auth_too_long - a response line over REF_AUTH_LINE_MAX was
 * discarded: 500 5.5.6, and the exchange ends. */
void	ref_auth_too_long(struct ref_sess *);

/* ref_auth_check_param - MAIL FROM's AUTH= (4954 5): "<>" or xtext.
 * Returns false after queueing 501 (or 555 under auth-param-refused). */
bool	ref_auth_check_param(struct ref_sess *, const struct smtp_param *,
	    bool seen);

#endif /* SC_REF_AUTH_H */
