"""Shared code of the Belgian Smart City barometer compendium.

The notebooks hold the analysis; this package holds what they share: the
codebook, the loaders of survey exports, the recoding into one codebook, the
frame of the 589 municipalities, and the helpers for findings and figures.
"""

__version__ = "0.1.0"
