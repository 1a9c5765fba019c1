"""Errors an instructor can fix: the command line prints their message, never a traceback.

Anything else that escapes is a bug of the grader and keeps its traceback. A problem
with one student's file is not an error at all: it earns that notebook 0 with the
reason (``notebook.SubmissionError``) and grading goes on.
"""

from __future__ import annotations


class GradingError(Exception):
    """Something about the course, the submissions or the options is wrong; the
    message says what and how to fix it."""


class CourseNotFoundError(GradingError):
    """No course (a folder with ``solutions/``) where one was expected."""


class SubmissionsNotFoundError(GradingError):
    """The submissions folder is missing, empty or laid out in a way we cannot read."""


class AssignmentError(GradingError):
    """An assignment's reference notebook or hidden checks are missing or inconsistent."""


class SandboxError(GradingError):
    """No sandbox can be started as configured."""


class StudentCopyError(GradingError):
    """The student copy cannot be written, or would reveal solutions."""
