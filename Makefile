# Drives meson; nothing is compiled here. Quick start: make bench, make test.
BUILD ?= build
MESON_FLAGS ?=
C_SOURCES = $(shell git ls-files '*.c' '*.h' '*.cc' 2>/dev/null || \
	find common primitives bench runners tests -name '*.[ch]')
# the Python: the scripts (four without .py) and the tests
PY_SOURCES = scripts/compare scripts/history scripts/regress scripts/ab-forest \
	scripts/include-graph \
	$(wildcard scripts/*.py tests/*.py)

.PHONY: all deps build bench bench-full ab report report-shots test test-tsan test-asan test-cross \
	test-topology test-fuzz test-fleet format lint clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) $(MESON_FLAGS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# BENCH_FLAGS: more `contend run` options, e.g. BENCH_FLAGS="--filter 'chan/*'"
BENCH_FLAGS ?=
bench: deps build
	$(BUILD)/contend run --quick --with-go $(BENCH_FLAGS)

bench-full: deps build
	$(BUILD)/contend run --full --with-go $(BENCH_FLAGS)

# Did my change make it slower? BASE (a revision, default main) against
# this build, interleaved (contend ab); AB_FLAGS e.g. --format markdown.
BASE ?= main
AB_FLAGS ?=
ab: deps build
	$(BUILD)/contend ab --quick $(AB_FLAGS) $(BASE) $(BUILD)/contend

# Every machine's results under results/ -> $(BUILD)/report/index.html and
# report.md (scripts/compare; REPORT_FLAGS e.g. --baseline MACHINE-ID).
REPORT_FLAGS ?=
report: deps
	scripts/compare --out $(BUILD)/report $(REPORT_FLAGS) results

# The report's first screen at a desktop's and a phone's width, as the
# README shows it (docs/report-summary*.png), from headless Chromium.
SHOT = chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir=$(abspath $(BUILD))/chromium-profile
report-shots: report
	$(SHOT) --window-size=1280,1000 --screenshot=docs/report-summary.png \
		file://$(abspath $(BUILD))/report/index.html 2>/dev/null
	$(SHOT) --window-size=420,1200 \
		--screenshot=docs/report-summary-narrow.png \
		file://$(abspath $(BUILD))/report/index.html 2>/dev/null
	@# one family's section: headless Chromium scrolls to an anchor only
	@# inside a frame
	printf '<iframe src="index.html#b-chan-pingpong" style="width:1280px;%s' \
		'height:1000px;border:0"></iframe>' > $(BUILD)/report/shot-family.html
	$(SHOT) --window-size=1280,1000 --virtual-time-budget=3000 \
		--screenshot=docs/report-family.png \
		file://$(abspath $(BUILD))/report/shot-family.html 2>/dev/null
	@# how long the report takes to open from disk: from a frame's start
	@# to its load event (parsed, laid out, every chart drawn), 3 times
	printf '<script>var t0=performance.now();</script><iframe %s %s>%s' \
		'src="index.html" style="width:1280px;height:1000px;border:0"' \
		"onload=\"console.log('contend-load ms='+Math.round(performance.now()-t0))\"" \
		'</iframe>' > $(BUILD)/report/load-time.html
	@for i in 1 2 3; do $(SHOT) --window-size=1280,1000 \
		--enable-logging=stderr --v=0 \
		--screenshot=$(BUILD)/report/load-time.png \
		file://$(abspath $(BUILD))/report/load-time.html 2>&1 | \
		sed -n 's/.*"contend-load ms=\([0-9]*\)".*/report: opened in \1 ms (headless Chromium, from disk)/p'; \
	done

test: deps build
	meson test -C $(BUILD) --print-errorlogs

# The whole test suite under ThreadSanitizer, and under AddressSanitizer with
# UndefinedBehaviorSanitizer and LeakSanitizer, each in its own build dir.
test-tsan: deps
	@[ -f $(BUILD)-tsan/build.ninja ] || meson setup $(BUILD)-tsan \
		-Db_sanitize=thread -Dbuildtype=debugoptimized $(MESON_FLAGS)
	meson test -C $(BUILD)-tsan --print-errorlogs

test-asan: deps
	@[ -f $(BUILD)-asan/build.ninja ] || meson setup $(BUILD)-asan \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debugoptimized $(MESON_FLAGS)
	meson test -C $(BUILD)-asan --print-errorlogs

# The suite on emulated machines of other shapes (2 sockets with SMT and
# NUMA, chiplet L3s, sub-NUMA, a taskset, 64 CPUs): qemu TCG guests built
# from Debian's packages at test time (tests/topology_guests.py). Skipped,
# saying why, where qemu cannot be installed (not root) or the packages
# cannot be downloaded.
test-topology: deps build
	@/usr/bin/python3 tests/topology_guests.py $(BUILD)/contend; rc=$$?; \
		[ $$rc -eq 77 ] || exit $$rc

# The AArch64 cross build (warnings as errors) and its tests under
# qemu-user (scripts/cross-aarch64 says which ran).
test-cross:
	scripts/cross-aarch64 $(BUILD)-aarch64

# libFuzzer over the command-line parsers and synthetic topologies, then
# over the results reader (contend claims FILE) seeded with the hostile
# corpus, each bounded by FUZZ_SECONDS. A crash leaves crash-* in
# $(BUILD)-fuzz/: add it to tests/fuzz-corpus/ (the command line; the
# fuzz-replay test replays it in every build) or tests/hostile/ (a results
# file; fuzz-replay-results, and the hostile tests want its problem in
# expected.json).
FUZZ_SECONDS ?= 60
test-fuzz: deps
	@scripts/install-deps fuzz
	@[ -f $(BUILD)-fuzz/build.ninja ] || CC=clang meson setup \
		$(BUILD)-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized $(MESON_FLAGS)
	ninja -C $(BUILD)-fuzz tests/fuzz_cli tests/fuzz_results
	mkdir -p $(BUILD)-fuzz/corpus $(BUILD)-fuzz/corpus-results
	$(BUILD)-fuzz/tests/fuzz_cli -max_total_time=$(FUZZ_SECONDS) \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=$(BUILD)-fuzz/ $(BUILD)-fuzz/corpus \
		tests/fuzz-corpus
	$(BUILD)-fuzz/tests/fuzz_results -max_total_time=$(FUZZ_SECONDS) \
		-max_len=16384 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=$(BUILD)-fuzz/results- \
		$(BUILD)-fuzz/corpus-results tests/hostile tests/claims

# scripts/fleet.yml run by Debian's ansible against localhost (a local
# connection): one host that works, one that fails and is reported.
test-fleet: deps
	@scripts/install-deps fleet
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/test_fleet.py

format:
	clang-format -i $(C_SOURCES)

# scripts/include-graph: the layers common <- primitives <- bench <- runners
# hold (no upward include, no cycle, bench/ entered only through bench.h).
lint: build
	@scripts/install-deps lint
	clang-format --dry-run --Werror $(C_SOURCES)
	cppcheck --quiet --error-exitcode=1 --inline-suppr \
		--enable=warning,performance,portability \
		--suppress=missingIncludeSystem --std=c11 \
		-I common -I bench $(addprefix -I ,$(wildcard runners/*/)) \
		-I primitives/atomic \
		-I primitives/mutex -I primitives/rwmutex -I primitives/channel \
		-I primitives/unwind -I primitives/pool -I primitives/deque \
		common primitives bench runners
	scripts/include-graph
	clang-tidy --quiet -p $(BUILD) $(filter %.c,$(C_SOURCES))
	/usr/bin/python3 -m flake8 $(PY_SOURCES)
	@test -z "$$(gofmt -l bench/go)" || { gofmt -l bench/go; \
		echo "gofmt: the files above need gofmt -w"; exit 1; }
	cd bench/go && GOCACHE=$(abspath $(BUILD))/go-lint-cache GOPROXY=off \
		GOFLAGS=-mod=mod GOTOOLCHAIN=local go vet .

clean:
	rm -rf $(BUILD) $(BUILD)-tsan $(BUILD)-asan $(BUILD)-fuzz
