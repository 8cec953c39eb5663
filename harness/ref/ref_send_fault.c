/* SPDX-License-Identifier: ISC */
/*
 * ref_send_fault.c - names and descriptions of the client fault profiles
 * of "smtpref send" (the table is REF_SEND_FAULTS in the header).
 */
#include "ref_send_fault.h"

#include <string.h>

static const struct {
	const char *name, *desc;
} ref_send_fault_tab[] = {
#define REF_SEND_FAULT_ROW(id, name, desc)	{ name, desc },
	REF_SEND_FAULTS(REF_SEND_FAULT_ROW)
#undef REF_SEND_FAULT_ROW
};

/* ref_send_fault_str - enum name. */
const char *
ref_send_fault_str(enum ref_send_fault f)
{
	static char buf[32];

	switch (f) {
#define CASE(id, name, desc)	case REF_SEND_FAULT_##id: return name;
	REF_SEND_FAULTS(CASE)
#undef CASE
	case REF_SEND_FAULT_COUNT:
		break;
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)f);
	return buf;
}

/* ref_send_fault_parse - a fault by name. */
int
ref_send_fault_parse(const char *name, enum ref_send_fault *out)
{
	size_t i;

	for (i = 0; i < REF_SEND_FAULT_COUNT; i++)
		if (strcmp(name, ref_send_fault_tab[i].name) == 0) {
			*out = (enum ref_send_fault)i;
			return 0;
		}
	return -1;
}

/* ref_send_fault_list - the table, for --fault list. */
void
ref_send_fault_list(FILE *fp)
{
	size_t i;

	for (i = 0; i < REF_SEND_FAULT_COUNT; i++)
		fprintf(fp, "%s\t%s\n", ref_send_fault_tab[i].name,
		    ref_send_fault_tab[i].desc);
}
