#!/usr/bin/env python3
"""Sharded feature extraction on Dask: one `spuriosity extract --shard I/N` per task, then `spuriosity cache merge`.

    python3 scripts/distributed/dask_extract.py DATASET --shards N [--scheduler tcp://host:8786 | --workers K]
        [--work DIR] [--dest CACHE_ROOT] [--model M.onnx] [--retries 2] [--threads 1] [--cli "node dist/cli.js"]

Every task writes its own cache root (WORK/shard-I), so no two machines ever write one folder; WORK must be
reachable from every worker and from this script (a shared file system on a cluster). Dask retries a failed
task (a crashed node process, a lost worker) up to --retries times; a shard that is re-run resumes from the
batches it had cached. The merge runs here, once every shard has finished, into DEST (default:
DATASET/.spuriosity, the cache every other command reads). Prints one JSON summary on stdout.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_cli(cli, args):
    """Runs the project's CLI, returns its --json report; raises with the CLI's own error line on failure."""
    proc = subprocess.run(cli + args, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ['(no output)'])[-1]
        raise RuntimeError(f"`{' '.join(args[:4])} ...` exited with {proc.returncode}: {tail}")
    return json.loads(proc.stdout)


def extract_shard(index, count, dataset, work, cli, extra):
    """One Dask task: extract shard index/count of the dataset into its own cache root."""
    cache = os.path.join(work, f"shard-{index}")
    t0 = time.time()
    report = run_cli(cli, ["extract", dataset, "--shard", f"{index}/{count}", "--cache", cache, "--json"] + extra)
    return {
        "shard": index,
        "cache": cache,
        "images": report["shard"]["images"],
        "withFeatures": report["counts"]["withFeatures"],
        "failed": report["counts"]["failed"],
        "computed": report["cache"]["computed"],
        "seconds": round(time.time() - t0, 2),
    }


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dataset", help="ImageFolder root or .csv/.jsonl manifest (same path on every worker)")
    p.add_argument("--shards", type=int, required=True, help="number of shards N (tasks)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--workers", type=int, default=2, help="workers of the LocalCluster started when no --scheduler is given (default 2)")
    p.add_argument("--work", help="folder for the per-shard caches (default: DATASET/.spuriosity-shards)")
    p.add_argument("--dest", help="cache root the shards are merged into (default: DATASET/.spuriosity)")
    p.add_argument("--model", help="ONNX classifier (default: the CLI's bundled demo model)")
    p.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads per task (default 1)")
    p.add_argument("--batch", type=int, help="images per inference batch")
    p.add_argument("--retries", type=int, default=2, help="times Dask re-runs a failed task (default 2)")
    p.add_argument("--cli", default=f"node {shlex.quote(os.path.join(REPO, 'dist', 'cli.js'))}",
                   help="command that runs the spuriosity CLI on the workers (default: node REPO/dist/cli.js)")
    a = p.parse_args(argv)
    if a.shards < 1:
        p.error("--shards must be at least 1")
    return a


def main(argv):
    a = parse_args(argv)
    from dask.distributed import Client, LocalCluster  # imported here so --help works without dask

    dataset = os.path.abspath(a.dataset)
    base = dataset if os.path.isdir(dataset) else os.path.dirname(dataset)
    work = os.path.abspath(a.work or os.path.join(base, ".spuriosity-shards"))
    dest = os.path.abspath(a.dest or os.path.join(base, ".spuriosity"))
    cli = shlex.split(a.cli)
    extra = ["--threads", str(a.threads)]
    if a.model:
        extra += ["--model", os.path.abspath(a.model)]
    if a.batch:
        extra += ["--batch", str(a.batch)]
    os.makedirs(work, exist_ok=True)

    cluster = None
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    t0 = time.time()
    try:
        futures = client.map(extract_shard, range(a.shards), count=a.shards, dataset=dataset, work=work, cli=cli,
                             extra=extra, retries=a.retries, pure=False)
        shards = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    extracted = time.time() - t0
    merged = run_cli(cli, ["cache", "merge", dest] + [s["cache"] for s in shards] + ["--dataset", dataset, "--json"])
    json.dump({
        "dataset": dataset, "shards": sorted(shards, key=lambda s: s["shard"]), "dest": dest,
        "models": merged["models"], "problems": merged["problems"],
        "extractSeconds": round(extracted, 2), "totalSeconds": round(time.time() - t0, 2),
    }, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as e:  # one line naming what failed, like the CLI
        sys.stderr.write(f"dask_extract: {e}\n")
        sys.exit(1)
