# SPDX-License-Identifier: GPL-2.0
#
# User part of the bpfmap build.  The Kbuild file lists the module objects.
#
#   make            build bpfmap.ko against KDIR (default: the running kernel),
#                   then the sample consumer samples/flowcount against it
#                   when KDIR's kernel has netfilter
#   make tools      build libbpfmap and bpfmapctl
#   make run        the main job: a tour of bpfmapctl in a QEMU VM running
#                   Debian's stock kernel (installs what it needs)
#   make shell      the same VM, interactive
#   make check      every test: sparse, checkpatch, the module build, and the
#                   VM harness (KUnit + selftests on both backends under the
#                   debug kernel); ends with "N passed, M failed"
#   make bench      benchmarks against the kernel's bpf() in one VM boot
#   make docs       Documentation/ as HTML in build/docs (docutils), and a
#                   groff check of the man pages; fails on any warning
#   make fuzz       the ioctl fuzzer in a VM: SECONDS=60 KERNEL=debug|stock FAULTS=0
#                   [SEED=n] [THREADS=n] [KDIR=debug kernel build dir]
#
#   make install    [KDIR=] [PREFIX=/usr/local] [DESTDIR=]: the module for
#                   KDIR's kernel (modules_install into updates/, depmod),
#                   libbpfmap with its headers, bpfmapctl, the man pages, the
#                   udev rule for /dev/bpfmap and a modules-load.d example
#   make uninstall  the same variables: removes what install put there
#   make dkms-install / dkms-uninstall [DKMS_ARGS="-k RELEASE"]
#                   the module sources to /usr/src/bpfmap-$(VERSION), then
#                   dkms add/build/install (remove --all on the way back)

VERSION := 0.1.0

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local
DATADIR ?= $(PREFIX)/share
# udev reads its rules from one place whatever PREFIX is.
UDEVDIR ?= $(or $(shell pkg-config --variable=udevdir udev 2>/dev/null),/lib/udev)
INSTALL ?= install

.PHONY: all module clean tools selftests deps check run shell bench sparse style docs
.PHONY: install uninstall install-module uninstall-module install-tools
.PHONY: uninstall-tools install-data uninstall-data version
.PHONY: dkms-source dkms-install dkms-uninstall

all: module

# The sample consumer of the in-kernel API, bpfmap_flowcount.ko: built by
# its own Makefile as a module outside bpfmap would be, against
# bpfmap's Module.symvers, when KDIR's kernel has netfilter and IPv4.
FLOWCOUNT_KERNEL = $(shell grep -qs '^CONFIG_NETFILTER=y' $(KDIR)/.config && \
	grep -qs '^CONFIG_INET=y' $(KDIR)/.config && echo yes)
flowcount = $(if $(FLOWCOUNT_KERNEL),$(MAKE) -C samples/flowcount KDIR=$(KDIR) $(1), \
	@echo "  SKIP    samples/flowcount: no CONFIG_NETFILTER or CONFIG_INET in $(KDIR)")

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules
	$(call flowcount,W=1)

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=2 CHECK="sparse -Wno-decl" modules
	$(call flowcount,W=1 C=2 CHECK="sparse -Wno-decl")

tools:
	$(MAKE) -C tools/lib
	$(MAKE) -C tools/bpfmapctl

selftests: tools
	$(MAKE) -C tests/selftests

# Each page on its own through docutils (Debian's python3-docutils): no
# Sphinx, so the pages use plain reStructuredText only.  Any warning stops
# the build.  groff must have nothing to say about any man page.
DOCS_OUT ?= build/docs
RST2HTML ?= rst2html
RST_PAGES = $(shell find Documentation -name '*.rst' | sort)
MAN_PAGES = $(shell find tools -name '*.[38]' ! -name '*.so.*' | sort)

docs:
	@set -e; for f in $(RST_PAGES); do \
		out=$(DOCS_OUT)/$${f#Documentation/}; \
		mkdir -p "$$(dirname "$$out")"; \
		echo "  RST2HTML $$f"; \
		$(RST2HTML) --halt=warning --report=warning --no-datestamp \
			"$$f" "$${out%.rst}.html"; \
	done
	@set -e; for m in $(MAN_PAGES); do \
		echo "  GROFF   $$m"; \
		out=$$(groff -man -ww -z -t "$$m" 2>&1); \
		if [ -n "$$out" ]; then echo "$$out" >&2; exit 1; fi; \
	done

deps:
	@tests/vm/install-deps.sh --check

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
		$(if $(FAULTS),--faults $(FAULTS)) \
		$(if $(filter command line environment,$(origin KDIR)),--kdir $(KDIR))

version:
	@echo $(VERSION)

# The release of the kernel KDIR was built for (what depmod and the
# modules directory are named after; Debian's headers have another string
# in include/config/kernel.release).
KRELEASE = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
MODDIR = $(DESTDIR)/lib/modules/$(KRELEASE)/updates
SYMVERSDIR = $(DESTDIR)$(DATADIR)/bpfmap/$(KRELEASE)
# The in-kernel API's header, with the uapi header it includes, in a
# folder of its own that a consumer module adds with -I.
KAPIDIR = $(DESTDIR)$(PREFIX)/include/bpfmap/linux

# Distribution headers ask modules_install to sign with a key they do not
# ship (Debian: output/signing_key.pem): sign only when that key is there,
# otherwise install unsigned, as `make module` builds.  A machine that
# enforces signatures signs with its own key (DKMS does, with its MOK).
SIG_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' \
	$(KDIR)/.config 2>/dev/null)
NO_SIGN = $(if $(wildcard $(KDIR)/$(SIG_KEY) $(SIG_KEY)),,CONFIG_MODULE_SIG_ALL=)

install: install-module install-tools install-data
uninstall: uninstall-module uninstall-tools uninstall-data

# depmod runs for a real install only: under DESTDIR (a package being
# built) the index belongs to the target, whose packaging runs depmod.
# Kbuild's own depmod (run when KDIR has a System.map) is switched off.
DEPMOD = $(if $(DESTDIR),@echo "DESTDIR set: run depmod -a $(KRELEASE) on the target",depmod -a $(KRELEASE))

install-module: module
	@test -n "$(KRELEASE)" || { echo "no kernel release in $(KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates $(NO_SIGN) DEPMOD=true modules_install
	@# The KUnit suites (built when KDIR has KUnit) are not for installing.
	rm -f $(MODDIR)/bpfmap_kunit.ko*
	@# For modules that use the in-kernel API (KBUILD_EXTRA_SYMBOLS).
	$(INSTALL) -d $(SYMVERSDIR)
	$(INSTALL) -m 644 Module.symvers $(SYMVERSDIR)/
	$(DEPMOD)

uninstall-module:
	@test -n "$(KRELEASE)" || { echo "no kernel release in $(KDIR)" >&2; exit 1; }
	rm -f $(MODDIR)/bpfmap.ko* $(MODDIR)/bpfmap_kunit.ko*
	rm -f $(SYMVERSDIR)/Module.symvers
	-rmdir $(SYMVERSDIR)
	$(DEPMOD)

install-tools:
	$(MAKE) -C tools/lib install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C tools/bpfmapctl install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

uninstall-tools:
	$(MAKE) -C tools/lib uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C tools/bpfmapctl uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

install-data:
	$(INSTALL) -d $(DESTDIR)$(UDEVDIR)/rules.d $(DESTDIR)$(DATADIR)/bpfmap
	$(INSTALL) -m 644 tools/install/60-bpfmap.rules $(DESTDIR)$(UDEVDIR)/rules.d/
	$(INSTALL) -m 644 tools/install/bpfmap.conf $(DESTDIR)$(DATADIR)/bpfmap/
	$(INSTALL) -d $(KAPIDIR)
	$(INSTALL) -m 644 include/linux/bpfmap_kernel.h uapi/linux/bpfmap.h \
		$(KAPIDIR)/

uninstall-data:
	rm -f $(DESTDIR)$(UDEVDIR)/rules.d/60-bpfmap.rules
	rm -f $(DESTDIR)$(DATADIR)/bpfmap/bpfmap.conf
	-rmdir $(DESTDIR)$(DATADIR)/bpfmap
	rm -f $(KAPIDIR)/bpfmap_kernel.h $(KAPIDIR)/bpfmap.h
	-rmdir $(KAPIDIR) $(DESTDIR)$(PREFIX)/include/bpfmap

# What DKMS builds from: the module's sources and nothing else.
DKMS_SRCDIR ?= $(DESTDIR)/usr/src/bpfmap-$(VERSION)
DKMS_FILES = dkms.conf Kbuild $(wildcard src/*.c include/*.h tests/kunit/*.c) \
	include/linux/bpfmap_kernel.h \
	uapi/linux/bpfmap.h

dkms-source:
	rm -rf $(DKMS_SRCDIR)
	$(INSTALL) -d $(DKMS_SRCDIR)
	cp --parents $(DKMS_FILES) $(DKMS_SRCDIR)/

# DKMS_ARGS: e.g. "-k 6.1.0-57-amd64" (default: the running kernel)
dkms-install: dkms-source
	dkms add bpfmap/$(VERSION)
	dkms build bpfmap/$(VERSION) $(DKMS_ARGS)
	dkms install bpfmap/$(VERSION) $(DKMS_ARGS)

dkms-uninstall:
	-dkms remove bpfmap/$(VERSION) --all
	rm -rf $(DKMS_SRCDIR)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C samples/flowcount KDIR=$(KDIR) clean
	-$(MAKE) -C tools/lib clean
	-$(MAKE) -C tools/bpfmapctl clean
	-$(MAKE) -C tests/selftests clean
	-$(MAKE) -C tests/fuzz clean
