/* SPDX-License-Identifier: ISC */
/*
 * ref_conf.h - smtpref serve options: flags, the config file, faults.
 *
 * One struct ref_conf holds every setting; flags and `key = value` config
 * lines set the same fields. Fault profiles are named flags that make the
 * server break one rule on purpose, so each conformance scenario can be
 * shown to fail; the code checks each in exactly one place.
 * User errors (bad flag, bad line) fill struct sc_err as FILE:LINE: ...;
 * the caller prints it and exits 2.
 */
#ifndef SC_REF_CONF_H
#define SC_REF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sc_limits.h"

struct sc_err;

/*
 * The fault profiles: X(ID, "name", flags, "one-line description").
 * flags REF_FAULT_F_TLS: the fault lives in TLS, which the default
 * configuration (no --cert/--key) does not offer, so it cannot show there
 * (the tls-cert-* faults mint their own certificate, but are signed by the
 * fixtures' CA only when --cert names a folder holding ca.pem and ca.key).
 * REF_FAULT_F_AUTH: the fault lives in AUTH, which needs --auth-users.
 * `--fault list` names these needs in a third column (ref_conf_fault_list).
 */
#define REF_FAULT_F_TLS		0x01	/* needs --cert/--key */
#define REF_FAULT_F_AUTH	0x02	/* needs --auth-users */

#define REF_FAULTS(X) \
	X(NO_GREETING, "no-greeting", 0, \
	    "never send the 220 greeting") \
	X(GREETING_554, "greeting-554", 0, \
	    "greet with 554 and answer 503 until QUIT") \
	X(BAD_REPLY_CODE, "bad-reply-code", 0, \
	    "send \"25 OK\" instead of single-line 250 replies") \
	X(MIXED_MULTILINE, "mixed-multiline-codes", 0, \
	    "EHLO reply mixes 250 and 251 lines") \
	X(BARE_LF_REPLIES, "bare-lf-replies", 0, \
	    "end reply lines with LF only") \
	X(NO_EHLO, "no-ehlo", 0, \
	    "answer EHLO with 500") \
	X(NO_HELO, "no-helo", 0, \
	    "answer HELO with 500") \
	X(EHLO_NO_RESET, "ehlo-no-reset", 0, \
	    "a repeated EHLO/HELO keeps the transaction") \
	X(EHLO_DUP_503, "ehlo-dup-503", 0, \
	    "refuse a repeated EHLO/HELO with 503") \
	X(REJECT_NULL_SENDER, "reject-null-sender", 0, \
	    "refuse MAIL FROM:<> with 550") \
	X(ACCEPT_UNKNOWN_RCPT, "accept-unknown-rcpt", 0, \
	    "accept unknown users in served domains") \
	X(OPEN_RELAY, "open-relay", 0, \
	    "accept recipients in any domain") \
	X(RCPT_WITHOUT_MAIL, "rcpt-without-mail", 0, \
	    "accept RCPT before MAIL") \
	X(DATA_WITHOUT_RCPT, "data-without-rcpt", 0, \
	    "send 354 when no recipient was accepted") \
	X(SECOND_MAIL_OK, "second-mail-ok", 0, \
	    "accept a second MAIL inside a transaction") \
	X(RSET_NO_RESET, "rset-no-reset", 0, \
	    "RSET answers 250 but keeps the transaction") \
	X(RSET_CLOSES, "rset-closes", 0, \
	    "close the connection after RSET") \
	X(NOOP_PARAMS_501, "noop-params-501", 0, \
	    "answer NOOP with a parameter with 501") \
	X(NOOP_503_BEFORE_EHLO, "noop-503-before-ehlo", 0, \
	    "answer NOOP before EHLO/HELO with 503") \
	X(VRFY_502, "vrfy-502", 0, \
	    "answer VRFY with 502") \
	X(VRFY_250, "vrfy-250-anything", 0, \
	    "answer every VRFY with 250") \
	X(HELP_502, "help-502", 0, \
	    "answer HELP with 502") \
	X(EXPN_ADVERTISED, "expn-advertised", 0, \
	    "advertise EXPN in EHLO but answer EXPN with 502") \
	X(QUIT_NO_CLOSE, "quit-no-close", 0, \
	    "answer QUIT with 221 but keep the connection") \
	X(QUIT_NO_221, "quit-no-221", 0, \
	    "close on QUIT without a reply") \
	X(UNKNOWN_CMD_CLOSE, "unknown-cmd-close", 0, \
	    "close after an unknown command") \
	X(UNKNOWN_CMD_250, "unknown-cmd-250", 0, \
	    "answer unknown commands with 250") \
	X(CASE_SENSITIVE, "case-sensitive-verbs", 0, \
	    "recognise upper-case verbs only") \
	X(NO_555, "no-555", 0, \
	    "accept unknown MAIL/RCPT parameters with 250") \
	X(PARAM_501, "param-501", 0, \
	    "refuse unknown MAIL/RCPT parameters with 501, not 555") \
	X(SHORT_CMD_LINE, "short-cmd-line", 0, \
	    "refuse command lines over 256 octets") \
	X(SPLIT_4096, "split-at-4096", 0, \
	    "split over-long command lines at 4096 octets") \
	X(SHORT_TEXT_LINE, "short-text-line", 0, \
	    "refuse messages with text lines over 512 octets") \
	X(FEW_RCPTS, "few-rcpts", 0, \
	    "allow only 10 recipients (452 after)") \
	X(SHORT_LOCAL_PART, "short-local-part", 0, \
	    "refuse local parts over 32 octets") \
	X(SHORT_PATH, "short-path", 0, \
	    "refuse paths over 128 octets") \
	X(SMUGGLE_LF, "smuggle-lf", 0, \
	    "take LF . LF as the end of data") \
	X(SMUGGLE_CR, "smuggle-cr", 0, \
	    "take CR . CR as the end of data") \
	X(SMUGGLE_LF_CR, "smuggle-lf-cr", 0, \
	    "take LF . CR LF as the end of data") \
	X(DOT_LINE_ENDS, "dot-line-ends-data", 0, \
	    "take a \"..\" line as the end of data") \
	X(NUL_OK, "nul-ok", 0, \
	    "accept NUL in commands (the line is cut at the NUL)") \
	X(EIGHTBIT_OK, "eightbit-ok", 0, \
	    "accept 8-bit octets in addresses without SMTPUTF8") \
	X(SILENT_RCPT, "silent-rcpt", 0, \
	    "never answer RCPT") \
	X(SLOW_REPLY, "slow-reply", 0, \
	    "wait 30 s before sending replies") \
	X(CLOSE_AFTER_MAIL, "close-after-mail", 0, \
	    "close the connection instead of answering MAIL") \
	X(TWO_REPLIES_DATA, "two-replies-data", 0, \
	    "send two replies at the end of data") \
	X(PIPELINING_DROP, "pipelining-drop", 0, \
	    "discard input that arrives behind a command") \
	X(PIPE_DATA_LAST_RCPT, "pipe-data-last-rcpt", 0, \
	    "refuse DATA when the last RCPT failed") \
	X(SIZE_HIDDEN_552, "size-hidden-552", 0, \
	    "hide SIZE, yet refuse SIZE= with 552 (unrecognised: 555)") \
	X(SIZE_IGNORED, "size-ignored", 0, \
	    "advertise SIZE but accept larger messages") \
	X(SIZE_WRAP, "size-wrap", 0, \
	    "read SIZE= modulo 2^32") \
	X(NO_ENHANCED, "no-enhanced", 0, \
	    "advertise ENHANCEDSTATUSCODES but send none") \
	X(ESC_MISSING_221, "esc-missing-221", 0, \
	    "no enhanced status code on 221") \
	X(ESC_CLASS_MISMATCH, "esc-class-mismatch", 0, \
	    "enhanced class 2 on 5yz replies") \
	X(ECHO_RAW, "echo-raw", 0, \
	    "echo a bad EHLO/HELO argument raw into the reply") \
	X(LF_TERMINATOR, "lf-terminator", 0, \
	    "accept a bare LF as a command terminator") \
	X(POSTMASTER_REFUSED, "postmaster-refused", 0, \
	    "refuse postmaster recipients") \
	X(TLS_KEEPS_BUFFER, "tls-keeps-buffer", REF_FAULT_F_TLS, \
	    "run commands sent behind STARTTLS after the handshake") \
	X(TLS_KEEPS_STATE, "tls-keeps-state", REF_FAULT_F_TLS, \
	    "keep the EHLO/HELO state across STARTTLS") \
	X(STARTTLS_TWICE_OK, "starttls-twice-ok", REF_FAULT_F_TLS, \
	    "answer STARTTLS inside TLS with 220, then close") \
	X(STARTTLS_PARAM_OK, "starttls-param-ok", REF_FAULT_F_TLS, \
	    "accept STARTTLS with a parameter") \
	X(STARTTLS_PLAIN_AFTER_220, "starttls-plaintext-after-220", \
	    REF_FAULT_F_TLS, \
	    "send a clear-text \"250 injected\" after 220 to STARTTLS") \
	X(STARTTLS_ADV_AFTER_TLS, "starttls-advertised-after-tls", \
	    REF_FAULT_F_TLS, \
	    "still list STARTTLS in EHLO inside TLS") \
	X(STARTTLS_KEYWORD_PARAM, "starttls-keyword-param", REF_FAULT_F_TLS, \
	    "advertise \"STARTTLS NOW\", a parameter on the keyword") \
	X(TLS_CERT_EXPIRED, "tls-cert-expired", REF_FAULT_F_TLS, \
	    "serve a minted certificate that expired yesterday") \
	X(TLS_CERT_EXPIRING, "tls-cert-expiring", REF_FAULT_F_TLS, \
	    "serve a minted certificate that expires in 10 days") \
	X(TLS_CERT_WRONGHOST, "tls-cert-wronghost", REF_FAULT_F_TLS, \
	    "serve a minted certificate for wrong.invalid only") \
	X(TLS_CERT_SELFSIGNED, "tls-cert-selfsigned", REF_FAULT_F_TLS, \
	    "serve a minted self-signed certificate for localhost") \
	X(TLS_OLD_VERSIONS, "tls-old-versions", REF_FAULT_F_TLS, \
	    "accept TLS 1.0 and 1.1 (security level 0)") \
	X(TLS_WEAK_CIPHERS, "tls-weak-ciphers", REF_FAULT_F_TLS, \
	    "accept NULL and anonymous TLS 1.2 cipher suites") \
	X(AUTH_IN_CLEAR, "auth-in-clear", REF_FAULT_F_AUTH, \
	    "offer and accept AUTH PLAIN LOGIN before TLS") \
	X(AUTH_ANY_PASSWORD, "auth-any-password", \
	    REF_FAULT_F_TLS | REF_FAULT_F_AUTH, \
	    "accept any password for a known user") \
	X(AUTH_CANCEL_535, "auth-cancel-535", \
	    REF_FAULT_F_TLS | REF_FAULT_F_AUTH, \
	    "answer a \"*\" cancel with 535, not 501") \
	X(AUTH_BAD_BASE64_535, "auth-bad-base64-535", \
	    REF_FAULT_F_TLS | REF_FAULT_F_AUTH, \
	    "answer undecodable base64 with 535, not 501") \
	X(AUTH_TWICE_OK, "auth-twice-ok", \
	    REF_FAULT_F_TLS | REF_FAULT_F_AUTH, \
	    "run a second AUTH after a successful one") \
	X(AUTH_IN_TX_OK, "auth-in-transaction-ok", \
	    REF_FAULT_F_TLS | REF_FAULT_F_AUTH, \
	    "run AUTH inside a mail transaction") \
	X(AUTH_CHALLENGE_TEXT, "auth-challenge-text", \
	    REF_FAULT_F_TLS | REF_FAULT_F_AUTH, \
	    "send the empty PLAIN challenge as \"334 Go ahead\"") \
	X(AUTH_PARAM_REFUSED, "auth-param-refused", \
	    REF_FAULT_F_TLS | REF_FAULT_F_AUTH, \
	    "refuse MAIL FROM's AUTH= parameter with 555") \
	X(PIPELINING_REORDER, "pipelining-reorder", 0, \
	    "swap the replies to the 2nd and 3rd pipelined commands") \
	X(ENH_MISSING_RCPT, "enh-missing-rcpt", 0, \
	    "no enhanced status code on the 250 to RCPT") \
	X(BDAT_MISCOUNT, "bdat-miscount", 0, \
	    "BDAT n reads n-1 octets") \
	X(BDAT_DOT_ENDS, "bdat-dot-ends", 0, \
	    "take CRLF.CRLF inside a BDAT chunk as the end of data") \
	X(DATA_AFTER_BDAT_OK, "data-after-bdat-ok", 0, \
	    "accept DATA after BDAT in the same transaction") \
	X(BDAT_NO_REPLY_PER_CHUNK, "bdat-no-reply-per-chunk", 0, \
	    "answer only the LAST BDAT chunk") \
	X(BINARYMIME_DATA_OK, "binarymime-data-ok", 0, \
	    "accept DATA after MAIL BODY=BINARYMIME") \
	X(SIZE_END_IGNORED, "size-end-ignored", 0, \
	    "accept a message over SIZE at its end when MAIL had no SIZE=") \
	X(BODY_UNKNOWN_OK, "body-unknown-ok", 0, \
	    "accept unknown BODY= values") \
	X(SMTPUTF8_NO_PARAM_OK, "smtputf8-no-param-ok", 0, \
	    "accept UTF-8 addresses without MAIL's SMTPUTF8 parameter") \
	X(SMTPUTF8_REFUSED, "smtputf8-refused", 0, \
	    "refuse UTF-8 addresses with 553 even with SMTPUTF8") \
	X(DSN_BAD_NOTIFY_OK, "dsn-bad-notify-ok", 0, \
	    "accept malformed NOTIFY= (NEVER,SUCCESS; BOGUS)") \
	X(DSN_REFUSED, "dsn-refused", 0, \
	    "advertise DSN but refuse NOTIFY=/ORCPT= with 555") \
	X(IDLE_DROP, "idle-drop", 0, \
	    "close an idle client after 1 s without a 421") \
	X(IDLE_SHORT, "idle-short", 0, \
	    "421 after 2 s without a command instead of 5 min") \
	X(DATA_TIMEOUT_SHORT, "data-timeout-short", 0, \
	    "421 after 2 s of silence inside DATA or BDAT content")

enum ref_fault {
#define REF_FAULT_ENUM(id, name, fl, desc)	REF_FAULT_##id,
	REF_FAULTS(REF_FAULT_ENUM)
#undef REF_FAULT_ENUM
	REF_FAULT_COUNT
};

/* REF_FAULT - is fault f (REF_FAULT_<f> without the prefix) on for x,
 * anything with a ->conf (a session)? */
#define REF_FAULT(x, f)	((x)->conf->faults[REF_FAULT_##f])

/* ref_fault_str - the fault's flag name ("no-greeting"). */
const char *ref_fault_str(enum ref_fault);
/* ref_fault_desc - its one-line description. */
const char *ref_fault_desc(enum ref_fault);
/* ref_fault_flags - its REF_FAULT_F_* flags. */
unsigned ref_fault_flags(enum ref_fault);
/* ref_fault_lookup - by name; -1 when unknown. */
int	ref_fault_lookup(const char *name);

/* One --auth-users account; both strings owned, NUL-free. */
struct ref_conf_cred {
	char	*user;
	char	*password;
};

struct ref_conf {
	char	*listen;		/* HOST:PORT, [V6]:PORT */
	char	*maildir;		/* NULL: sink */
	char	*port_file;
	char	*hostname;		/* greeting and EHLO name */
	char	*cert;			/* PEM chain: offer STARTTLS */
	char	*key;			/* its PEM private key */
	char	*auth_users;		/* "user:password" file: offer AUTH */
	struct ref_conf_cred *creds;	/* loaded from it (ref_conf_finish) */
	size_t	 ncreds;
	char	**domains;		/* served, lower case */
	size_t	 ndomains;
	char	**users;		/* "local@domain", lower case */
	size_t	 nusers;
	long	 max_message_size;
	long	 max_recipients;
	long	 max_sessions;
	long	 max_errors;
	long	 timeout_command_ms;
	long	 timeout_data_ms;
	int	 verbose;
	/* Extensions a correct server may leave out: settings, not faults
	 * (a fault is a deviation from the RFCs; these are not). */
	bool	 pipelining;		/* advertise PIPELINING (default) */
	bool	 size;			/* advertise SIZE (default) */
	bool	 eightbitmime;		/* advertise 8BITMIME (default) */
	bool	 smtputf8;		/* advertise SMTPUTF8 (default; only
					 * with 8BITMIME, RFC 6531 3.1(8)) */
	bool	 chunking;		/* advertise CHUNKING and BINARYMIME
					 * (default) */
	bool	 dsn;			/* advertise DSN (default); the
					 * parameters are checked, no DSN is
					 * ever sent */
	bool	 auth_clear;		/* offer AUTH before TLS (RFC 4954 4
					 * leaves it to local policy) */
	bool	 implicit_tls;		/* RFC 8314 3.3: TLS from the start */
	bool	 faults[REF_FAULT_COUNT];
};

/* ref_conf_init - defaults; ref_conf_clear frees the members. */
void	ref_conf_init(struct ref_conf *);
void	ref_conf_clear(struct ref_conf *);

/*
 * ref_conf_parse_serve - the flags after "serve" (argv[0] is the first
 * flag), loading --config files where they appear (flags after a --config
 * override it). *help set for --help and for `--fault list` (see
 * ref_conf_usage). Returns 0, or -1 with err filled.
 */
int	ref_conf_parse_serve(struct ref_conf *, int argc, char **argv,
	    bool *help, struct sc_err *err);

/* ref_conf_load - `key = value` lines from path. Returns 0 or -1. */
int	ref_conf_load(struct ref_conf *, const char *path, struct sc_err *);

/*
 * ref_conf_finish - defaults for what was not set (domain smtpref.test,
 * users alice, bob and the UTF-8 j\xc3\xb6s\xc3\xa9 (RFC 6531 tests),
 * cross-checks (cert and key go together) and the
 * --auth-users file (a bad line is FILE:LINE). ref_server_new checks that
 * implicit_tls has a certificate. Returns 0 or -1.
 */
int	ref_conf_finish(struct ref_conf *, struct sc_err *);

/*
 * ref_conf_usage - the --help text, faults included; or, when the flags
 * parsed were `--fault list` (ref_conf_parse_serve set *help for it), the
 * output of ref_conf_fault_list().
 * XXX the mode is kept in ref_conf.c so that ref_main.c needs no change;
 * a separate "list" result from ref_conf_parse_serve would be cleaner.
 */
void	ref_conf_usage(FILE *);

/*
 * ref_conf_fault_list - one line per fault: "name<TAB>description" for the
 * faults the default configuration shows, and "name<TAB>description<TAB>
 * needs" for the others, needs being "tls" (run with --cert/--key),
 * "auth" (with --auth-users) or "tls,auth" (both). smtpcheck matrix takes
 * its profiles from this list.
 */
void	ref_conf_fault_list(FILE *);

/* ref_conf_serves - is domain (any case) one of ours? */
bool	ref_conf_serves(const struct ref_conf *, const char *d, size_t len);
/* ref_conf_has_user - is local@domain (any case) a user? */
bool	ref_conf_has_user(const struct ref_conf *, const char *local,
	    size_t llen, const char *domain, size_t dlen);

#endif /* SC_REF_CONF_H */
