# Drives meson; nothing is compiled here. Quick start: make bench, make test.
BUILD ?= build
MESON_FLAGS ?=
C_SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || \
	find primitives bench runners tests -name '*.[ch]')

.PHONY: all deps build bench bench-full test format lint clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_FLAGS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

bench: deps build
	$(BUILD)/contend run --quick

bench-full: deps build
	$(BUILD)/contend run --full

test: deps build
	meson test -C $(BUILD) --print-errorlogs

format:
	clang-format -i $(C_SOURCES)

lint: build
	clang-format --dry-run --Werror $(C_SOURCES)
	cppcheck --quiet --error-exitcode=1 --inline-suppr \
		--enable=warning,performance,portability \
		--suppress=missingIncludeSystem --std=c11 \
		-I bench -I runners -I primitives/atomic -I primitives/mutex \
		-I primitives/rwmutex -I primitives/channel -I primitives/unwind \
		primitives bench runners
	clang-tidy --quiet -p $(BUILD) $(filter %.c,$(C_SOURCES))

clean:
	rm -rf $(BUILD)
