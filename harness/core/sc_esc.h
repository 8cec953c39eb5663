/* SPDX-License-Identifier: ISC */
/*
 * sc_esc.h - make peer bytes safe to print: \r \n \t \\ \" \0 \xNN.
 *
 * Used by transcripts, verdicts, logs and reports. Output is always valid
 * printable ASCII (and so valid UTF-8, JSON- and XML-safe after their own
 * quoting). Cut at a named length with a "..." marker.
 */
#ifndef SC_ESC_H
#define SC_ESC_H

#include <stddef.h>

/*
 * sc_esc - escape len bytes of p into a new string owned by the caller.
 * At most max input bytes are shown; "...(+N bytes)" marks a cut.
 * max == 0 means no cut.
 */
char	*sc_esc(const void *p, size_t len, size_t max);

#endif /* SC_ESC_H */
