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

/* The command builder's verb length, 1..64 (smtp_cmd.h): ours, since no
 * RFC verb is longer than 8 octets. */
#define SMTP_CMD_VERB_MAX	64

/* What the harness tolerates from a peer before it calls a reply broken. */
#define SC_REPLY_LINE_HARD_MAX	4096	/* longer: malformed, not buffered */
#define SC_REPLY_LINES_MAX	128	/* lines in one multiline reply */
#define SC_REPLY_TEXT_MAX	16384	/* total text kept for one reply */

/* Harness I/O. */
#define SC_RECV_BUF_MAX		65536	/* unparsed bytes held per connection */
#define SC_SEND_MAX		(64 * 1024 * 1024) /* one write step (as SCN_EXPAND_MAX) */
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
#define SC_TLS_TIMEOUT_MS	10000	/* a whole TLS handshake */
#define SC_DATA_TIMEOUT_MS	30000	/* serve: a client's whole message */

/* Scenario language. */
#define SCN_FILE_MAX		(1024 * 1024)	/* a scenario file */
#define SCN_LINE_MAX		65536	/* one source line */
#define SCN_STEPS_MAX		10000
#define SCN_CODE_ALTS_MAX	16	/* alternatives in 250|251|... */
#define SCN_VARS_MAX		256
#define SCN_EXPAND_MAX		(64 * 1024 * 1024) /* an expanded string: room
						   to pass a 50 MB SIZE limit */
#define SCN_REPEAT_MAX		(64 * 1024 * 1024) /* ${repeat:N:..} */
#define SCN_REGEX_MAX		1024	/* a /regex/ in a scenario */
#define SCN_REGEX_REPEAT_MAX	255	/* {m,n}: n at most (RE_DUP_MAX) */
#define SCN_REGEX_PRODUCT_MAX	10000	/* all bounds multiplied: regcomp
					   expands bounded repetition */
#define SCN_TIMES_MAX		100000	/* `expect 250 times N` */

/* ESMTP parameters (RFC 5321 4.1.2 Mail-/Rcpt-parameters). */
#define SMTP_ADDR_PARAMS_MAX	16	/* 5321 4.1.2: no limit; no extension
					 * set in use needs more */

/*
 * smtpref, the reference server. Each tunable has a config key (ref_conf)
 * whose default is the constant here.
 */
#define REF_MESSAGE_SIZE_DEFAULT (10L * 1024 * 1024) /* max_message_size;
					 * 5321 4.5.3.1.7 sets no maximum */
#define REF_MESSAGE_SIZE_MIN	65536L	/* 5321 4.5.3.1.7: >= 64K octets */
#define REF_RCPTS_DEFAULT	1000L	/* max_recipients; >= 100 by
					 * 5321 4.5.3.1.8 */
#define REF_SESSIONS_DEFAULT	10000L	/* max_sessions; past it: 421
					 * (5321 3.8) */
#define REF_ERRORS_DEFAULT	20L	/* max_errors, then 421 (5321 7.8) */
#define REF_TIMEOUT_CMD_MS	(5L * 60 * 1000) /* 5321 4.5.3.2.7 */
#define REF_TIMEOUT_DATA_MS	(3L * 60 * 1000) /* 5321 4.5.3.2.5 */
#define REF_CONF_FILE_MAX	(1024 * 1024)	/* a config file */
#define REF_CONF_LIST_MAX	1024	/* domains, users */
#define REF_NOFILE_WANT		(1024L * 1024) /* soft RLIMIT_NOFILE
					 * asked for when the hard one is
					 * higher or unlimited */

/* smtpref session buffers; each is allocated at its maximum, but only
 * while it holds bytes: an idle session holds neither (ref_sess.c). */
#define REF_INBUF_MAX		16384	/* unparsed input per session; holds
					 * a 5321 4.5.3.1.4 line many times */
#define REF_LINE_HOLD_MAX	4096	/* partial command line kept; longer
					 * is discarded to CRLF, one 500
					 * (5321 4.5.3.1.4, 4.5.3.1.10) */
#define REF_OUTBUF_MAX		16384	/* queued replies per session */
#define REF_OUT_HIWAT		8192	/* stop reading above this: a
					 * pipelining client that never reads
					 * (RFC 2920 3.1) cannot grow us */
#define REF_BUF_SPARE_MAX	64	/* emptied session buffers kept for
					 * reuse (per kind), so busy sessions
					 * do not malloc per command */
#define REF_STORE_WBUF_MAX	32768	/* message octets gathered per write
					 * to the maildir file */
#define REF_CLOSE_FLUSH_MS	60000	/* flush the last replies before
					 * closing; then drop */
#define REF_ID_MAX		32	/* queue id text (5321 4.4 "id") */
#define REF_PEER_MAX		64	/* "[IPv6:...]" (5321 4.1.3) */

/* smtpref replies and logs. */
#define REF_SIZE_LINE_EXTRA	26	/* 1870 3(5): " SIZE=" + 20 digits
					 * on top of the MAIL line limit */
#define REF_SIZE_DIGITS_MAX	20	/* 1870 3: size-value 1*20DIGIT */
#define REF_REPLY_TEXT_MAX	(SMTP_CMD_LINE_MAX + 128) /* one reply line
					 * we build; 5321 4.5.3.1.5 is 512
					 * and only echo-raw exceeds it */
#define REF_LOG_SHOW_MAX	80	/* command octets shown with -v */

/* smtpref fault profiles: the lower limits they enforce on purpose. */
#define REF_SLOW_REPLY_MS	30000	/* slow-reply: past SC_READ_TIMEOUT_MS
					 * yet inside the client timeouts of
					 * 5321 4.5.3.2 */
#define REF_FAULT_CMD_LINE_MAX	256	/* short-cmd-line, < 5321 4.5.3.1.4 */
#define REF_FAULT_TEXT_LINE_MAX	512	/* short-text-line, < 4.5.3.1.6 */
#define REF_FAULT_RCPTS_MAX	10	/* few-rcpts, < 5321 4.5.3.1.8 */
#define REF_FAULT_LOCAL_MAX	32	/* short-local-part, < 4.5.3.1.1 */
#define REF_FAULT_PATH_MAX	128	/* short-path, < 5321 4.5.3.1.3 */
#define REF_FAULT_IDLE_DROP_MS	1000	/* idle-drop: silent close, far
					 * below 5321 4.5.3.2.7's 5 min */
#define REF_FAULT_IDLE_SHORT_MS	2000	/* idle-short: 421, < 4.5.3.2.7 */
#define REF_FAULT_DATA_TIMEOUT_MS 2000	/* data-timeout-short: 421,
					 * < 5321 4.5.3.2.5's 3 min */

/* smtpref CHUNKING (RFC 3030), DSN (RFC 3461), SMTPUTF8 (RFC 6531). */
#define REF_BDAT_DIGITS_MAX	20	/* 3030 2: chunk-size 1*DIGIT; more
					 * digits than a 64-bit count: 501 */
#define REF_DSN_ENVID_MAX	100	/* 3461 4.4: ENVID xtext, decoded */
#define REF_DSN_ORCPT_MAX	500	/* 3461 4.2: ORCPT value (both are
					 * measured decoded: the lenient
					 * reading) */
#define REF_DSN_MAIL_EXTRA	100	/* 3461 4: MAIL line grows by 100
					 * for RET and ENVID */
#define REF_DSN_RCPT_EXTRA	500	/* 3461 4: RCPT line grows by 500
					 * for NOTIFY and ORCPT */
#define REF_UTF8_MAIL_EXTRA	10	/* 6531 3.4: MAIL grows by
					 * " SMTPUTF8" */

/* smtpref AUTH (RFC 4954, 4616) and the TLS test certificates. */
#define REF_AUTH_LINE_MAX	12288	/* 4954 4: an AUTH command line or a
					 * SASL response line, CRLF included;
					 * longer: 500 5.5.6 */
#define REF_AUTH_MAIL_EXTRA	500	/* 4954 3: MAIL FROM may grow by
					 * 500 octets for AUTH= */
#define REF_AUTH_FILE_MAX	(1024 * 1024)	/* an --auth-users file */
#define REF_AUTH_USERS_MAX	1024	/* accounts in it */
#define REF_CERT_VALID_DAYS	365	/* tls-cert-* certificates */
#define REF_CERT_EXPIRING_DAYS	10	/* tls-cert-expiring: notAfter */
#define REF_CERT_EXPIRED_FROM_DAYS 30	/* tls-cert-expired: notBefore ago */
#define REF_CERT_EXPIRED_TO_DAYS 1	/* tls-cert-expired: notAfter ago */

/* smtpref send: AUTH and TLS (the client). */
#define REF_SEND_AUTH_CRED_MAX	255	/* 4616 2: authcid and passwd are
					 * 1*SAFE up to 255 octets */
#define REF_SEND_PASSWORD_FILE_MAX 4096	/* --auth-password-file; only
					 * its first line is used */
#define REF_SEND_AUTH_IR_LINE_MAX SMTP_CMD_LINE_MAX /* 4954 4: an AUTH
					 * line with its initial response;
					 * longer: the response follows 334 */

/* Runner. */
#define RUN_JOBS_MAX		256
#define RUN_MATRIX_REF_ARGS_MAX	256	/* matrix --ref-arg flags */
#define RUN_MATRIX_PROFILES_AT_ONCE 4	/* matrix: smtpref processes at once */

/* smtpcheck import: what one capture may hold. Ours: past a limit the
 * flow (or the file) is refused with a message, never followed further. */
#define IMP_FLOWS_MAX		4096	/* TCP flows followed in one file */
#define IMP_STREAM_MAX		(16 * 1024 * 1024) /* one side of a flow */
#define IMP_OOO_SEGS_MAX	1024	/* out-of-order segments held, per side */
#define IMP_OOO_BYTES_MAX	(4 * 1024 * 1024) /* ... and their octets */
#define IMP_TURNS_MAX		(1024 * 1024) /* the sides taking turns */
#define IMP_VLAN_TAGS_MAX	4	/* 802.1Q/802.1ad tags walked */
#define IMP_IPV6_EXT_MAX	8	/* IPv6 extension headers walked */
#define IMP_RAW_CHUNK		8192	/* octets per send-raw line (the
					 * escaped line stays < SCN_LINE_MAX) */

#define CONN_LISTEN_BACKLOG	64	/* conn_listen: `smtpcheck serve` */

/* TLS (conn_start_tls): struct conn_tls_info text fields, NUL included. */
#define CONN_TLS_VERSION_MAX	16	/* "TLSv1.3" */
#define CONN_TLS_CIPHER_MAX	64	/* IANA/OpenSSL suite names < 64 */
#define CONN_TLS_NAME_MAX	256	/* RFC 2253 subject or issuer, cut */
#define CONN_TLS_TIME_MAX	32	/* RFC 3339 "2126-11-05T23:39:48Z" */
#define CONN_TLS_VERIFY_MAX	128	/* X509_verify_cert_error_string */

/* Packet captures (--pcap DIR: harness/conn/cap.c, pcap_out.c). */
#define SC_CAPTURE_BYTES_MAX	(64 * 1024 * 1024) /* payload recorded per
					 * scenario; past it, later bytes are
					 * dropped and the transcript says so */
#define SC_CAPTURE_MSS4		1460	/* TCP payload per packet over IPv4:
					 * Ethernet's 1500 less 20 + 20 */
#define SC_CAPTURE_MSS6		1440	/* over IPv6: 1500 less 40 + 20 */
#define SC_CAPTURE_SNAPLEN	65535	/* the file's snapshot length */

#endif /* SC_LIMITS_H */
