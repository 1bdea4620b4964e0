/*
 * junit.c - JUnit XML (the schema Jenkins, GitLab and GitHub read:
 * testsuites > testsuite > testcase, a failure element in a failed
 * case, its text in CDATA).
 */
#include "replay/junit.h"

#include <stdio.h>
#include <string.h>

/* S as an XML attribute value. */
static void xml_attr(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s == '"')
			fputs("&quot;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
}

/* S in CDATA: "]]>" split across two sections. */
static void cdata(FILE *f, const char *s)
{
	fputs("<![CDATA[", f);
	for (; *s; s++)
		if (!strncmp(s, "]]>", 3)) {
			fputs("]]]]><![CDATA[>", f);
			s += 2;
		} else {
			fputc(*s, f);
		}
	fputs("]]>", f);
}

int mr_junit_write(const char *path, const char *suite, const mr_junit_case *v,
		   int n)
{
	FILE *f = fopen(path, "w");
	double total = 0;
	int i, failures = 0;

	if (!f)
		return -1;
	for (i = 0; i < n; i++) {
		total += v[i].seconds;
		failures += v[i].failed != 0;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
	      "<testsuite name=\"",
	      f);
	xml_attr(f, suite);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n", n,
		failures, total);
	for (i = 0; i < n; i++) {
		fputs("<testcase classname=\"", f);
		xml_attr(f, suite);
		fputs("\" name=\"", f);
		xml_attr(f, v[i].name);
		fprintf(f, "\" time=\"%.3f\">", v[i].seconds);
		if (v[i].failed) {
			/* the message's first line, whole in the text */
			const char *m = v[i].message ? v[i].message : "";
			size_t l = strcspn(m, "\n");
			char first[256];

			snprintf(first, sizeof(first), "%.*s",
				 (int)(l < sizeof(first) - 1
					       ? l
					       : sizeof(first) - 1),
				 m);
			fputs("<failure message=\"", f);
			xml_attr(f, first[0] ? first : "failed");
			fputs("\">", f);
			cdata(f, v[i].message ? v[i].message : "");
			fputs("</failure>", f);
		}
		fputs("</testcase>\n", f);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
	return fclose(f) ? -1 : 0;
}
