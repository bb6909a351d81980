# A thin front to meson/ninja. `make check` is what CI runs.
BUILD ?= build

.PHONY: all deps check check-crash check-examples demo format clean bench

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) >/dev/null

deps:
	scripts/install-deps

check: deps
	scripts/check

# The crash-consistency suite's long form: CRASH_TRIALS SIGKILLs (default 15)
# per operation, 105 in all; CRASH_SEED=S replays a run.
check-crash: all
	BERTH=$(CURDIR)/$(BUILD)/src/berth/berth CRASH_TRIALS=$${CRASH_TRIALS:-15} tests/crash/run

# The example images (slow: debootstrap, apt-get, npm); .ci/run runs them too.
check-examples: all
	BERTH=$(CURDIR)/$(BUILD)/src/berth/berth bats --tap tests/examples/

demo: deps all
	scripts/demo

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
