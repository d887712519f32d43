# SPDX-License-Identifier: MIT
# make install / make uninstall: the library, its header, pkg-config file, man pages and
# the tools. PREFIX (default /usr/local) and DESTDIR as usual; uninstall removes exactly
# what install put there.

PREFIX ?= /usr/local
INSTALL_BIN_TOOLS ?=
# Section 3 pages are generated from the public headers' comments (tools/gen-man.py),
# so they cannot fall behind the headers.
PUBLIC_HEADERS := $(sort $(wildcard lib/include/*.h))
MAN3_DIR := $(O)/man/man3
MAN3_STAMP := $(MAN3_DIR)/.stamp
MAN7_PAGES := Documentation/man/man7/fpq.7
MAN1_PAGES := $(sort $(wildcard Documentation/man/man1/*.1))
MAN3_NAMES = $(shell tools/gen-symbols.sh --list $(PUBLIC_HEADERS))

$(MAN3_STAMP): $(PUBLIC_HEADERS) tools/gen-man.py
	python3 tools/gen-man.py $(PUBLIC_HEADERS) $(MAN3_DIR)
	@touch $@

ALL_TARGETS += $(MAN3_STAMP)

$(O)/fpq.pc: lib/fpq.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(FPQ_VERSION)|' $< > $@

INSTALLED_FILES = \
	$(addprefix $(PREFIX)/include/,$(notdir $(PUBLIC_HEADERS))) \
	$(PREFIX)/lib/libfpq.a \
	$(PREFIX)/lib/libfpq.so.$(FPQ_VERSION) \
	$(PREFIX)/lib/libfpq.so.$(FPQ_SO_MAJOR) \
	$(PREFIX)/lib/libfpq.so \
	$(PREFIX)/lib/pkgconfig/fpq.pc \
	$(addprefix $(PREFIX)/share/man/man3/,$(addsuffix .3,$(MAN3_NAMES))) \
	$(addprefix $(PREFIX)/share/man/man7/,$(notdir $(MAN7_PAGES))) \
	$(addprefix $(PREFIX)/share/man/man1/,$(notdir $(MAN1_PAGES))) \
	$(addprefix $(PREFIX)/bin/,$(notdir $(INSTALL_BIN_TOOLS)))

# Prerequisites are made from a recipe, once every fragment has added its tools.
.PHONY: install uninstall install-prereqs
install-prereqs:
	@$(MAKE) --no-print-directory $(O)/libfpq.a $(O)/libfpq.so $(O)/fpq.pc $(MAN3_STAMP) \
		$(INSTALL_BIN_TOOLS)

install: install-prereqs
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/bin
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(O)/libfpq.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(O)/libfpq.so.$(FPQ_VERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libfpq.so.$(FPQ_VERSION) $(DESTDIR)$(PREFIX)/lib/libfpq.so.$(FPQ_SO_MAJOR)
	ln -sf libfpq.so.$(FPQ_VERSION) $(DESTDIR)$(PREFIX)/lib/libfpq.so
	install -m 644 $(O)/fpq.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 644 $(MAN3_DIR)/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 644 $(MAN7_PAGES) $(DESTDIR)$(PREFIX)/share/man/man7/
	$(if $(MAN1_PAGES),install -m 644 $(MAN1_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/)
	$(if $(INSTALL_BIN_TOOLS),install -m 755 $(INSTALL_BIN_TOOLS) $(DESTDIR)$(PREFIX)/bin/)

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_FILES))

CHECK_SUITES += install
.PHONY: check-install
check-install: install-prereqs
	@$(call run_suite,install,scripts/check-install.sh $(O))
