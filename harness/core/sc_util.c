/* SPDX-License-Identifier: ISC */
/*
 * sc_util.c - allocation wrappers, the error record, number and duration
 * parsing, clocks, bounded file reads.
 */
#include "sc_util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* sc_err_set - record the first error only. */
void
sc_err_set(struct sc_err *e, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list ap;

	if (e == NULL || e->set)
		return;
	e->set = true;
	snprintf(e->file, sizeof(e->file), "%s", file != NULL ? file : "");
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* sc_err_format - "file:line:col: msg". */
void
sc_err_format(const struct sc_err *e, char *buf, size_t size)
{
	if (e->file[0] != '\0' && e->line > 0 && e->col > 0)
		snprintf(buf, size, "%s:%d:%d: %s", e->file, e->line, e->col,
		    e->msg);
	else if (e->file[0] != '\0' && e->line > 0)
		snprintf(buf, size, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file[0] != '\0')
		snprintf(buf, size, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, size, "%s", e->msg);
}

/* sc_fatal - report our own bug and abort. */
void
sc_fatal(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smtpcheck: fatal: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* xmalloc - malloc or abort. */
void *
xmalloc(size_t n)
{
	void *p;

	p = malloc(n == 0 ? 1 : n);
	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

/* xcalloc - calloc or abort. */
void *
xcalloc(size_t n, size_t size)
{
	void *p;

	p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

/* xrealloc - realloc or abort. */
void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n == 0 ? 1 : n);
	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

/* xreallocarray - realloc for n * size, checking the product. */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		fatal("allocation overflow (%zu x %zu)", n, size);
	return xrealloc(p, n * size);
}

/* xstrdup - strdup or abort. */
char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

/* xstrndup - at most n bytes of s, NUL-terminated. */
char *
xstrndup(const char *s, size_t n)
{
	size_t len;
	char *p;

	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* xmemdup - a copy of len bytes, with a NUL after them. */
void *
xmemdup(const void *s, size_t len)
{
	char *p;

	p = xmalloc(len + 1);
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* xvasprintf - formatted string, owned by the caller. */
char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	char *p;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatal("bad format \"%s\"", fmt);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

/* xasprintf - formatted string, owned by the caller. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

/* sc_parse_long - a whole decimal string in [min, max]. */
int
sc_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	if (!(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* sc_parse_duration_ms - "250ms", "2s", "1.5s", "3m", or seconds. */
int
sc_parse_duration_ms(const char *s, long *out_ms)
{
	double v, mult;
	char *end;

	if (s == NULL || !(*s >= '0' && *s <= '9'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s)
		return -1;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else
		return -1;
	v *= mult;
	/* a day is far past any sane SMTP deadline */
	if (v < 0 || v > 86400000.0)
		return -1;
	*out_ms = (long)(v + 0.5);
	return 0;
}

/* sc_now_us - monotonic microseconds. */
int64_t
sc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* sc_wall_us - wall-clock microseconds since the epoch. */
int64_t
sc_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* sc_read_file - a whole file, bounded, NUL-terminated. */
char *
sc_read_file(const char *path, size_t max, size_t *len, struct sc_err *err)
{
	struct stat st;
	FILE *f;
	char *buf;
	size_t n;

	f = fopen(path, "rb");
	if (f == NULL) {
		sc_err_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		sc_err_set(err, path, 0, 0, "not a regular file");
		fclose(f);
		return NULL;
	}
	if ((unsigned long long)st.st_size > max) {
		sc_err_set(err, path, 0, 0, "file too large (%lld bytes, "
		    "limit %zu)", (long long)st.st_size, max);
		fclose(f);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		sc_err_set(err, path, 0, 0, "read error: %s", strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}
