"""d2l-grade: sandboxed grading of the course's exercise notebooks.

The pipeline (see CONTRIBUTING.md for the picture): ``batch.grade_class`` finds the
submissions and hands them to an engine (local threads or Dask); ``grade.grade_submission``
grades one notebook by parsing it (``notebook``), running it in a sandbox
(``execution``, ``sandbox``) and scoring it (``scoring``); ``report`` writes the
gradebook, feedback and summary. Code in ``inside/`` runs in the sandbox;
``protocol`` is what crosses. Hidden checks import :func:`probe`, :func:`concept`,
:func:`experiment`, :func:`rules`, :func:`evasions` and :func:`out_of_sight` from here (the
rule kinds are in ``rules``).

This module imports nothing heavy: it is also loaded inside the sandbox.
"""

from .evasions import evasions, out_of_sight
from .hidden import Probe, concept, experiment, probe
from .rules import rules

__version__ = "0.2.0"

__all__ = ["Probe", "concept", "evasions", "experiment", "out_of_sight", "probe", "rules"]
