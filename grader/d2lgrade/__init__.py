"""d2l-grade: sandboxed grading of the course's exercise notebooks.

The pipeline (see CONTRIBUTING.md for the picture): ``batch.grade_class`` finds the
submissions and hands them to an engine (local threads or Dask); ``grade.grade_submission``
grades one notebook by parsing it (``notebook``), running it in a sandbox
(``execution``, ``sandbox``) and scoring it (``scoring``); ``report`` writes the
gradebook, feedback and summary. Code in ``inside/`` runs in the sandbox;
``protocol`` is what crosses. Hidden checks import :func:`probe` and
:func:`rules` from here (the rule kinds are in ``rules``).

This module imports nothing heavy: it is also loaded inside the sandbox.
"""

from .hidden import Probe, probe
from .rules import rules

__version__ = "0.2.0"

__all__ = ["Probe", "probe", "rules"]
