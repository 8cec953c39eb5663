/* SPDX-License-Identifier: ISC */
/*
 * ref_param.h - smtpref's MAIL and RCPT parameters (RFC 5321 4.1.1.11,
 * 4.1.2 esmtp-param).
 *
 * MAIL: SIZE (RFC 1870), BODY (6152; BINARYMIME 3030 3), AUTH (4954 5,
 * checked by ref_auth.c), SMTPUTF8 (6531 3.4), RET and ENVID (3461 4.3,
 * 4.4). RCPT: NOTIFY and ORCPT (3461 4.1, 4.2). A parameter of an
 * extension that is not advertised is unknown: 555. A recognised one
 * with a bad value, or repeated, is 501 5.5.4. The checks read
 * sess->env (parsed by check_fn) and queue their own refusal; nothing is
 * kept but struct ref_mailopt. No DSN is ever generated: DSN parameters
 * are only checked.
 */
#ifndef SC_REF_PARAM_H
#define SC_REF_PARAM_H

#include <stdbool.h>

struct ref_sess;

/*
 * ref_param_check_mail - s->env.params of a MAIL; fills s->opt. Returns
 * false after queueing 501, 552 (SIZE over the limit) or 555.
 */
bool	ref_param_check_mail(struct ref_sess *s);

/* ref_param_check_rcpt - s->env.params of a RCPT. Returns false after
 * queueing 501 or 555. */
bool	ref_param_check_rcpt(struct ref_sess *s);

#endif /* SC_REF_PARAM_H */
