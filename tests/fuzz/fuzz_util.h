/* SPDX-License-Identifier: ISC */
/*
 * fuzz_util.h - what the libFuzzer targets share: FZ_FAIL, the failed
 * check that libFuzzer reports as a crash and keeps the input of.
 */
#ifndef SC_FUZZ_UTIL_H
#define SC_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* FZ_FAIL - a property of the code under test does not hold: say which,
 * where, and abort (libFuzzer saves the input as crash-*). */
#define FZ_FAIL(...) do {						\
	fprintf(stderr, "%s:%d: FUZZ CHECK FAILED: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif /* SC_FUZZ_UTIL_H */
