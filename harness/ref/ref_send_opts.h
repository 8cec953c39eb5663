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

#include "sc_limits.h"

struct sc_err;

/* XXX belong in sc_limits.h (owned elsewhere). */
#define REF_SEND_MESSAGE_MAX	SC_BODY_FILE_MAX /* the message, as sent */
#define REF_SEND_RCPTS_MAX	1000	/* --to; >= SMTP_RCPT_MIN */
#define REF_SEND_TIMEOUT_MS	SC_READ_TIMEOUT_MS /* default --timeout */
#define REF_SEND_TIMEOUT_MAX_MS	(24L * 3600 * 1000)

enum ref_send_pipe {
	REF_SEND_PIPE_AUTO = 0,	/* pipeline when PIPELINING is offered */
	REF_SEND_PIPE_NEVER,
	REF_SEND_PIPE_REQUIRE,	/* fail when it is not offered */
};

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
};

/*
 * ref_send_opts_parse - the flags after "send" and the optional FILE into
 * a zeroed *o (which borrows strings from argv). *help is set for --help.
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
