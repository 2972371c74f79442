# poisk build.  `make` builds bin/indexer, bin/searcher and lib/libpoisk.a (release);
# `make test` runs the Criterion suite twice: release build, then ASan+UBSan build.
# Source lists are wildcards, so a new module is one new file and nothing else.

CC       ?= cc
PKGS     := zlib libdeflate libxxhash libcjson libmicrohttpd hunspell
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

# What each binary links.  bin/searcher starts once per CLI query, and every shared object
# costs start-up time, so it links only what a query runs: not libmicrohttpd (and its TLS
# chain), which searcher/serve_mhd.c loads with dlopen() when `searcher serve` starts, nor
# libhunspell (+ libstdc++), which lib/lexicon.c refers to weakly and only repair (the
# indexer) uses.  What may repair (REPAIR_LDLIBS: indexer, tests, libpoisk.so, fuzzers)
# links libhunspell explicitly, since --as-needed drops a library that satisfies weak
# references only.
ENGINE_LIBS   := $(shell pkg-config --libs zlib libdeflate libxxhash libcjson 2>/dev/null) \
                 -lstemmer -lpthread -lm
HUNSPELL_LIBS := -Wl,--no-as-needed $(shell pkg-config --libs hunspell 2>/dev/null) -Wl,--as-needed
MHD_SONAME    ?= $(or $(shell objdump -p "$$(pkg-config --variable=libdir libmicrohttpd)/libmicrohttpd.so" \
                   2>/dev/null | awk '/SONAME/ {print $$2}'),libmicrohttpd.so.12)

WARN     := -Wall -Wextra -Werror
BASE_CFLAGS := -std=c11 $(WARN) -D_GNU_SOURCE -Iinclude -Ilib -Iindexer -Isearcher \
               -Ibuild/gen $(PKG_CFLAGS) -DPOISK_MHD_SONAME='"$(MHD_SONAME)"' -MMD -MP
LDLIBS   := $(ENGINE_LIBS) $(shell pkg-config --libs hunspell 2>/dev/null)
# ISA-L compresses the store's text (lib/deflater.c): the writer's, never a query's.
WRITER_LIBS     := $(shell pkg-config --libs libisal 2>/dev/null || echo -lisal)
LDLIBS   += $(WRITER_LIBS)
REPAIR_LDLIBS   := $(ENGINE_LIBS) $(WRITER_LIBS) $(HUNSPELL_LIBS)
SEARCHER_LDLIBS := $(ENGINE_LIBS)

REL_CFLAGS  := -O2 -g $(BASE_CFLAGS)
ASAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_CFLAGS := -O1 -g $(ASAN_FLAGS) $(BASE_CFLAGS)

LIB_SRC     := $(sort $(wildcard lib/*.c))
SERVE_SRC   := $(sort $(wildcard searcher/serve*.c))
ENGINE_SRC  := $(filter-out searcher/main.c $(SERVE_SRC),$(sort $(wildcard searcher/*.c)))
INDEXER_SRC := $(filter-out indexer/main.c,$(sort $(wildcard indexer/*.c)))
GEN_SRC     := build/gen/embedded.c
TEST_SRC    := $(sort $(wildcard tests/test_*.c))
TEST_NAMES  := $(basename $(notdir $(TEST_SRC)))
BENCH_SRC   := $(sort $(wildcard bench/*.c))

PREFIX ?= /usr/local

.PHONY: all deps test test-release test-asan demo bench bench-large bench-analyzer clean install valgrind fuzz fuzz-build stress store-huffman
all: bin/indexer bin/searcher lib/libpoisk.a lib/libpoisk.so build/examples/search_example build/examples/ndcg

# ---- embedded reference data (stop list, regions, project names) -------------------------
build/gen/embedded.c: data/russian_stop.txt data/regions.tsv data/projects.txt tools/embed.c
	@mkdir -p build/gen
	$(CC) -O1 -o build/gen/embed tools/embed.c
	build/gen/embed $@ poisk_stop_list data/russian_stop.txt poisk_regions_tsv data/regions.tsv \
	  poisk_projects_txt data/projects.txt

# ---- split-word repair's dictionary, precomputed (lib/lexicon_blob.c embeds it) -----------
DICT_BASE ?= /usr/share/hunspell/ru_RU
build/gen/ru_dict.bin: tools/dictgen.c lib/lexicon_dict.c lib/lexicon_dict.h lib/utf8.h \
                       $(wildcard $(DICT_BASE).aff $(DICT_BASE).dic)
	@mkdir -p build/gen
	$(CC) -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Ilib $(PKG_CFLAGS) -o build/gen/dictgen \
	  tools/dictgen.c lib/lexicon_dict.c $(PKG_LIBS)
	build/gen/dictgen $(DICT_BASE) $@

# ---- the store text's Huffman code (lib/deflater.c): regenerated on purpose only --------
store-huffman:
	@mkdir -p build/gen
	$(CC) -O2 -std=c11 $(WARN) -D_GNU_SOURCE -Iinclude -Ilib -o build/gen/store_huffman \
	  tools/store_huffman.c lib/store_code.c $(WRITER_LIBS)
	build/gen/store_huffman corpus/*.txt > lib/store_huffman.h

# ---- per-mode object trees: build/rel and build/asan --------------------------------------
define MODE_RULES
$(1)_OBJ_LIB     := $$(patsubst %.c,build/$(1)/%.o,$$(LIB_SRC) $$(GEN_SRC:build/gen/%=gen/%))
$(1)_OBJ_ENGINE  := $$(patsubst %.c,build/$(1)/%.o,$$(ENGINE_SRC))
$(1)_OBJ_SERVE   := $$(patsubst %.c,build/$(1)/%.o,$$(SERVE_SRC))
$(1)_OBJ_INDEXER := $$(patsubst %.c,build/$(1)/%.o,$$(INDEXER_SRC))

build/$(1)/%.o: %.c build/gen/embedded.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(2)) -c -o $$@ $$<
build/$(1)/gen/%.o: build/gen/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(2)) -c -o $$@ $$<
build/$(1)/lib/lexicon_blob.o: build/gen/ru_dict.bin

build/$(1)/libpoisk.a: $$($(1)_OBJ_LIB) $$($(1)_OBJ_ENGINE)
	@rm -f $$@
	ar rcs $$@ $$^
build/$(1)/libpoisk_indexer.a: $$($(1)_OBJ_INDEXER)
	@rm -f $$@; mkdir -p $$(dir $$@)
	ar rcs $$@ $$^

build/$(1)/bin/indexer: build/$(1)/indexer/main.o build/$(1)/libpoisk_indexer.a build/$(1)/libpoisk.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(2)) -o $$@ $$^ $$(REPAIR_LDLIBS)
# The HTTP server is linked into bin/searcher only: libpoisk.a stays free of it.
build/$(1)/libpoisk_serve.a: $$($(1)_OBJ_SERVE)
	@rm -f $$@; mkdir -p $$(dir $$@)
	ar rcs $$@ $$^
build/$(1)/bin/searcher: build/$(1)/searcher/main.o build/$(1)/libpoisk_serve.a build/$(1)/libpoisk.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(2)) -o $$@ $$^ $$(SEARCHER_LDLIBS)
build/$(1)/tests/%: tests/%.c build/$(1)/libpoisk_serve.a build/$(1)/libpoisk_indexer.a build/$(1)/libpoisk.a tests/test_util.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(2)) -Wno-missing-field-initializers -o $$@ $$< build/$(1)/libpoisk_serve.a build/$(1)/libpoisk_indexer.a build/$(1)/libpoisk.a $$(REPAIR_LDLIBS) $$(CRIT_LIBS)

$(1)-tests: $$(addprefix build/$(1)/tests/,$$(TEST_NAMES)) build/$(1)/bin/indexer build/$(1)/bin/searcher
endef

$(eval $(call MODE_RULES,rel,REL_CFLAGS))
$(eval $(call MODE_RULES,asan,ASAN_CFLAGS))

# ---- shared library (searcher engineer): the same library objects built position-independent
PIC_CFLAGS := -fPIC $(REL_CFLAGS)
$(eval $(call MODE_RULES,pic,PIC_CFLAGS))
SO_VERSION := 0.1.0
SO_NAME    := libpoisk.so.0
build/pic/libpoisk.so.$(SO_VERSION): $(pic_OBJ_LIB) $(pic_OBJ_ENGINE)
	$(CC) -shared -Wl,-soname,$(SO_NAME) -Wl,--no-undefined -o $@ $^ $(REPAIR_LDLIBS)
lib/libpoisk.so: build/pic/libpoisk.so.$(SO_VERSION)
	cp $< lib/libpoisk.so.$(SO_VERSION)
	ln -sf libpoisk.so.$(SO_VERSION) lib/$(SO_NAME)
	ln -sf $(SO_NAME) $@

bin/%: build/rel/bin/%
	@mkdir -p bin
	cp $< $@
lib/libpoisk.a: build/rel/libpoisk.a
	cp $< $@

# ---- benchmark tools (bench/): the corpus generator and the realism figures -------------
# gen is also built in each test tree, since tests/test_gen.c runs it like the other binaries.
all: bin/gen build/bench/heaps
build/rel/bin/gen: bench/gen.c build/rel/libpoisk.a
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< build/rel/libpoisk.a $(REPAIR_LDLIBS)
build/asan/bin/gen: bench/gen.c build/asan/libpoisk.a
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -o $@ $< build/asan/libpoisk.a $(REPAIR_LDLIBS)
build/bench/heaps: bench/heaps.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< $(LDLIBS)
# tools linked with the library alone, each build/bench/X from bench/X.c: terms (BM25 parity,
# analyzer speed), repair_stats (what split-word repair does to each file, the corpus table),
# decode_bench (postings decode speed), analyzer_bench (the analyzer alone; bench/run analyzer)
BENCH_LIB_TOOLS := build/bench/terms build/bench/repair_stats build/bench/decode_bench \
                   build/bench/analyzer_bench
$(BENCH_LIB_TOOLS): build/bench/%: bench/%.c bench/bench_util.h build/rel/libpoisk.a
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< build/rel/libpoisk.a $(LDLIBS)
# the structure parser alone (bench/structure_bench.c): build/bench/structure_bench FILE|DIR...
build/bench/structure_bench: bench/structure_bench.c build/rel/libpoisk_indexer.a build/rel/libpoisk.a
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< build/rel/libpoisk_indexer.a build/rel/libpoisk.a $(LDLIBS)
rel-tests: build/rel/bin/gen
asan-tests: build/asan/bin/gen

# ---- dependencies ------------------------------------------------------------------------
deps:
	@sh tools/deps.sh

# ---- tests: release, then ASan+UBSan (LeakSanitizer included) ----------------------------
test: deps
	$(MAKE) test-release
	$(MAKE) test-asan

test-release: rel-tests
	@sh tools/run-tests.sh build/rel $(TEST_NAMES)
test-asan: asan-tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  sh tools/run-tests.sh build/asan $(TEST_NAMES)

# ---- demo: index the seed corpus and ask a question --------------------------------------
DEMO_QUERY ?= телемедицин*
demo: deps
	$(MAKE) all
	@mkdir -p var
	bin/indexer -o var/index corpus
	bin/searcher -i var/index -k 5 -- "$(DEMO_QUERY)"
	bin/searcher -i var/index --by-region -k 10 -- "$(DEMO_QUERY)"

bench: all
	@if [ -x bench/run ]; then bench/run quick; else echo "bench/run not built yet"; fi
bench-large: all
	@if [ -x bench/run ]; then bench/run large; else echo "bench/run not built yet"; fi
bench-analyzer: all
	@if [ -x bench/run ]; then bench/run analyzer; else echo "bench/run not built yet"; fi

# the C API example (examples/search_example.c), linked like a user program would be
build/examples/search_example: examples/search_example.c build/rel/libpoisk.a
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< build/rel/libpoisk.a $(LDLIBS)
# nDCG@10 over the judged queries (tests/judged/): build/examples/ndcg INDEX_DIR
build/examples/ndcg: examples/ndcg.c tests/judged/ndcg.h build/rel/libpoisk.a
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< build/rel/libpoisk.a $(LDLIBS)

# PREFIX/lib gets libpoisk.a and libpoisk.so (-> .so.0 -> .so.$(SO_VERSION)); `pkg-config --libs
# poisk` links the shared library, `--static` the archive.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/poisk $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m755 bin/indexer bin/searcher $(DESTDIR)$(PREFIX)/bin
	install -m644 lib/libpoisk.a $(DESTDIR)$(PREFIX)/lib
	install -m755 build/pic/libpoisk.so.$(SO_VERSION) $(DESTDIR)$(PREFIX)/lib
	ln -sf libpoisk.so.$(SO_VERSION) $(DESTDIR)$(PREFIX)/lib/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(PREFIX)/lib/libpoisk.so
	install -m644 include/poisk/*.h $(DESTDIR)$(PREFIX)/include/poisk
	sed -e 's|@PREFIX@|$(PREFIX)|' tools/poisk.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/poisk.pc

clean:
	rm -rf build bin lib/libpoisk.a lib/libpoisk.so* var

# ---- fuzz: libFuzzer targets tests/fuzz/fuzz_*.c (clang, ASan+UBSan); docs/RELIABILITY.md --
# `make fuzz` runs every target FUZZ_TIME seconds (FUZZ_TARGETS to pick some); corpora grow
# in build/fuzz/corpus/, findings land in build/fuzz/artifacts/ and fail the run.
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_TARGETS ?= $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_CFLAGS  := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer $(BASE_CFLAGS) -Wno-error
FUZZ_OBJ     := $(patsubst %.c,build/fuzz/%.o,$(LIB_SRC) $(ENGINE_SRC) $(INDEXER_SRC) \
                $(SERVE_SRC) $(GEN_SRC:build/gen/%=gen/%))

build/fuzz/lib/lexicon_blob.o: build/gen/ru_dict.bin
build/fuzz/%.o: %.c build/gen/embedded.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<
build/fuzz/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<
build/fuzz/libpoisk_fuzz.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^
build/fuzz/bin/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h build/fuzz/libpoisk_fuzz.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libpoisk_fuzz.a $(REPAIR_LDLIBS)

# ---- valgrind: memcheck over the seeds and every query feature (tools/valgrind.sh) --------
valgrind: rel-tests
	@sh tools/valgrind.sh build/rel

# ---- stress: resource limits on hostile inputs (not in make test; tools/stress.sh) ------
stress: all
	@sh tools/stress.sh build/stress

fuzz-build: $(addprefix build/fuzz/bin/,$(FUZZ_TARGETS))
fuzz: fuzz-build
	@sh tools/fuzz.sh build/fuzz $(FUZZ_TIME) $(FUZZ_TARGETS)

-include $(shell find build -name '*.d' 2>/dev/null)
