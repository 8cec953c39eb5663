/* SPDX-License-Identifier: ISC */
/*
 * cu_main.h - the test table type and the main() of every CUnit test
 * executable. Include it twice:
 *
 *     #include "cu_main.h"            at the top: struct cu_test, CU_T
 *     ... tests ...
 *     static const struct cu_test cu_tests[] = { CU_T(fn), ..., {0} };
 *     #define CU_SUITE_NAME "module"
 *     #include "cu_main.h"            at the bottom: main()
 *
 * The process exits with the number of failed assertions (never 0 when
 * one failed: not CU_get_error(), which stays 0 on assertion failures),
 * and with 98 when no test ran.
 */
#ifndef CU_MAIN_TYPES_H
#define CU_MAIN_TYPES_H

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

struct cu_test {
	const char	*name;
	CU_TestFunc	 fn;
};
#define CU_T(fn)	{ #fn, fn }

#endif /* CU_MAIN_TYPES_H */

#if defined(CU_SUITE_NAME) && !defined(CU_MAIN_BODY_H)
#define CU_MAIN_BODY_H

int
main(void)
{
	CU_pSuite suite;
	unsigned int failed, run;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	suite = CU_add_suite(CU_SUITE_NAME, NULL, NULL);
	if (suite == NULL)
		return 99;
	for (i = 0; cu_tests[i].name != NULL; i++)
		if (CU_add_test(suite, cu_tests[i].name, cu_tests[i].fn) == NULL)
			return 99;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (run == 0) {
		fprintf(stderr, "no test ran\n");
		return 98;
	}
	return failed > 255 ? 255 : (int)failed;
}

#endif /* CU_MAIN_BODY_H */
