/* SPDX-License-Identifier: ISC */
/*
 * scn.h - the scenario language: the tree a parsed file becomes.
 *
 * A scenario file is line-oriented: a header of metadata lines, then steps
 * that read like an SMTP transcript (README.md, "Scenario language" is the
 * reference). scn_parse_*() turn a file into a struct scn; every error names
 * file:line:col and what was expected, and a broken file never crashes the
 * parser.
 *
 * Ownership: the struct scn owns everything beneath it (strings, steps,
 * compiled patterns); scn_free() releases it all. Text that holds ${...}
 * references or escapes is stored as written and expanded at run time by
 * scn_expand() (scn_vars.h), after the parser has checked its syntax.
 */
#ifndef SCN_H
#define SCN_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "sc_limits.h"

struct sc_err;

/* Who the harness plays. */
enum scn_role {
	SCN_ROLE_CLIENT,	/* harness is the client: `smtpcheck run` */
	SCN_ROLE_SERVER,	/* harness is the server: `smtpcheck serve` */
};

/* The requirement level the scenario checks; decides the verdict of a
 * mismatch: MUST -> FAIL, SHOULD -> WARN, MAY -> INFO. */
enum scn_level {
	SCN_LEVEL_MUST,
	SCN_LEVEL_SHOULD,
	SCN_LEVEL_MAY,
};

enum scn_req_kind {
	SCN_REQ_KEYWORD,	/* `requires keyword PIPELINING` */
	SCN_REQ_NO_KEYWORD,	/* `requires no keyword PIPELINING` */
	SCN_REQ_VAR,		/* `requires var unknown_rcpt`: set, non-empty */
	SCN_REQ_TLS,		/* `requires tls` */
	SCN_REQ_TLS_KEYWORD,	/* `requires tls keyword AUTH /PLAIN/`: in
				   the EHLO reply after TLS */
};

struct scn_require {
	enum scn_req_kind kind;
	char	*arg;		/* keyword or variable name; NULL for tls */
	char	*param_src;	/* KEYWORD: ERE its parameters must match
				   (`requires keyword SIZE /^[1-9]/`), or NULL;
				   checked when parsed, compiled when used */
	int	 line;
};

/* A reply-code pattern: three characters, each a digit or 'x'. */
struct scn_codeset {
	size_t	 n;
	char	 alt[SCN_CODE_ALTS_MAX][4];	/* "250", "2xx", "55x" */
};

enum scn_step_kind {
	SCN_STEP_CONNECT,	/* open the connection (client role) */
	SCN_STEP_SEND,		/* lines, CRLF added to each, ONE write */
	SCN_STEP_SEND_RAW,	/* bytes with escapes, no CRLF added */
	SCN_STEP_BODY,		/* a fixture file, dot-stuffed, + CRLF.CRLF */
	SCN_STEP_BODY_RAW,	/* a fixture file as is, nothing added */
	SCN_STEP_PAUSE,		/* sleep */
	SCN_STEP_EXPECT_REPLY,	/* one reply, checked */
	SCN_STEP_EXPECT_KEYWORD,	/* in the last EHLO reply */
	SCN_STEP_EXPECT_NO_KEYWORD,
	SCN_STEP_EXPECT_CLOSE,	/* the peer closes (EOF) */
	SCN_STEP_EXPECT_SILENCE,	/* no byte arrives for a time */
	SCN_STEP_CAPTURE,	/* store a value from a reply in a variable */
	SCN_STEP_CLOSE,		/* the harness closes its side */
	SCN_STEP_STARTTLS,	/* TLS handshake now (after 220 to STARTTLS) */
	SCN_STEP_SECURE,	/* reach TLS: STARTTLS, 220, handshake; nothing
				   when the connection is TLS already */
	SCN_STEP_EXPECT_TLS,	/* a property of the TLS session */
	/* server role (`smtpcheck serve`) */
	SCN_STEP_ACCEPT,	/* the client under test connects */
	SCN_STEP_EXPECT_COMMAND,	/* one command line from the client */
	SCN_STEP_EXPECT_BODY,	/* message text up to CRLF.CRLF */
	SCN_STEP_EXPECT_EXIT,	/* the client command's exit status */
	SCN_STEP_EXPECT_QUIT,	/* RSET/NOOP answered 250, then QUIT, 221 */
	SCN_STEP_EXPECT_AUTH,	/* a whole AUTH PLAIN/LOGIN exchange, 235 */
};
/* The last step kind: tables indexed by kind have SCN_STEP_LAST + 1. */
#define SCN_STEP_LAST	SCN_STEP_EXPECT_AUTH

/* `expect command VERB[|VERB...] [/REGEX/]` */
struct scn_expect_command {
	char	*verbs;		/* "EHLO|HELO", upper case */
	char	*arg_src;	/* ERE over the argument, or NULL */
	regex_t	 arg_re;
	bool	 has_arg_re;
	bool	 or_close;	/* `or-close`: a close instead passes too */
};

/* `expect body [same] [text /REGEX/]` */
struct scn_expect_body {
	bool	 same;		/* unstuffed, it equals the message file */
	char	*text_src;	/* ERE some line must match, or NULL */
	regex_t	 text_re;
	bool	 has_text_re;
};

enum scn_exit_want {
	SCN_EXIT_SUCCESS,	/* status 0 */
	SCN_EXIT_FAILURE,	/* exited, status not 0 */
};

/* `starttls [any-cert] [min-version V] [max-version V] [ciphers "L"]
 * [fails]` */
struct scn_starttls {
	bool	 any_cert;	/* the scenario judges the certificate itself:
				   a failed verification is not an ERROR */
	bool	 fails;		/* the handshake must fail */
	int	 min_version;	/* 10..13 for TLS 1.0..1.3; 0: default */
	int	 max_version;
	char	*ciphers;	/* OpenSSL cipher list, or NULL */
	bool	 or_close;	/* server role: the client closing instead of
				   a handshake passes too (aborting is safe) */
};

enum scn_tls_prop {
	SCN_TLS_VERSION,	/* `expect tls version at-least 1.2` */
	SCN_TLS_VERIFIED,	/* `expect tls verified`: chain and name */
	SCN_TLS_DAYS_LEFT,	/* `expect tls days-left N` */
	SCN_TLS_NOT_SELF_SIGNED,	/* `expect tls not-self-signed` */
};

struct scn_expect_tls {
	enum scn_tls_prop prop;
	int	 version;	/* VERSION: the least acceptable, 10..13 */
	long	 days;		/* DAYS_LEFT: at least this many */
	int	 warn_ports[SCN_CODE_ALTS_MAX];	/* `warn-on-port 25|2525`:
				   a mismatch on these target ports is WARN */
	size_t	 nwarn_ports;
};

enum scn_capture_from {
	SCN_CAPTURE_KEYWORD,	/* first parameter of an EHLO keyword */
	SCN_CAPTURE_TEXT,	/* group 1 of a regex over the last reply */
};

struct scn_expect_reply {
	struct scn_codeset pass;	/* the codes that pass */
	struct scn_codeset warn_on;	/* these give WARN instead */
	struct scn_codeset info_on;	/* these give INFO instead */
	struct scn_codeset skip_on;	/* these end the scenario as SKIP: a
					   policy under which the check does
					   not apply (RFC-permitted) */
	bool	 record;	/* a pass is recorded as INFO: a policy the
				   peer may choose ("server chose 252") */
	char	*enh;		/* "5.1.x" pattern, or NULL: the reply must
				   carry a matching enhanced status code */
	char	*text_src;	/* ERE as written, or NULL */
	regex_t	 text_re;	/* compiled, REG_EXTENDED|REG_ICASE|REG_NOSUB */
	bool	 has_text_re;
	bool	 negate;	/* `expect not CODES within D`: pass when no
				   reply matching pass arrives within D */
	long	 times;		/* `times N`: N replies, each checked; 0 = 1 */
};

struct scn_step {
	enum scn_step_kind kind;
	int	 line;		/* 1-based source line */
	char	*src;		/* the source line, trimmed, for reports */
	long	 within_ms;	/* EXPECT_*: deadline; 0 = default */
	union {
		struct {		/* SEND: lines as written (${...}) */
			char	**lines;
			size_t	  nlines;
		} send;
		char	*raw;		/* SEND_RAW: string as written,
					   escapes and ${...} not expanded */
		char	*file;		/* BODY, BODY_RAW: resolved path */
		long	 pause_ms;	/* PAUSE */
		long	 silence_ms;	/* EXPECT_SILENCE */
		struct scn_expect_reply reply;	/* EXPECT_REPLY */
		struct scn_starttls starttls;	/* STARTTLS, SECURE */
		struct scn_expect_tls tls;	/* EXPECT_TLS */
		struct scn_expect_command cmd;	/* EXPECT_COMMAND */
		struct scn_expect_body body;	/* EXPECT_BODY */
		enum scn_exit_want exit_want;	/* EXPECT_EXIT */
		bool	 or_close;		/* EXPECT_QUIT: a close passes */
		struct {		/* EXPECT_(NO_)KEYWORD */
			char	*keyword;
			char	*param_src;	/* ERE or NULL */
			regex_t	 param_re;
			bool	 has_param_re;
		} kw;
		struct {		/* CAPTURE */
			char	*var;
			enum scn_capture_from from;
			char	*keyword;	/* SCN_CAPTURE_KEYWORD */
			char	*re_src;	/* SCN_CAPTURE_TEXT */
			regex_t	 re;
			bool	 has_re;
		} capture;
	} u;
};

struct scn {
	char	*path;		/* as given to the parser */
	char	*id;		/* stable unique id, e.g. core.mail.null-path */
	char	*title;
	char	*note;		/* optional longer explanation, or NULL */
	char	**rfc;		/* "5321 4.5.3.1.4", one per reference */
	size_t	  nrfc;
	enum scn_level level;
	char	**tags;
	size_t	  ntags;
	enum scn_role role;
	char	**catalog;	/* catalog ids, "S-CORE-015" */
	size_t	  ncatalog;
	struct scn_require *req;
	size_t	  nreq;
	long	 timeout_ms;	/* whole scenario; 0 = default */
	char	*message;	/* server role: `message FILE`, resolved, the
				   message the client under test sends */
	char	**client_vars;	/* server role: `client NAME=VALUE`, for the
				   client command's {NAME} placeholders */
	size_t	  nclient_vars;
	struct scn_step *steps;
	size_t	  nsteps;
};

/*
 * scn_parse_file - read and parse path. Returns an owned scenario, or NULL
 * with err filled (file:line:col: message). A file over SCN_FILE_MAX is an
 * error, not a truncation.
 */
struct scn *scn_parse_file(const char *path, struct sc_err *err);

/*
 * scn_parse_buf - parse len bytes of buf as if read from path (path names
 * errors and anchors relative fixture paths).
 */
struct scn *scn_parse_buf(const char *path, const char *buf, size_t len,
	    struct sc_err *err);

/* scn_free - release s and everything it owns. NULL is fine. */
void	scn_free(struct scn *s);

/* scn_area - the area a scenario is grouped under in reports, written
 * into buf: the part of its id before the first '.' (the whole id if none). */
void	scn_area(const struct scn *s, char *buf, size_t size);

/* scn_has_tag - case-insensitive tag match. */
bool	scn_has_tag(const struct scn *s, const char *tag);

/* Enum names for logs and reports. */
const char *scn_role_str(enum scn_role);
const char *scn_level_str(enum scn_level);
const char *scn_step_kind_str(enum scn_step_kind);

/* scn_codeset_match - does the 3-digit code match any pattern in cs? */
bool	scn_codeset_match(const struct scn_codeset *cs, int code);
/* scn_codeset_str - "250|251" into buf. */
void	scn_codeset_str(const struct scn_codeset *cs, char *buf, size_t size);
/* scn_enh_match - does "5.1.1" match the pattern "5.1.x"? */
bool	scn_enh_match(const char *pattern, int cls, int subj, int detail);

#endif /* SCN_H */
