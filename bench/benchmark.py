"""Benchmark of the report build (``make bench``): prints figures, it is not a test.

In one run on this machine, everything in a temporary folder (the repository is not modified):

1. naive baseline: every notebook × language with the papermill command line, one after the
   other (a subprocess each), then each book from scratch with the jupyter-book command line
   (fresh output folder), then the site assembled;
2. cold build: ``python -m barometer.build`` with an empty work folder;
3. no-op rebuild: the same command again;
4. one notebook changed: a harmless code cell appended to one notebook of a copy of the
   notebooks folder (``--notebooks``), then the same command;
5. one chapter's words changed: a sentence appended to the first Markdown cell's text of one
   chapter (the first ``page`` entry of ``<chapter>.yml``, both languages), then the same command;
6. the limit: only executing the notebooks as the build executes them (papermill's Python API,
   ``--jobs`` at a time, each appendix after the research chapters of its language), nothing else.

Then the ratios against their targets: cold/naive <= 0.5, no-op/cold <= 0.05,
one-notebook/cold <= 0.4, one-chapter's-words/cold <= 0.25. Timings are wall-clock and depend on what else the machine is doing
(the load average is printed before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import yaml

from barometer import build, chapters, pages, paths
from barometer.codebook import LANGUAGES

TARGETS = {"cold/naive": 0.5, "no-op/cold": 0.05, "one-notebook/cold": 0.4, "one-chapter-words/cold": 0.25}


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def check(cmd: list[str], **kwargs) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"benchmark: command failed: {' '.join(map(str, cmd))}")


def naive(tmp: Path, notebooks: Path) -> None:
    """The straightforward way: the command-line tools, one thing after the other, from scratch."""
    site = tmp / "site"
    site.mkdir(parents=True)
    build.write_pages(tmp / "no-runs", None)
    build.write_colophon(tmp / "no-runs", None, pages.git_state())
    for lang in LANGUAGES:
        src = tmp / "src" / lang
        src.mkdir(parents=True)
        for nb in chapters.ALL:
            check([tool("papermill"), str(notebooks / f"{nb}.ipynb"), str(src / f"{nb}.ipynb"),
                   "-y", json.dumps(build.parameters(lang, None, src)), "-k", "python3", "--cwd", str(src),
                   "--no-progress-bar"])
        for nb in chapters.ALL:
            build.keep_language(src / f"{nb}.ipynb", lang)
            (src / f"{nb}.ipynb").write_bytes(build.with_page_words(src / f"{nb}.ipynb", nb, lang, notebooks))
        # pages, generated pages, static files and configuration (as the build writes them; the
        # jupyter-book command line reads _config.yml, not conf.py)
        for rel, path in build.book_sources(tmp / "no-runs", lang, notebooks).items():
            if rel != "conf.py":
                (src / rel).parent.mkdir(parents=True, exist_ok=True)
                (src / rel).write_bytes(path.read_bytes())
        shutil.copyfile(tmp / "no-runs" / "pages" / lang / "_config.yml", src / "_config.yml")
    for lang in LANGUAGES:
        out = tmp / "jb" / lang
        check([tool("jupyter-book"), "build", str(tmp / "src" / lang), "--path-output", str(out),
               "-W", "-n", "--keep-going", "--quiet"])
        shutil.copytree(out / "_build" / "html", site / lang)
    (site / "index.html").write_text(pages.landing_page(), encoding="utf-8")


def our_build(work: Path, site: Path, notebooks: Path, jobs: int, log: Path) -> None:
    """``python -m barometer.build`` as a user runs it (a fresh interpreter), its output to ``log``."""
    cmd = [sys.executable, "-m", "barometer.build", "--work", str(work), "--site", str(site),
           "--notebooks", str(notebooks), "--jobs", str(jobs)]
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        status = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
    if status != 0:
        print(log.read_text(encoding="utf-8")[-4000:], file=sys.stderr)
        raise SystemExit("benchmark: the build failed")


def limit(tmp: Path, notebooks: Path, jobs: int) -> None:
    """Only executing the notebooks as the build does (``build.execute``), ``jobs`` at a time;
    each appendix after its language's research chapters."""
    left = {lang: len(chapters.RESEARCH) for lang in LANGUAGES}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        running = {pool.submit(build.execute, nb, lang, None, tmp, notebooks): (nb, lang)
                   for nb in chapters.RESEARCH for lang in LANGUAGES}
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                nb, lang = running.pop(future)
                if future.result() is not None:
                    raise SystemExit(f"benchmark: {future.result().get_msg()}")
                if nb in chapters.RESEARCH:
                    left[lang] -= 1
                    if left[lang] == 0:
                        for appendix in chapters.READERS:
                            running[pool.submit(build.execute, appendix, lang, None, tmp, notebooks)] = (appendix, lang)


def touch_notebook(path: Path) -> None:
    """A harmless change: one more (empty-output) code cell at the end of the notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "benchmark-change", "metadata": {},
                        "outputs": [], "source": ["# benchmark: a harmless change"]})
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def edit_words(path: Path) -> None:
    """A change of words: a sentence appended to the first ``page`` entry (the text of a Markdown
    cell), in both languages."""
    tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(iter(tree["page"].values()))
    for lang in LANGUAGES:
        entry[lang] = entry[lang].rstrip() + " Benchmark."
    path.write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def _cpu() -> float:
    """CPU seconds of this process and of every finished process it started (kernels included)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, fn, *args) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``fn(*args)``."""
    print(f"{label} ...", end=" ", flush=True)
    start, cpu = time.perf_counter(), _cpu()
    fn(*args)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    print(f"{seconds:.1f} s (CPU {cpu:.1f} s)", flush=True)
    return seconds, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebook", default="implementation", choices=chapters.ALL,
                        help="the notebook changed for figure 4 (default: implementation, the longest to run)")
    parser.add_argument("--words", default="implementation", choices=chapters.ALL,
                        help="the chapter whose words change for figure 5 (default: implementation)")
    parser.add_argument("--jobs", type=int, default=2, help="notebook runs at the same time (default: 2)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="barometer-bench-"))
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(f"temporary folder: {tmp}")
    try:
        notebooks = tmp / "notebooks"
        shutil.copytree(paths.NOTEBOOKS, notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        work, site, log = tmp / "work", tmp / "html", tmp / "build.log"
        t, cpu = {}, {}

        def step(key: str, label: str, fn, *fn_args) -> None:
            t[key], cpu[key] = timed(label, fn, *fn_args)

        step("naive", "1. naive baseline (papermill CLI one by one, jupyter-book CLI from scratch)",
             naive, tmp / "naive", notebooks)
        step("cold", "2. cold build (empty work folder)", our_build, work, site, notebooks, args.jobs, log)
        step("no-op", "3. no-op rebuild", our_build, work, site, notebooks, args.jobs, log)
        touch_notebook(notebooks / f"{args.notebook}.ipynb")
        step("one-notebook", f"4. rebuild after changing one notebook ({args.notebook}.ipynb)",
             our_build, work, site, notebooks, args.jobs, log)
        edit_words(notebooks / f"{args.words}.yml")
        step("one-chapter-words", f"5. rebuild after changing one chapter's words ({args.words}.yml)",
             our_build, work, site, notebooks, args.jobs, log)
        step("limit", f"6. limit: the notebooks alone, {args.jobs} at a time", limit, tmp / "limit", notebooks,
             args.jobs)
        for page in ("index.html", "nl/index.html", "fr/index.html"):
            assert (site / page).is_file(), f"the built site has no {page}"
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"{'figure':<36}{'seconds':>9}{'CPU s':>9}")
    names = {"naive": "naive baseline", "cold": "cold build", "no-op": "no-op rebuild",
             "one-notebook": f"one notebook changed ({args.notebook})",
             "one-chapter-words": f"one chapter's words changed ({args.words})", "limit": "limit (notebooks alone)"}
    for key, name in names.items():
        print(f"{name:<36}{t[key]:>9.1f}{cpu[key]:>9.1f}")
    print()
    ratios = {"cold/naive": t["cold"] / t["naive"], "no-op/cold": t["no-op"] / t["cold"],
              "one-notebook/cold": t["one-notebook"] / t["cold"],
              "one-chapter-words/cold": t["one-chapter-words"] / t["cold"]}
    for name, value in ratios.items():
        verdict = "PASS" if value <= TARGETS[name] else "FAIL"
        print(f"{name:<24}{value:>7.3f}   target <= {TARGETS[name]:<5} {verdict}")
    print(f"{'cold/limit':<24}{t['cold'] / t['limit']:>7.3f}   (what the build adds to executing the notebooks)")
    print("(CPU s: this process and every process it started, kernels included; the targets are on wall-clock time)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps({"seconds": t, "cpu_seconds": cpu, "ratios": ratios, "targets": TARGETS,
                                         "notebook": args.notebook, "words": args.words, "jobs": args.jobs}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
