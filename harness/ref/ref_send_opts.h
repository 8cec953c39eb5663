/* SPDX-License-Identifier: ISC */
/*
 * ref_send_opts.h - what "smtpref send" is asked to do: its flags, and the
 * message read from FILE or stdin.
 *
 * Flags are checked here, once (addresses against RFC 5321 4.1.2 and
 * 4.5.3.1, the EHLO name, the server), so the client never builds a
 * command it would have to refuse. The message is read as bytes, bounded
 * by REF_SEND_MESSAGE_MAX, and given CRLF line ends. Does not talk to the
 * network.
 */
#ifndef SC_REF_SEND_OPTS_H
#define SC_REF_SEND_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ref_send_fault.h"
#include "sc_limits.h"

struct sc_err;

/* XXX belong in sc_limits.h (owned elsewhere). */
#define REF_SEND_MESSAGE_MAX	SC_BODY_FILE_MAX /* the message, as sent */
#define REF_SEND_RCPTS_MAX	1000	/* --to; >= SMTP_RCPT_MIN */
/* RFC 5321 4.5.3.2 client minimums, the defaults without --timeout */
#define REF_SEND_TIMEOUT_CMD_MS	(5 * 60 * 1000)	/* greeting, MAIL, RCPT, ... */
#define REF_SEND_TIMEOUT_DATA_MS (2 * 60 * 1000) /* the 354 */
#define REF_SEND_TIMEOUT_BLOCK_MS (3 * 60 * 1000) /* each write */
#define REF_SEND_TIMEOUT_DOT_MS	(10 * 60 * 1000) /* after the final dot */
#define REF_SEND_SHORT_TIMEOUT_MS 2000	/* the short-timeout fault */
#define REF_SEND_TIMEOUT_MAX_MS	(24L * 3600 * 1000)

enum ref_send_pipe {
	REF_SEND_PIPE_AUTO = 0,	/* pipeline when PIPELINING is offered */
	REF_SEND_PIPE_NEVER,
	REF_SEND_PIPE_REQUIRE,	/* fail when it is not offered */
};

enum ref_send_tls {
	REF_SEND_TLS_OPPORTUNISTIC = 0,	/* STARTTLS when offered (default) */
	REF_SEND_TLS_NONE,
	REF_SEND_TLS_REQUIRE,	/* STARTTLS or nothing (RFC 3207 6) */
	REF_SEND_TLS_IMPLICIT,	/* TLS at connect (RFC 8314 3.3) */
};

/* ref_send_tls_str - enum name ("require"). */
const char *ref_send_tls_str(enum ref_send_tls);

struct ref_send_opts {
	char	*server;		/* as given; borrowed from argv */
	char	*host, *port;		/* of --server, owned */
	char	*from;			/* without brackets, "" = <>, owned */
	char	**to;			/* without brackets, owned */
	size_t	 nto;
	char	*helo;			/* owned */
	enum ref_send_pipe pipe;
	long	 timeout_ms;
	int	 verbose;
	const char *file;		/* NULL or "-": stdin; borrowed */
	enum ref_send_tls tls;
	const char *ca_file;		/* --ca; NULL: system store; borrowed */
	const char *tls_name;		/* --tls-name; borrowed */
	bool	 insecure;		/* --insecure */
	char	*auth_user, *auth_password;	/* owned; NULL: no AUTH */
	bool	 auth_clear;		/* --auth-clear: AUTH without TLS */
	unsigned faults;		/* 1u << enum ref_send_fault */
	bool	 list_faults;		/* --fault list */
};

/* ref_send_has_fault - true when --fault f was given. */
static inline bool
ref_send_has_fault(const struct ref_send_opts *o, enum ref_send_fault f)
{
	return (o->faults & (1u << f)) != 0;
}

/*
 * ref_send_opts_parse - the flags after "send" and the optional FILE into
 * a zeroed *o (which borrows strings from argv). *help is set for --help
 * (and o->list_faults for --fault list), and then nothing is checked.
 * --auth-password-file is read here (its first line).
 * Returns 0, or -1 with err filled ("--flag: what was expected"); the
 * caller then ref_send_opts_clear()s.
 */
int	ref_send_opts_parse(struct ref_send_opts *o, int argc, char **argv,
	    bool *help, struct sc_err *err);

/* ref_send_opts_clear - free the members and zero. */
void	ref_send_opts_clear(struct ref_send_opts *);

/* ref_send_opts_usage - the --help text. */
void	ref_send_opts_usage(FILE *);

/*
 * ref_send_opts_message - read o->file (stdin for NULL or "-"), turn each
 * LF not preceded by CR into CRLF and end a last line without one with
 * CRLF. *msg (owned, NUL-terminated), *len and *eightbit (an octet >=
 * 0x80) are set on success. Returns 0 (EX_OK), or prints one line and
 * returns EX_NOINPUT (cannot open or read) or EX_DATAERR (over
 * REF_SEND_MESSAGE_MAX octets, before or after the conversion).
 */
int	ref_send_opts_message(const struct ref_send_opts *o, char **msg,
	    size_t *len, bool *eightbit);

#endif /* SC_REF_SEND_OPTS_H */
