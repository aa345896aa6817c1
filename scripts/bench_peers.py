#!/usr/bin/env python3
"""canon beside its peers on the same corpus, side by side (`make bench-peers`).

Usage: bench_peers.py CANON CORPUS SHORT_CORPUS BUILD_DIR

Installs the peers with pip into BUILD_DIR/peers-venv (pinned: dolma 1.2.1, gaoya 0.2.2),
writes dolma's gzip shards of CORPUS once into BUILD_DIR/peers-work/dolma/documents/ (not
timed), then runs, RUNS times in turn (A B A B ...; the page cache is warm after the first
round), each with THREADS threads or processes:

  canon-exact   canon dedup CORPUS --threads T --no-near      exact duplicates only
  dolma         dolma dedupe --processes T                      bloom filter over `text`
  canon-whole   canon dedup CORPUS --threads T                  the whole job
  gaoya         scripts/peers/gaoya_dedup.py CORPUS             MinHash-LSH, RAYON_NUM_THREADS=T
  canon-short   canon dedup SHORT_CORPUS --threads T            the whole job, short documents

Each run is timed by /usr/bin/time (wall, user + sys CPU, peak RSS); the medians of the runs
and the ratios canon-exact ÷ dolma and canon-whole ÷ gaoya are printed as markdown tables with
the date and the machine, each job with a one-line count of what it found (that the peer did
the work); every run's numbers go to BUILD_DIR/peers-work/results.json. Environment: THREADS (2), RUNS (3), JOBS (a comma-separated subset of the
job names above, default all).
"""
import datetime
import glob
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

DOLMA = "dolma==1.2.1"
GAOYA = "gaoya==0.2.2"
# What `dolma dedupe` imports, for an install of the dolma wheel alone (`pip install --no-deps`)
# when the resolver cannot install its full dependency list (found by running `dolma dedupe
# --help` until it stopped failing on a missing module).
DOLMA_CLI_MODULES = [
    "msgspec", "typing_extensions", "numpy", "necessary", "requirements-parser", "packaging",
    "smart-open", "wrapt", "fasttext-wheel", "platformdirs", "fsspec", "nltk", "regex",
    "uniseg", "zstandard", "omegaconf", "pyyaml", "anyascii", "tokenizers", "urllib3", "rich",
    "pygments", "tqdm", "charset-normalizer",
]
SHARDS = 4
HERE = os.path.dirname(os.path.abspath(__file__))


def log(msg: str) -> None:
    print(f"bench-peers: {msg}", file=sys.stderr, flush=True)


def installed(venv: str) -> bool:
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(os.path.join(venv, "bin", "dolma")):
        return False
    want = f"{DOLMA.split('==')[1]} {GAOYA.split('==')[1]}"
    got = subprocess.run(
        [py, "-c", "import importlib.metadata as m; print(m.version('dolma'), m.version('gaoya'))"],
        capture_output=True, text=True,
    ).stdout.strip()
    return got == want


def ensure_venv(venv: str) -> None:
    """Creates the virtual environment and installs the pinned peers, unless already there."""
    if installed(venv):
        return
    log(f"installing {DOLMA} and {GAOYA} into {venv}")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    try:
        # pip's resolver can backtrack for many minutes over dolma's wide dependency list
        # (boto3 versions one by one): give it three, then take the narrow install.
        subprocess.run(pip + [DOLMA, GAOYA], check=True, timeout=180)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        log("full install failed: dolma's wheel alone, and the modules its CLI imports")
        subprocess.run(pip + ["--no-deps", DOLMA], check=True)
        subprocess.run(pip + DOLMA_CLI_MODULES + [GAOYA], check=True)
    if not installed(venv):
        sys.exit("bench-peers: the peers did not install (see pip's messages above)")


def time_binary() -> str:
    if not os.path.exists("/usr/bin/time"):
        log("installing GNU time (apt-get install time)")
        subprocess.run(["apt-get", "install", "-y", "-q", "time"], check=True)
    return "/usr/bin/time"


def dolma_shards(venv: str, corpus: str, work: str) -> int:
    """Writes the gzip shards once per corpus version; returns the number of documents."""
    stamp_path = os.path.join(work, "shards.json")
    st = os.stat(corpus)
    stamp = {"corpus": os.path.abspath(corpus), "size": st.st_size, "mtime": st.st_mtime,
             "shards": SHARDS}
    if os.path.exists(stamp_path):
        with open(stamp_path) as f:
            old = json.load(f)
        if {k: old.get(k) for k in stamp} == stamp:
            return old["documents"]
    shutil.rmtree(work, ignore_errors=True)
    log(f"writing {SHARDS} gzip shards of {corpus} for dolma (not timed)")
    out = subprocess.run(
        [os.path.join(venv, "bin", "python"), os.path.join(HERE, "peers", "dolma_shards.py"),
         corpus, work, str(SHARDS)],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    log(out)
    stamp["documents"] = int(out.split()[0])
    with open(stamp_path, "w") as f:
        json.dump(stamp, f)
    return stamp["documents"]


def canon_count(out_dir: str) -> str:
    with open(os.path.join(out_dir, "report.json")) as f:
        docs = json.load(f)["documents"]
    d = docs["dropped"]
    return (f"{docs['in']:,} documents in, {docs['canonical']:,} kept, {d['exact']:,} exact and "
            f"{d['near']:,} near duplicates dropped")


def dolma_count(work: str, attribute: str) -> str:
    files = sorted(glob.glob(os.path.join(work, "attributes", attribute, "*.jsonl.gz")))
    lines = flagged = 0
    for path in files:
        with gzip.open(path, "rt") as f:
            for line in f:
                lines += 1
                flagged += bool(json.loads(line)["attributes"].get(attribute))
    return (f"{len(files)} attribute files, {lines:,} documents tagged, {flagged:,} flagged as "
            f"a copy of an earlier text")


def main() -> None:
    canon, corpus, short, build = map(os.path.abspath, sys.argv[1:5])
    threads = os.environ.get("THREADS", "2")
    runs = int(os.environ.get("RUNS", "3"))
    venv = os.path.join(build, "peers-venv")
    work = os.path.join(build, "peers-work")
    os.makedirs(work, exist_ok=True)
    ensure_venv(venv)
    timer = time_binary()

    dolma_dir = os.path.join(work, "dolma")
    attribute = "dup_doc"
    chosen = os.environ.get("JOBS", "canon-exact,dolma,canon-whole,gaoya,canon-short").split(",")
    dolma_docs = dolma_shards(venv, corpus, dolma_dir) if "dolma" in chosen else 0
    bloom = os.path.join(work, "dolma-bloom.bin")

    def clean_dolma() -> None:
        # A bloom filter left from the previous run would flag every document: start empty.
        shutil.rmtree(os.path.join(dolma_dir, "attributes"), ignore_errors=True)
        if os.path.exists(bloom):
            os.remove(bloom)

    def out(name: str) -> str:
        return os.path.join(work, name)

    canon_opts = ["--threads", threads, "--progress", "never"]
    jobs = {
        "canon-exact": (
            [canon, "dedup", corpus, "--out", out("canon-exact"), *canon_opts, "--no-near"],
            None, None, lambda _: canon_count(out("canon-exact"))),
        "dolma": (
            [os.path.join(venv, "bin", "dolma"), "dedupe",
             "--documents", os.path.join(dolma_dir, "documents", "*.jsonl.gz"),
             "--work_dir.input", out("dolma-tmp-in"), "--work_dir.output", out("dolma-tmp-out"),
             "--dedupe.name", attribute, "--dedupe.documents.attribute_name", attribute,
             "--dedupe.documents.key", "$.text",
             "--bloom_filter.file", bloom, "--no-bloom_filter.read_only",
             "--bloom_filter.estimated_doc_count", str(dolma_docs),
             "--bloom_filter.desired_false_positive_rate", "1e-6",
             "--processes", threads],
            clean_dolma, None, lambda _: dolma_count(dolma_dir, attribute)),
        "canon-whole": (
            [canon, "dedup", corpus, "--out", out("canon-whole"), *canon_opts],
            None, None, lambda _: canon_count(out("canon-whole"))),
        "gaoya": (
            [os.path.join(venv, "bin", "python"), os.path.join(HERE, "peers", "gaoya_dedup.py"),
             corpus],
            None, {"RAYON_NUM_THREADS": threads},
            lambda log_text: log_text.strip().splitlines()[-1].removeprefix("gaoya: ")),
        "canon-short": (
            [canon, "dedup", short, "--out", out("canon-short"), *canon_opts],
            None, None, lambda _: canon_count(out("canon-short"))),
    }
    unknown = set(chosen) - set(jobs)
    if unknown:
        sys.exit(f"bench-peers: unknown jobs in JOBS: {', '.join(sorted(unknown))}")
    results = {name: [] for name in chosen}
    sanity = {}
    load_before = os.getloadavg()
    for run in range(1, runs + 1):
        for name in chosen:
            cmd, prepare, env_extra, count = jobs[name]
            if prepare:
                prepare()
            env = dict(os.environ, **(env_extra or {}))
            times = out(f"{name}.time")
            log_path = out(f"{name}.log")
            with open(log_path, "w") as log_file:
                started = time.monotonic()
                rc = subprocess.run([timer, "-f", "%e %U %S %M", "-o", times, *cmd], env=env,
                                    stdout=log_file, stderr=subprocess.STDOUT,
                                    cwd=work).returncode
            if rc != 0:
                sys.exit(f"bench-peers: {name} failed (exit {rc}); see {log_path}")
            with open(times) as f:
                wall, user, system, rss_kb = f.read().split()[-4:]
            results[name].append((float(wall), float(user) + float(system), int(rss_kb) * 1024))
            with open(log_path) as f:
                sanity[name] = count(f.read())
            log(f"run {run}/{runs} {name}: {float(wall):.2f} s wall "
                f"({time.monotonic() - started:.1f} s), {sanity[name]}")
    load_after = os.getloadavg()

    med = {name: tuple(statistics.median(r[i] for r in rows) for i in range(3))
           for name, rows in results.items()}
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sizes = {"corpus": os.path.getsize(corpus), "short": os.path.getsize(short)}
    print(f"\n{now}, {platform.node()}: {os.cpu_count()} CPUs ({cpu}), {threads} threads each, "
          f"median of {runs} runs alternating; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after\n")
    print("| job | input | wall | CPU (user+sys) | peak RSS | found |")
    print("|---|---|---|---|---|---|")
    for name, (wall, cpu_s, rss) in med.items():
        which = "short" if name == "canon-short" else "corpus"
        print(f"| {name} | {os.path.basename(short if which == 'short' else corpus)} "
              f"({sizes[which] / 1e6:,.0f} MB) | {wall:.2f} s | {cpu_s:.2f} s | "
              f"{rss / 1e6:,.0f} MB | {sanity[name]} |")
    pairs = [(a, b) for a, b in (("canon-exact", "dolma"), ("canon-whole", "gaoya"))
             if a in med and b in med]
    if pairs:
        print("\n| canon ÷ peer (medians) | wall | CPU | peak RSS |")
        print("|---|---|---|---|")
    for a, b in pairs:
        (wa, ca, ra), (wb, cb, rb) = med[a], med[b]
        print(f"| {a} ÷ {b} | {wa / wb:.2f} | {ca / cb:.2f} | {ra / rb:.2f} |")
    with open(out("results.json"), "w") as f:
        json.dump({"date": now, "threads": threads, "cpu": cpu, "nproc": os.cpu_count(),
                   "load": [load_before, load_after], "sanity": sanity,
                   "runs": {name: [{"wall": w, "cpu": c, "rss": r} for w, c, r in rows]
                            for name, rows in results.items()}}, f, indent=1)
    log(f"every run's numbers: {out('results.json')}")


if __name__ == "__main__":
    main()
