# Convenience entry points; the build itself is CMake (build/ out of tree).
#   make demo   install missing Debian packages, build, run the bundled demo
#   make demo-sdl  the demo in an SDL window (VGA text screen)
#   make demo-vmx  the VMX tour: a tiny hypervisor's guest exits, with the -d vmx trace
#   make test   install missing Debian packages, build, run every test (ctest)
#   make bench  build and run the benchmarks (prints figures; never a test)
#   make sanitize  unit tests under ASan + UBSan (build-san/)
JOBS ?= 2
BUILD ?= build

.PHONY: all deps build demo demo-sdl demo-vmx test bench sanitize clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# The guest ends with exit code 0 through port 0xf4, which hvsim reports as status 1.
demo: build
	@$(BUILD)/hvsim -kernel $(BUILD)/guest/demo-hello.elf -serial stdio -display none; \
	  s=$$?; if [ $$s -ne 1 ]; then echo "demo failed (status $$s)"; exit 1; fi

# The same demo in an SDL window showing the VGA text screen; close the window to quit.
demo-sdl: build
	$(BUILD)/hvsim -kernel $(BUILD)/guest/demo-hello.elf -serial stdio -display sdl -no-shutdown

# The VMX tour (guest/demos/vmx-tour): each VM exit as hvsim logs it and as the hypervisor saw it.
demo-vmx: build
	@$(BUILD)/hvsim -kernel $(BUILD)/guest/demo-vmx-tour.elf -serial stdio -display none -d vmx 2>&1; \
	  s=$$?; if [ $$s -ne 1 ]; then echo "demo-vmx failed (status $$s)"; exit 1; fi

test: build
	ctest --test-dir $(BUILD) -j$(JOBS) --output-on-failure

bench: build
	cmake --build $(BUILD) --target bench

sanitize: deps
	cmake -S . -B build-san -DCMAKE_BUILD_TYPE=Debug -DHVSIM_SANITIZE=ON
	cmake --build build-san -j$(JOBS)
	ctest --test-dir build-san -j$(JOBS) -L unit --output-on-failure

clean:
	rm -rf $(BUILD) build-san
