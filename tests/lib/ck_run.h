/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The end of every check-based test's main(): run the suite, exit status from its failures. */
#ifndef ECBPF_TESTS_CK_RUN_H
#define ECBPF_TESTS_CK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int ck_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
