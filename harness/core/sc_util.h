/* SPDX-License-Identifier: ISC */
/*
 * sc_util.h - allocation wrappers, the error record, number parsing.
 *
 * x*() allocate or abort: callers never check for NULL (Postfix mymalloc).
 * struct sc_err carries one error from the place it happened to the place
 * that prints it: filled once, never overwritten (sc_err_set is a no-op on
 * an error already set).
 */
#ifndef SC_UTIL_H
#define SC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_ERR_MSG_MAX	512
#define SC_ERR_FILE_MAX	512

struct sc_err {
	bool	set;
	char	file[SC_ERR_FILE_MAX];	/* file or peer; "" when none */
	int	line;			/* 0 when none */
	int	col;			/* 0 when none */
	char	msg[SC_ERR_MSG_MAX];
};

/* sc_err_set - record an error (ignored if one is already recorded). */
void	sc_err_set(struct sc_err *, const char *file, int line, int col,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* sc_err_format - "file:line:col: msg" (parts left out when 0/empty). */
void	sc_err_format(const struct sc_err *, char *buf, size_t size);

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
/* xreallocarray - realloc for n * size, aborting on overflow. */
void	*xreallocarray(void *, size_t n, size_t size);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
/* xasprintf - formatted string, owned by the caller. */
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *fmt, va_list)
	    __attribute__((format(printf, 1, 0)));

/* fatal - our own bug or local resource failure: print file:line, abort. */
#define fatal(...)	sc_fatal(__FILE__, __LINE__, __VA_ARGS__)
void	sc_fatal(const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4), noreturn));

/*
 * sc_parse_long - whole string s as a decimal in [min, max].
 * Returns 0, or -1 (empty, junk, out of range).
 */
int	sc_parse_long(const char *s, long min, long max, long *out);
/*
 * sc_parse_duration_ms - "250ms", "2s", "1.5s", "3m", or a bare number of
 * seconds. Returns 0, or -1.
 */
int	sc_parse_duration_ms(const char *s, long *out_ms);

/* sc_now_us - monotonic clock, microseconds. */
int64_t	sc_now_us(void);
/* sc_wall_us - wall clock (for reports), microseconds since the epoch. */
int64_t	sc_wall_us(void);

/* sc_read_file - whole file into an owned NUL-terminated buffer, at most
 * max bytes. Returns NULL and fills err. */
char	*sc_read_file(const char *path, size_t max, size_t *len,
	    struct sc_err *err);

#endif /* SC_UTIL_H */
