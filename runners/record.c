#include "record.h"

#include <stdlib.h>

const char *rec_status_name(enum rec_status s)
{
	static const char *const names[] = {"ok", "failed", "timeout",
					    "skipped"};
	return names[s];
}

void record_free(struct record *r)
{
	free(r->cpus);
	free(r->samples);
	r->cpus = NULL;
	r->samples = NULL;
}
