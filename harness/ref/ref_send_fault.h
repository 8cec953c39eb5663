/* SPDX-License-Identifier: ISC */
/*
 * ref_send_fault.h - client fault profiles of "smtpref send": each one a
 * documented deviation from RFC 5321/3207/4954/2920/1870/6152 that a fake
 * server can see on the wire (../shared/rfc-catalog.md Part B, C-* rows).
 *
 * This module only names them; each fault is checked in exactly one place
 * in ref_send.c (STYLE 17). No I/O beyond printing the list.
 */
#ifndef SC_REF_SEND_FAULT_H
#define SC_REF_SEND_FAULT_H

#include <stdio.h>

/* X(ID, "name", "description") - one row per fault. */
#define REF_SEND_FAULTS(X) \
	X(TLS_PIPELINE_AFTER_STARTTLS, "tls-pipeline-after-starttls", \
	    "send STARTTLS and EHLO in one write (3207 4, C-PIPE-007)") \
	X(TLS_ACT_ON_INJECTED, "tls-act-on-injected", \
	    "keep bytes received after the 220 to STARTTLS and read them as " \
	    "replies inside TLS (3207 4.2, C-TLS-003)") \
	X(TLS_DOWNGRADE, "tls-downgrade", \
	    "with --tls require, go on in clear when STARTTLS is not offered " \
	    "or refused (3207 6, C-TLS-005); no effect in other modes") \
	X(TLS_KEEP_EHLO, "tls-keep-ehlo", \
	    "no EHLO after TLS; keep the pre-TLS keywords (3207 4.2, " \
	    "C-TLS-002)") \
	X(AUTH_IN_CLEAR, "auth-in-clear", \
	    "send AUTH credentials without TLS (4954 4, 14, C-AUTH-001)") \
	X(NO_DOT_STUFFING, "no-dot-stuffing", \
	    "do not dot-stuff the content (5321 4.5.2, C-CORE-016)") \
	X(BARE_LF, "bare-lf", \
	    "end commands and content lines with a bare LF (5321 2.3.8, " \
	    "C-CORE-017)") \
	X(PIPELINE_WITHOUT_EXTENSION, "pipeline-without-extension", \
	    "pipeline MAIL, RCPT and DATA when PIPELINING is not offered " \
	    "(2920 2, C-CORE-013)") \
	X(DATA_BEFORE_354, "data-before-354", \
	    "send the content right after DATA, before the 354 (5321 3.3, " \
	    "C-PIPE-001)") \
	X(NO_QUIT, "no-quit", \
	    "close after the reply to end of data without QUIT (5321 " \
	    "4.1.1.10, C-CORE-019)") \
	X(IGNORE_SIZE, "ignore-size", \
	    "no SIZE= parameter, and send a message over the server's SIZE " \
	    "(1870 4, C-SIZE-001)") \
	X(EIGHTBIT_WITHOUT_8BITMIME, "8bit-without-8bitmime", \
	    "send BODY=8BITMIME and 8-bit content when 8BITMIME is not " \
	    "offered (6152 3, C-8BIT-001)") \
	X(NO_HELO_FALLBACK, "no-helo-fallback", \
	    "give up (exit 76) on 500/502 to EHLO instead of HELO (5321 3.2, " \
	    "C-CORE-003)") \
	X(MAIL_AFTER_5XX, "mail-after-5xx", \
	    "go on with RCPT and DATA after a 5xx to MAIL (5321 3.3)") \
	X(NO_WAIT_GREETING, "no-wait-greeting", \
	    "send EHLO right after connect, before the 220 (5321 4.3.1, " \
	    "C-CORE-001)") \
	X(STARTTLS_TWICE, "starttls-twice", \
	    "send STARTTLS again inside TLS when the server offers it (3207 " \
	    "4.2, C-TLS-004)") \
	X(SHORT_TIMEOUT, "short-timeout", \
	    "give up on any reply after 2 s, far below the minimums of 5321 " \
	    "4.5.3.2 (C-TIME-002..004)")

enum ref_send_fault {
#define REF_SEND_FAULT_ENUM(id, name, desc)	REF_SEND_FAULT_##id,
	REF_SEND_FAULTS(REF_SEND_FAULT_ENUM)
#undef REF_SEND_FAULT_ENUM
	REF_SEND_FAULT_COUNT
};

/* ref_send_fault_str - the fault's name ("no-quit"); static text. */
const char *ref_send_fault_str(enum ref_send_fault);

/*
 * ref_send_fault_parse - the fault called name into *out. Returns 0, or
 * -1 when no fault has that name.
 */
int	ref_send_fault_parse(const char *name, enum ref_send_fault *out);

/* ref_send_fault_list - "name<TAB>description" lines, one per fault. */
void	ref_send_fault_list(FILE *);

#endif /* SC_REF_SEND_FAULT_H */
