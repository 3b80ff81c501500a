"""Generator of the SYNTHETIC raw exports of the 2016 Belgian Smart City barometer.

The original microdata are not public. ``generate()`` writes two SurveyMonkey collector
exports (Dutch and French), ``dataset.yml`` and a README into ``data/raw/synthetic/``:
invented answers, attached to real NIS codes so the frame can be joined, calibrated so
that the compendium's cleaning and analysis rules reproduce every figure of the published
summary, with realistic mess (a test response, an abandoned one, a duplicate,
cross-language respondents, names typed as people type them, personal data to be dropped).

Deterministic: the same seed gives byte-identical files. The generator checks its own
output against the published figures before writing and refuses to write data that fail.
Nothing in ``barometer`` imports this package.
"""

from .pipeline import generate

__all__ = ["generate"]
