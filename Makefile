# 质量档案检索 — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORPUS ?= corpus
INDEX  ?= index
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install index run test bench clean

$(BIN)/.installed: setup.cfg setup.py pyproject.toml indexer/backends/whoosh/cpostings.c indexer/cshingles.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@$(BIN)/python -c 'import indexer.backends.whoosh.cpostings, indexer.cshingles' 2>/dev/null || echo "说明：未能编译 C 写入器和去重哈希（需要 gcc、Python 头文件 python3-dev 和 zlib1g-dev），由 Python 代码完成，结果相同、较慢。"
	touch $@

install: $(BIN)/.installed

# Incremental: only new, changed or deleted files are (re)indexed.
index: install
	$(BIN)/qsearch index --corpus $(CORPUS) --index $(INDEX)

# Build or update the index (incremental: a no-op when nothing changed), then serve.
run: index
	$(BIN)/qsearch serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

# Benchmarks on ../shared/data's archive (never part of `make test`): writes docs/benchmarks.md.
$(BIN)/.bench: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(BIN)/.bench
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || echo "wrk 未安装：跳过 HTTP 压测（apt-get install wrk）"
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.relevance --typesense --report docs/relevance.md
	$(BIN)/python -m bench.attachments --report docs/attachments.md
	$(BIN)/python -m bench.profile --report docs/profile.md

clean:
	rm -rf $(VENV) build *.egg-info indexer/backends/whoosh/cpostings*.so indexer/cshingles*.so
	find $(INDEX) -name 'MAIN_*' -o -name '_MAIN_*' | xargs rm -f
