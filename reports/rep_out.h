/* SPDX-License-Identifier: ISC */
/*
 * rep_out.h - output helpers shared by the report writers: string quoting
 * for JSON, XML, TAP and terminals, time formatting, and small views of a
 * result (area, joined lists, one transcript line).
 *
 * Internal to reports/: callers outside use rep.h. Nothing here reads the
 * clock, the environment or the locale. Strings may be NULL where noted;
 * text is treated as UTF-8, and bytes that are not valid UTF-8 never reach
 * the output as they are.
 */
#ifndef SC_REP_OUT_H
#define SC_REP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct run_result;
struct run_summary;
struct scn;
struct tr_entry;

/* Room for "-9223372036854775.808" and for an RFC 3339 time. */
#define REP_OUT_NUM_MAX		32
#define REP_OUT_TIME_MAX	40

/* rep_out_finish - flush f. Returns 0, or -1 if any write on f failed. */
int	rep_out_finish(FILE *f);

/*
 * rep_out_utf8 - decode one code point from s (len > 0) into *cp. Returns
 * the bytes used. A byte that does not start a valid, shortest-form UTF-8
 * sequence of a scalar value gives *cp = 0xFFFD and uses one byte.
 */
size_t	rep_out_utf8(const unsigned char *s, size_t len, uint32_t *cp);
/* rep_out_is_bad - did rep_out_utf8 give U+FFFD for a bad byte (not for
 * a real U+FFFD in the input)? */
bool	rep_out_is_bad(const unsigned char *s, size_t n, uint32_t cp);

/* rep_out_json_str - s as a JSON string with its quotes, or null for NULL.
 * Controls become \u00XX; invalid UTF-8 becomes \ufffd. The output is
 * also a valid YAML double-quoted scalar. */
void	rep_out_json_str(FILE *f, const char *s);

/* rep_out_xml - s escaped for XML 1.0 text (attr false) or a double-quoted
 * attribute (attr true). Characters XML 1.0 forbids, and invalid UTF-8,
 * become \xNN text per byte. NULL writes nothing. */
void	rep_out_xml(FILE *f, const char *s, bool attr);

/* rep_out_plain - s for a terminal or a TAP line: C0/C1 controls, DEL and
 * invalid UTF-8 become \xNN, so no escape sequence gets through. tap: also
 * escape '#' and '\' (TAP 13 descriptions and directives). NULL writes
 * nothing. */
void	rep_out_plain(FILE *f, const char *s, bool tap);

/* rep_out_rfc3339 - epoch microseconds as "2024-05-01T12:00:00.123456Z". */
void	rep_out_rfc3339(char *buf, size_t size, int64_t epoch_us);
/* rep_out_secs - a duration in seconds with milliseconds: "1.234".
 * Negative durations print as 0. */
void	rep_out_secs(char *buf, size_t size, int64_t us);
/* rep_out_ms - a duration in milliseconds with microseconds: "12.345".
 * Negative durations print as 0. */
void	rep_out_ms(char *buf, size_t size, int64_t us);

/* rep_out_scn - r's scenario, or an empty one when r has none. */
const struct scn *rep_out_scn(const struct run_result *r);
/* rep_out_s - s, or "" for NULL. */
const char *rep_out_s(const char *s);
/* rep_out_area - the report area of s (scn_area), owned by the caller. */
char	*rep_out_area(const struct scn *s);
/* rep_out_join - v[0..n) joined with sep, owned by the caller ("" if n 0). */
char	*rep_out_join(char *const *v, size_t n, const char *sep);
/* rep_out_tr_line - "+0.012s recv  250 ok\r\n": one transcript entry, its
 * bytes escaped, a cut marked "...(+N bytes)". Owned by the caller. */
char	*rep_out_tr_line(const struct tr_entry *e);
/* rep_out_count - recount the verdicts of sum's results into counts
 * (RUN_VERDICT_COUNT slots), so totals always match the listed results. */
void	rep_out_count(const struct run_summary *sum, size_t *counts);

#endif /* SC_REP_OUT_H */
