"""What the incremental build remembers between runs, and how it decides what is up to date.

Everything here is cheap and imports nothing heavy (no pandas, papermill, nbformat or Sphinx), so
that a build with nothing to do is decided from hashes alone.

Layout of the work folder (``build/`` by default)::

    runs/<lang>/<notebook>/     one executed notebook × language: <notebook>.ipynb (the page, in the
                                page's language), figures/<lang>/*, _findings/<notebook>.json,
                                manifest.json (its key, its outputs, how long it took)
    site-src/<lang>/            the book's sources, written only where their bytes changed
    jb/<lang>/_build/           jupyter-book's output, kept between builds (Sphinx's environment)
    state/book-<lang>.json      the source-tree hash the HTML of that book was built from
    state/site.json             the hash of the site that was last swapped in
    state/pages-<lang>.json,    the generated pages (questionnaire, configuration) and landing page,
    state/landing.json          with the key of the inputs they were made from
    logs/                       jupyter-book's output of the last build of each book

Keys are SHA-256 digests of the *contents* of the inputs (never of mtimes), so a fresh clone, a
``git checkout`` back and forth or a copied work folder all reuse what is still valid.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from . import paths

# Bump to invalidate every cached run and book (e.g. when the layout of the work folder changes).
CACHE_VERSION = "1"
MANIFEST = "manifest.json"


# ---------------------------------------------------------------------------------------------
# hashing


def file_digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def files_digest(files: dict[str, Path]) -> str:
    """One digest of named files (the names matter, so does the content; not the mtimes)."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(f"{name}\0{file_digest(files[name])}\n".encode())
    return h.hexdigest()


def _glob(root: Path, pattern: str) -> dict[str, Path]:
    return {p.relative_to(paths.ROOT).as_posix() if p.is_relative_to(paths.ROOT) else str(p): p
            for p in sorted(root.glob(pattern)) if p.is_file() and "__pycache__" not in p.parts}


def library_files() -> dict[str, Path]:
    """The library code a notebook imports: lib/barometer/**/*.py, its catalogues and style."""
    lib = paths.ROOT / "lib" / "barometer"
    return {**_glob(lib, "**/*.py"), **_glob(lib / "catalogues", "*.yml"), **_glob(lib / "style", "*")}


def data_files(data: str | Path | None) -> dict[str, Path]:
    """The exports a run reads: every file of the exports folder (dataset.yml included); for a
    single export file, that file and the dataset.yml beside it."""
    folder = Path(data) if data else paths.SYNTHETIC_RAW
    if folder.is_file():
        files = {folder.name: folder}
        meta = folder.parent / "dataset.yml"
        if meta.is_file():
            files[meta.name] = meta
        return files
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_file()}


def inputs_digests(data: str | Path | None) -> dict[str, str]:
    """Digests of what every notebook run depends on besides its own notebook file."""
    return {
        "cache": CACHE_VERSION,
        "python": sys.version,
        "environment": file_digest(paths.ROOT / "constraints.txt") if (paths.ROOT / "constraints.txt").exists() else "",
        "library": files_digest(library_files()),
        "data": files_digest(data_files(data)),
        "codebook": file_digest(paths.CODEBOOK),
        "reference": files_digest({p.name: p for p in sorted(paths.REFERENCE.iterdir()) if p.is_file()}),
    }


def run_key(notebook_file: Path, params: dict, inputs: dict[str, str], findings: dict[str, Path] | None = None) -> str:
    """The key of one notebook × language run: notebook file, inputs, parameters and, for the
    reproduction appendix, the content of the findings it reads."""
    record = {
        "notebook": file_digest(notebook_file),
        "params": params,
        "inputs": inputs,
        "findings": {name: file_digest(p) for name, p in sorted((findings or {}).items())},
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# runs


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def run_dir(work: Path, lang: str, notebook: str) -> Path:
    return Path(work) / "runs" / lang / notebook


def manifest(work: Path, lang: str, notebook: str) -> dict:
    return read_json(run_dir(work, lang, notebook) / MANIFEST)


def up_to_date(work: Path, lang: str, notebook: str, key: str) -> bool:
    """A run is skipped when its stored key is ``key`` and every output it listed still exists."""
    m = manifest(work, lang, notebook)
    folder = run_dir(work, lang, notebook)
    return m.get("key") == key and bool(m.get("outputs")) and all((folder / rel).is_file() for rel in m["outputs"])


def outputs(work: Path, lang: str, notebook: str) -> dict[str, Path]:
    """The files a finished run contributes to the book source (relative path -> file)."""
    folder = run_dir(work, lang, notebook)
    return {rel: folder / rel for rel in manifest(work, lang, notebook).get("outputs", [])}


# ---------------------------------------------------------------------------------------------
# the book sources


def sync_tree(root: Path, wanted: dict[str, bytes | Path]) -> tuple[str, list[str], list[str]]:
    """Make ``root`` hold exactly ``wanted`` (relative path -> bytes or a file to copy).

    A file is written only when its bytes differ (a new file gets a fresh mtime, an unchanged one
    keeps its own, so Sphinx re-reads only what changed); files no longer wanted are removed.
    Returns the tree's hash and the lists of written and removed paths.
    """
    root.mkdir(parents=True, exist_ok=True)
    tree = hashlib.sha256()
    written: list[str] = []
    for rel in sorted(wanted):
        content = wanted[rel]
        data = content.read_bytes() if isinstance(content, Path) else content
        tree.update(f"{rel}\0{hashlib.sha256(data).hexdigest()}\n".encode())
        target = root / rel
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        written.append(rel)
    removed: list[str] = []
    for path in sorted(root.rglob("*"), reverse=True):  # children before their folders
        rel = path.relative_to(root).as_posix()
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        elif rel not in wanted:
            path.unlink()
            removed.append(rel)
    return tree.hexdigest(), written, removed


@functools.cache
def toolchain() -> str:
    """Versions of the book toolchain: a new jupyter-book or Sphinx rebuilds the books."""
    from importlib import metadata

    versions = []
    for dist in ("jupyter-book", "sphinx", "myst-nb", "myst-parser", "sphinx-book-theme", "pydata-sphinx-theme"):
        try:
            versions.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} missing")
    return ";".join(versions)


def state_file(work: Path, name: str) -> Path:
    return Path(work) / "state" / f"{name}.json"


def book_stamp(work: Path, lang: str) -> Path:
    return state_file(work, f"book-{lang}")


def site_stamp(work: Path) -> Path:
    return state_file(work, "site")


def cached(path: Path, key: str, make) -> dict[str, str]:
    """``make()`` (a dict of texts), or what it returned last time for the same ``key``."""
    stored = read_json(path)
    if stored.get("key") == key and isinstance(stored.get("texts"), dict):
        return stored["texts"]
    texts = make()
    write_json(path, {"key": key, "texts": texts})
    return texts


def digest_of(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


# ---------------------------------------------------------------------------------------------
# the build's own processes


def skip_unused_imports() -> None:
    """Block importing ``rfc3987_syntax`` in this process.

    It is an optional extra of jsonschema (installed here for jupyter-events) that compiles about
    40 grammars when imported: about 1 s for every process that imports nbformat or jupyter-book.
    jsonschema uses it only to check the "iri" formats, which neither nbformat's validation nor
    jupyter-book's asks for (they check no formats). Called in the notebook workers and the book
    builds only; the notebooks' kernels do not import jsonschema at all.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


# ---------------------------------------------------------------------------------------------
# kernels forked from a process that has already imported the heavy modules
#
# A notebook's kernel spends about 3 s of CPU starting and importing pandas, scipy, pingouin,
# matplotlib and the library before its first line of analysis: more than most notebooks then
# compute. The build therefore starts one "zygote" process that imports those modules once, and
# each kernel is a fork of it: a fresh process per notebook run as before (nothing a notebook
# does can reach another), whose imports are already done. Seen from jupyter_client, the kernel
# is a small launcher process (the kernelspec's command) that asks the zygote for a fork, relays
# signals to it and exits with it; when the launcher dies (e.g. killed at shutdown) the fork
# sees its pipe close and exits too. Set BAROMETER_BUILD_PRELOAD=0 to use ordinary kernels.

PRELOAD = ("numpy", "pandas", "scipy.stats", "matplotlib", "matplotlib.pyplot", "seaborn", "pingouin",
           "barometer.notebook", "barometer.analysis", "barometer.figures", "barometer.stats", "barometer.fmt",
           "barometer.findings", "barometer.reproduction", "barometer.survey")
PRELOADED_KERNEL = "barometer-build-preloaded"


class PreloadedKernels:
    """The zygote of one build and the kernelspec that forks from it (a context manager).

    ``kernel_name`` is the kernel to execute notebooks with; ``jupyter_path`` is the folder to put
    first in JUPYTER_PATH (where that kernelspec is), in the processes that start kernels."""

    def __init__(self) -> None:
        import subprocess
        import tempfile

        self.folder = Path(tempfile.mkdtemp(prefix="barometer-kernels-"))  # short: a socket path has ~100 bytes
        self.socket = self.folder / "zygote.sock"
        spec = self.folder / "kernels" / PRELOADED_KERNEL
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "barometer.buildcache", "kernel", str(self.socket), "-f",
                     "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python", "metadata": {"debugger": False},
        }), encoding="utf-8")
        # its standard input is a pipe from this process: when this process is gone, the zygote ends
        # (started in an empty folder: matplotlib would read a matplotlibrc from the current one)
        self.process = subprocess.Popen([sys.executable, "-m", "barometer.buildcache", "zygote", str(self.socket)],
                                        stdin=subprocess.PIPE, cwd=self.folder)
        self.kernel_name = PRELOADED_KERNEL
        self.jupyter_path = str(self.folder)

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except Exception:  # noqa: BLE001
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PreloadedKernels":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def preload_wanted() -> bool:
    """Whether to fork kernels from a zygote: wanted (BAROMETER_BUILD_PRELOAD is not 0) and possible."""
    import socket

    return (os.environ.get("BAROMETER_BUILD_PRELOAD", "1") != "0" and hasattr(os, "fork")
            and hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds"))


def use_kernels(jupyter_path: str | None) -> None:
    """In a process that starts kernels: find the preloaded kernelspec first (then skip_unused_imports)."""
    if jupyter_path:
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (jupyter_path, os.environ.get("JUPYTER_PATH")) if p)
    skip_unused_imports()


def _zygote(path: str) -> None:
    """Import the heavy modules once, then fork a kernel for each launcher that connects."""
    import importlib
    import select
    import signal
    import socket

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C of the build reaches the kernels, not this
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as a kernel sets it
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)  # launchers may connect already: they wait until the imports are done
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that fails here fails in the notebook, as it should
            pass
    children: dict[int, socket.socket] = {}
    while True:
        ready, _, _ = select.select([server, sys.stdin], [], [], 0.05)
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1):
            break  # the build is gone
        if server in ready:
            conn, _ = server.accept()
            data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 4)
            size = int.from_bytes(data[:8], "big")
            while len(data) < 8 + size:
                data += conn.recv(1 << 20)
            pid = os.fork()
            if pid == 0:
                server.close()
                for other in children.values():
                    other.close()
                _kernel_child(conn, json.loads(data[8:8 + size]), fds)  # never returns
            for fd in fds:
                os.close(fd)
            try:
                conn.sendall(f"{pid}\n".encode())
            except OSError:
                pass
            children[pid] = conn
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                conn.close()
    server.close()


def _kernel_child(conn, request: dict, fds: list[int]) -> None:
    """In the fork: become the kernel the launcher asked for (its argv, directory, environment)."""
    code = 1
    try:
        conn.close()
        death, *std = fds
        for target, fd in enumerate(std):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[0] = request["cwd"]  # as for `python -m ipykernel_launcher` started there
        sys.argv = [sys.executable, *request["argv"]]
        import signal

        signal.signal(signal.SIGINT, signal.default_int_handler)
        for name in ("random", "numpy.random"):  # fresh entropy, as in a new process (notebooks seed anyway)
            if name in sys.modules:
                sys.modules[name].seed()

        def watch() -> None:
            os.read(death, 1)  # only returns when the launcher is gone
            os._exit(1)

        import threading

        threading.Thread(target=watch, daemon=True).start()
        from ipykernel import kernelapp

        try:
            kernelapp.launch_new_instance()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        import atexit

        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _kernel_launcher(path: str, argv: list[str]) -> None:
    """The kernel process as jupyter_client sees it: asks the zygote for a fork and lives as long as it."""
    import signal
    import socket

    death_r, death_w = os.pipe()  # the fork watches death_r: it closes when this process ends, however
    payload = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    socket.send_fds(conn, [len(payload).to_bytes(8, "big") + payload], [death_r, 0, 1, 2])
    os.close(death_r)
    answers = conn.makefile("rb")
    pid = int(answers.readline())

    def relay(signum, _frame) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, relay)
    status = answers.readline()
    os._exit(int(status) if status.strip() else 1)


# ---------------------------------------------------------------------------------------------
# jupyter-book, writing every page


def jupyter_book_main(argv: list[str] | None = None) -> None:
    """``jupyter-book`` with Sphinx's "write all" (``-a``) switched on.

    Sphinx then re-reads only the sources that changed (its environment is kept in the output
    folder) but resolves and writes every page again, so cross-page glue (``{glue:text}`` of a
    notebook quoted on a Markdown page), references and figure numbers are never stale and every
    broken reference is reported again under ``-n -W``. jupyter-book 1.x has no option for it
    (its ``--all`` means a fresh environment, i.e. re-reading everything).
    """
    skip_unused_imports()
    import jupyter_book.sphinx

    jupyter_book.sphinx.build_sphinx = functools.partial(jupyter_book.sphinx.build_sphinx, force_all=True)
    from jupyter_book.cli.main import main

    sys.argv = ["jupyter-book", *(sys.argv[1:] if argv is None else argv)]
    main()


if __name__ == "__main__":
    if sys.argv[1:2] == ["zygote"]:
        _zygote(sys.argv[2])
    elif sys.argv[1:2] == ["kernel"]:
        _kernel_launcher(sys.argv[2], sys.argv[3:])
    else:
        jupyter_book_main()
