# A thin front to meson/ninja. `make check` is what CI runs.
BUILD ?= build

.PHONY: all deps check check-examples demo format clean bench

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) >/dev/null

deps:
	scripts/install-deps

check: deps
	scripts/check

# The example images (slow: debootstrap, apt-get, npm); .ci/run runs them too.
check-examples: all
	BERTH=$(CURDIR)/$(BUILD)/src/berth/berth bats --tap tests/examples/

demo: deps all
	scripts/demo

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
