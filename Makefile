# canon — make targets. The two a fresh clone needs: `make dedup` and `make test`.
CARGO ?= cargo
# Where `cargo build --release` puts the binary: under CARGO_TARGET_DIR when it is set (a
# shared build cache), else target/.
CANON := $(or $(CARGO_TARGET_DIR),target)/release/canon
CORPUS_BYTES ?= 1G
CORPUS := corpus/corpus.jsonl
CORPUS_PARQUET := corpus/corpus.parquet
SHORT_BYTES ?= 125M
SHORT_CORPUS := corpus/short.jsonl

.PHONY: dedup build test bench bench-stages bench-corpus bench-scale bench-memory bench-peers corpus corpus-short eval check-sample check-cases check-parquet fuzz fmt lint clean

## Build in release mode and deduplicate the sample dumps in data/ into out/.
dedup: build
	$(CANON) dedup data/ --out out/
	@echo "outputs: out/canonical.jsonl out/dropped.jsonl out/report.json out/report.html (binary: $(CANON))"

build:
	$(CARGO) build --release --locked

## The whole test suite: unit, integration, property and doc tests; benchmarks compiled only.
test:
	$(CARGO) test --locked --all-targets
	$(CARGO) test --locked --doc
	$(CARGO) bench --locked --no-run

## Criterion benchmarks per stage, then the whole tool on the generated corpus.
bench: bench-stages bench-corpus

bench-stages:
	$(CARGO) bench --locked --bench stages

## Whole-tool throughput and peak memory on the generated ~1 GB corpus, 2 threads: the exact
## path alone (--no-near), then the whole job, then the exact path on the same records as a
## Parquet input (converted once, examples/jsonl_to_parquet.rs).
bench-corpus: build $(CORPUS) $(CORPUS_PARQUET)
	scripts/bench_corpus.sh $(CANON) $(CORPUS) 2 --no-near
	scripts/bench_corpus.sh $(CANON) $(CORPUS) 2
	scripts/bench_corpus.sh $(CANON) $(CORPUS_PARQUET) 2 --no-near

## The generated corpus as Parquet (the same records; snappy, row groups of 4,096 rows).
$(CORPUS_PARQUET): $(CORPUS)
	$(CARGO) run --release --locked --example jsonl_to_parquet -- $(CORPUS) $(CORPUS_PARQUET)

## canon beside its peers on the generated corpus, 2 threads each, median of 3 alternating runs:
## the exact path vs dolma's exact dedup, the whole job vs gaoya's MinHash-LSH, and the whole job
## on the short-documents corpus. Installs the peers (pinned) into a virtual environment under
## the build folder; THREADS and RUNS in the environment change the defaults. Not part of `make test`.
bench-peers: build $(CORPUS) $(SHORT_CORPUS)
	scripts/bench_peers.py $(CANON) $(CORPUS) $(SHORT_CORPUS) $(or $(CARGO_TARGET_DIR),target)

## Throughput and peak memory on generated corpora of 0.25, 0.5, 1 and 2 GB (2 threads).
bench-scale: build
	scripts/bench_scale.sh $(CANON)

## Peak memory on the generated 2 GB corpus without a budget and with --memory 1G (2 threads).
bench-memory: build
	scripts/bench_memory.sh $(CANON)

## A generated ~1 GB JSON Lines corpus (with ground truth beside it) in corpus/.
corpus: $(CORPUS)

$(CORPUS):
	$(CARGO) run --release --locked --example gencorpus -- --bytes $(CORPUS_BYTES) --out $(CORPUS) --seed 42

## A generated corpus of ~400,000 short documents (posts and poems of ~300 bytes, ~130 MB).
corpus-short: $(SHORT_CORPUS)

$(SHORT_CORPUS):
	$(CARGO) run --release --locked --example gencorpus -- --short --bytes $(SHORT_BYTES) --out $(SHORT_CORPUS) --seed 42

## Deduplicate the generated corpus into corpus/out/ and score it against the ground truth
## (tables on stdout, numbers in corpus/out/eval.json).
eval: build $(CORPUS)
	$(CANON) dedup $(CORPUS) --out corpus/out --threads 2
	$(CARGO) run --release --locked --example evaluate -- --corpus $(CORPUS) --truth $(CORPUS).truth.tsv --out corpus/out

## canon's Parquet output (--output-format parquet) read back with pyarrow, another Parquet
## implementation, and checked against the JSON Lines output of the same runs
## (scripts/check_parquet_output.py). Installs pyarrow into a virtual environment under the
## build folder (needs the network once). Not part of `make test`.
PARQUET_VENV := $(or $(CARGO_TARGET_DIR),target)/parquet-venv
check-parquet: build
	test -x $(PARQUET_VENV)/bin/python || python3 -m venv $(PARQUET_VENV)
	$(PARQUET_VENV)/bin/python -c 'import pyarrow' 2>/dev/null || $(PARQUET_VENV)/bin/python -m pip install --disable-pip-version-check -q pyarrow
	$(PARQUET_VENV)/bin/python scripts/check_parquet_output.py $(CANON)

## Repairs the real sample page from ../shared/samples (not part of the repo) and checks it.
check-sample: build
	scripts/check_sample.sh $(CANON) ../shared/samples/hukou-grid-news.txt

## Runs canon on the fault-class inputs of ../shared/cases (not part of the repo) and says, per
## class of the repair-and-keys issue, whether the expected outcome holds.
CASES ?= ../shared/cases
check-cases: build
	scripts/check_cases.py $(CANON) $(CASES)

## cargo-fuzz targets (fuzz/), FUZZ_SECONDS (default 60) each, on the stable toolchain
## (RUSTC_BOOTSTRAP=1); installs cargo-fuzz if missing. Not part of `make test`.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

clean:
	rm -rf out/ corpus/
	$(CARGO) clean

.PHONY: slurm-dedup test-slurm nightly nightly-demo

## The sharded pipeline on a Slurm cluster (deploy/slurm/README.md): sign (array) -> cluster ->
## emit (array), waiting for the jobs; WORK's state of an earlier run is deleted first.
## DUMPS: inputs (space-separated); WORK, OUT and the inputs must be on storage the compute nodes
## share; CANON_OPTS: dedup options; sbatch options through CANON_SBATCH_OPTS or SBATCH_*.
DUMPS ?= data/
SHARDS ?= 4
WORK ?= out/slurm-work
OUT ?= out/slurm
slurm-dedup: build
	CANON=$(abspath $(CANON)) WORK=$(WORK) OUT=$(OUT) SHARDS=$(SHARDS) INPUTS="$(DUMPS)" \
		deploy/slurm/submit.sh --wait --clean

## A private single-host Slurm cluster (installs slurm-wlm and munge if missing), the sharded
## pipeline on data/ through it, compared with canon dedup; the daemons are stopped afterwards.
test-slurm: build
	scripts/test_slurm.sh $(CANON)

## Nightly incremental build: tonight's DUMPS deduplicated against everything published by
## earlier nights (the index in STATE), into NIGHTLY_OUT. STATE is created on the first night
## and replaced only when the run succeeds. CANON_OPTS: more dedup options (the same every
## night: an index refuses other --min-repeat or near-duplicate options).
STATE ?= out/state
NIGHT ?= $(shell date +%Y-%m-%d)
NIGHTLY_OUT ?= out/nightly/$(NIGHT)
nightly: build
	$(CANON) dedup --index $(STATE) $(DUMPS) --out $(NIGHTLY_OUT) $(CANON_OPTS)

## The incremental path shown on data/: night 1 and night 2 on one index, compared document
## by document with one run over both nights (night 1 published); in out/nightly-demo/.
nightly-demo: build
	scripts/nightly_demo.sh $(CANON)

.PHONY: report-png

## out/report.html (from `make dedup`) rendered by headless Chromium to out/report.png, to look
## at the page; installs Debian's chromium if missing. Not part of `make test`.
report-png: dedup
	scripts/report_png.sh out
