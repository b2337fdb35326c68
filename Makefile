# govarchive: `make demo` and `make test` work on a fresh machine with Python 3.10+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The browser tests drive Debian's Chromium (never a browser downloaded at run time), with
# CJK fonts so pages and screenshots show Chinese; installed here when missing (as root).
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
# The crawl-across-machines tests start their own Redis server from Debian's package.
REDIS_SERVER := /usr/bin/redis-server
# The crawl benchmark serves its replica from Debian's nginx (not a Python test server).
NGINX := /usr/sbin/nginx
# LibreOffice (headless, no GUI) reads .doc, .wps and .rtf attachments (the format tests'
# saved office files were made with it: tests/fixtures/formats/make_formats.py).
SOFFICE := /usr/bin/soffice
# Tesseract with its Simplified Chinese model reads scanned attachments (`govarchive ocr`).
TESSERACT_CHI := /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata
# Webrecorder's pywb (replay) and wacz (the WACZ validator), and Harvard LIL's wacz-signing
# (its signature verifier), which the replay tests run as a user would. They live in a venv
# of their own: pywb pins redis<3, which rq cannot use; wacz-signing pins cryptography<45,
# so pyOpenSSL (pywb's) is held at 24.x, the last release that accepts it.
REPLAY_VENV := .venv-replay
REPLAY_STAMP := $(REPLAY_VENV)/.installed
REPLAY_PACKAGES := "pywb==2.10.0" "wacz==0.6.0" "wacz-signing==0.4.2" "pyopenssl>=24,<25"
# Webrecorder's ReplayWeb.page, the browser replay app (static files from the npm registry),
# which the replay tests serve on 127.0.0.1 and open in Chromium.
REPLAYWEBPAGE := replaywebpage@2.5.3

.PHONY: demo test bench serve lint crawl clean browser redis nginx replay office ocr

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml setup.py archive/_bigrams.c
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)  ## crawl the bundled demo site (two days) into ./archive.db
	$(BIN)/govarchive demo --db archive.db

$(CHROMIUM) $(CJK_FONT):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk

browser: $(CHROMIUM) $(CJK_FONT)  ## Debian's Chromium and CJK fonts, for the browser tests

$(REDIS_SERVER):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server

redis: $(REDIS_SERVER)  ## Debian's Redis server, for the crawl-across-machines tests and bench

$(NGINX):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light

nginx: $(NGINX)  ## Debian's nginx, which serves the crawl benchmark's replica

$(SOFFICE):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui libreoffice-calc-nogui

# libarchive (the library libarchive-c binds) reads RAR and 7z bundles.
office: $(SOFFICE)  ## LibreOffice headless (.doc, .wps, .rtf) and libarchive (RAR, 7z bundles)
	@/sbin/ldconfig -p | grep -q 'libarchive\.so\.13 ' || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libarchive13; }

$(TESSERACT_CHI):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-chi-sim

ocr: $(TESSERACT_CHI)  ## Tesseract and its chi_sim model, which read scanned attachments

$(REPLAY_STAMP): Makefile
	test -x $(REPLAY_VENV)/bin/python || $(PYTHON) -m venv $(REPLAY_VENV)
	$(REPLAY_VENV)/bin/python -m pip install --quiet $(REPLAY_PACKAGES)
	rm -rf $(REPLAY_VENV)/replaywebpage $(REPLAY_VENV)/package $(REPLAY_VENV)/replaywebpage-*.tgz
	cd $(REPLAY_VENV) && npm pack --silent $(REPLAYWEBPAGE) && tar xzf replaywebpage-*.tgz \
		&& mv package replaywebpage && rm replaywebpage-*.tgz
	touch $(REPLAY_STAMP)

replay: $(REPLAY_STAMP)  ## pywb, ReplayWeb.page, the wacz validator and wacz-signing, for the replay tests

# Four workers, one test file each at a time (module fixtures stay in one process). Much
# of the suite waits (on replica servers, polite delays, schedulers, Chromium), so two
# workers a core keep both cores busy (measured on a quiet 2-core machine: three workers
# 174-179 s, four 149-168 s). Files marked start_first (the long ones) are taken first,
# in collection order (no reordering by test count), so the suite does not end on one.
# Where PYTHONDONTWRITEBYTECODE is set (as on this project's machines), every Python process
# the tests start (about 200) compiled the project's modules again (0.1 s each): they are
# compiled once first, as pip compiles the packages it installs. pytest may write its own
# compiled test modules too: each worker rewrote all of them for their asserts (2 s each).
test: $(STAMP) browser redis replay office ocr  ## run the whole test suite
	$(BIN)/python -m compileall -q crawler parsers archive spiders scheduler.py benchmarks
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n 4 --dist loadfile --no-loadscope-reorder

# Every benchmark runs; the target fails (exit 1) when any of them missed a target.
bench: $(STAMP) redis nginx office ocr  ## parser, archive, crawl and attachment benchmarks, with baselines from the same run
	@status=0; \
	for name in extract archive crawl distributed attachments; do \
		$(BIN)/python benchmarks/$$name.py || status=1; \
	done; \
	exit $$status

serve: $(STAMP)  ## browse ./archive.db in Datasette
	$(BIN)/govarchive serve --db archive.db

crawl: $(STAMP)  ## crawl the default site registry into ./archive.db
	$(BIN)/govarchive crawl --db archive.db

lint: $(STAMP)  ## ruff, the import layers (.importlinter) and radon (no function above grade C)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@! $(BIN)/radon cc -n D -s archive crawler spiders parsers scheduler.py | grep .

clean:
	rm -rf $(VENV) $(REPLAY_VENV) build *.egg-info archive.db archive.db-* archive.files archive/*.so
