# SPDX-License-Identifier: GPL-2.0
#
# User part of the bpfmap build.  The Kbuild file lists the module objects.
#
#   make            build bpfmap.ko against KDIR (default: the running kernel)
#   make tools      build libbpfmap and bpfmapctl
#   make run        the main job: a tour of bpfmapctl in a QEMU VM running
#                   Debian's stock kernel (installs what it needs)
#   make shell      the same VM, interactive
#   make check      every test: sparse, checkpatch, the module build, and the
#                   VM harness (KUnit + selftests on both backends under the
#                   debug kernel); ends with "N passed, M failed"
#   make bench      benchmarks against the kernel's bpf() in one VM boot
#   make fuzz       the ioctl fuzzer in a VM: SECONDS=60 KERNEL=debug|stock
#                   [SEED=n] [THREADS=n] [KDIR=debug kernel build dir]

KDIR ?= /lib/modules/$(shell uname -r)/build

.PHONY: all module clean tools selftests deps check run shell bench sparse style

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=2 CHECK="sparse -Wno-decl" modules

tools:
	$(MAKE) -C tools/lib
	$(MAKE) -C tools/bpfmapctl

selftests: tools
	$(MAKE) -C tests/selftests

deps:
	@tests/vm/install-deps.sh

check:
	@tests/vm/check.sh

run:
	@tests/vm/tour.sh

shell:
	@tests/vm/tour.sh --shell

bench:
	tools/bench/run-bench.sh

.PHONY: fuzz
SECONDS ?= 60
KERNEL ?= debug
fuzz:
	@tests/vm/fuzz.sh --kernel $(KERNEL) --seconds $(SECONDS) \
		$(if $(SEED),--seed $(SEED)) $(if $(THREADS),--threads $(THREADS)) \
		$(if $(filter command line environment,$(origin KDIR)),--kdir $(KDIR))

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C tools/lib clean
	-$(MAKE) -C tools/bpfmapctl clean
	-$(MAKE) -C tests/selftests clean
	-$(MAKE) -C tests/fuzz clean
