"""Re-execute the notebooks in place with their default parameters: the outputs nbval compares.

``python -m barometer.rerun [NAME ...]`` (``make notebooks``). Run it after a deliberate change
of results, review the diff of the outputs, and commit the notebooks. Execution metadata
(timestamps, durations) is stripped so that only real changes show up in the diff.
"""

from __future__ import annotations

import sys

import nbformat

from . import chapters, paths

ORDER = chapters.ALL
KERNELSPEC = {"display_name": "Python (barometer)", "language": "python", "name": "barometer"}


def strip(path) -> None:
    """Keep outputs, drop what changes on every run (papermill and execution timing metadata)."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    nbformat.write(nb, path)


def rerun(names=ORDER) -> None:
    import papermill as pm

    for name in names:
        path = paths.NOTEBOOKS / f"{name}.ipynb"
        print(f"executing {path.name}", flush=True)
        pm.execute_notebook(path, path, kernel_name="python3", cwd=str(paths.NOTEBOOKS), progress_bar=False)
        strip(path)


if __name__ == "__main__":
    rerun(sys.argv[1:] or ORDER)
