/* libFuzzer target over the C results reader, the one contend claims FILE
 * runs on a file from anywhere: the bytes parsed (results_parse), checked
 * as the scripts' loader checks them (results_check, inside
 * claims_evaluate), then judged against the article's claims and the
 * fixture claims (tests/claims/) and printed as table, markdown and JSON.
 * Seeded with tests/hostile/ and tests/claims/ by `make test-fuzz`; the
 * fuzz-replay-results test replays them in every build. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "results_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the claim files, loaded once: the reader is what is fuzzed */
static struct claim_set sets[2];
static int nsets = -1;

static void load_sets(void)
{
	static const char *const paths[] = {FUZZ_ARTICLE_CLAIMS,
					    FUZZ_FIXTURE_CLAIMS};
	struct err e;
	nsets = 0;
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		if (claims_load(paths[i], &sets[nsets], &e) != 0) {
			fprintf(stderr, "fuzz_results: %s\n", e.msg);
			abort(); /* a broken build, not a finding */
		}
		nsets++;
	}
}

static void judge(const struct claim_set *cs, json_t *doc, FILE *sink)
{
	static struct claims_eval ev; /* 4 kB of names: not on the stack */
	struct err e;
	json_t *out;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.source, sizeof(ev.source), "fuzz-input");
	if (claims_evaluate(cs, doc, &ev, &e) == 0) {
		claims_print(sink, cs, &ev, 0);
		claims_print(sink, cs, &ev, 1);
		out = claims_json(cs, &ev);
		json_dumpf(out, sink, JSON_INDENT(1));
		json_decref(out);
	}
	claims_eval_free(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *sink = fopen("/dev/null", "w");
	struct err e;
	json_t *doc;
	if (nsets < 0)
		load_sets();
	doc = results_parse((const char *)data, size, "fuzz-input", &e);
	for (int i = 0; doc && sink && i < nsets; i++)
		judge(&sets[i], doc, sink);
	json_decref(doc);
	if (sink)
		fclose(sink);
	return 0;
}
