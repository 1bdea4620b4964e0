/*
 * junit.h - JUnit XML, the test report CI systems read: one suite of test
 * cases, each passed or failed with a message.
 */
#ifndef MR_REPLAY_JUNIT_H
#define MR_REPLAY_JUNIT_H

typedef struct mr_junit_case {
	const char *name;    /* the test case */
	int failed;	     /* 1: a failure */
	const char *message; /* the failure's text (may be NULL) */
	double seconds;	     /* its time */
} mr_junit_case;

/* Write suite SUITE of the N cases V to PATH: 0, or -1 when it cannot be
 * written. */
int mr_junit_write(const char *path, const char *suite, const mr_junit_case *v,
		   int n);

#endif
