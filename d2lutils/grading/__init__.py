"""Grading of exercise notebooks: sandboxed execution, hidden checks, gradebooks.

``grade_submission`` grades one notebook as a pure function from its bytes to a
result; ``grade_class`` grades a folder of them in parallel; ``d2l-grade`` is the
command line on top.
"""
from .hidden import Probe, probe

__all__ = ["Probe", "probe"]
