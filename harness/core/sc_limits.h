/* SPDX-License-Identifier: ISC */
/*
 * sc_limits.h - every named limit of smtpcheck, in one place.
 *
 * The RFC minimums the suite tests against, and the bounds the harness puts
 * on itself (buffers, transcripts, deadlines). A limit is never written as a
 * bare number elsewhere: name it here, with its source in a comment.
 */
#ifndef SC_LIMITS_H
#define SC_LIMITS_H

/* RFC 5321 4.5.3.1: sizes a server MUST accept. */
#define SMTP_LOCAL_PART_MAX	64	/* 5321 4.5.3.1.1 */
#define SMTP_DOMAIN_MAX		255	/* 5321 4.5.3.1.2 */
#define SMTP_PATH_MAX		256	/* 5321 4.5.3.1.3 */
#define SMTP_CMD_LINE_MAX	512	/* 5321 4.5.3.1.4, CRLF included */
#define SMTP_REPLY_LINE_MAX	512	/* 5321 4.5.3.1.5, CRLF included */
#define SMTP_TEXT_LINE_MAX	1000	/* 5321 4.5.3.1.6, CRLF included */
#define SMTP_RCPT_MIN		100	/* 5321 4.5.3.1.8 */

/* What the harness tolerates from a peer before it calls a reply broken. */
#define SC_REPLY_LINE_HARD_MAX	4096	/* longer: malformed, not buffered */
#define SC_REPLY_LINES_MAX	128	/* lines in one multiline reply */
#define SC_REPLY_TEXT_MAX	16384	/* total text kept for one reply */

/* Harness I/O. */
#define SC_RECV_BUF_MAX		65536	/* unparsed bytes held per connection */
#define SC_SEND_MAX		(16 * 1024 * 1024) /* one write step */
#define SC_BODY_FILE_MAX	(64 * 1024 * 1024) /* a fixture body */

/* Transcript kept per scenario: entries and total bytes. */
#define SC_TRANSCRIPT_ENTRIES_MAX	4096
#define SC_TRANSCRIPT_BYTES_MAX		(256 * 1024)
#define SC_TRANSCRIPT_ENTRY_SHOW	2048	/* bytes shown per entry */
#define SC_SHOW_BYTES_MAX	512	/* escaped peer bytes in a verdict */

/* Deadlines, in milliseconds, before --timeout-scale. */
#define SC_CONNECT_TIMEOUT_MS	5000
#define SC_READ_TIMEOUT_MS	10000	/* default wait for one reply */
#define SC_WRITE_TIMEOUT_MS	10000
#define SC_SCENARIO_TIMEOUT_MS	120000	/* default whole-scenario deadline */
#define SC_QUIT_TIMEOUT_MS	2000	/* polite QUIT after a scenario */

/* Scenario language. */
#define SCN_FILE_MAX		(1024 * 1024)	/* a scenario file */
#define SCN_LINE_MAX		65536	/* one source line */
#define SCN_STEPS_MAX		10000
#define SCN_CODE_ALTS_MAX	16	/* alternatives in 250|251|... */
#define SCN_VARS_MAX		256
#define SCN_EXPAND_MAX		(16 * 1024 * 1024) /* an expanded string */
#define SCN_REPEAT_MAX		(16 * 1024 * 1024) /* ${repeat:N:..} */

/* Runner. */
#define RUN_JOBS_MAX		256

#endif /* SC_LIMITS_H */
