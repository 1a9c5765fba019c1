"""The instructor's term around grading: roster, deadlines, late policy, submission times,
LMS export, similarity evidence and what changed since the last run.

Each module holds one concern and none of them changes how a notebook is graded: they
read what the instructor keeps (``course.toml``, the roster, an LMS download) and what
``batch.grade_class`` returns, and write reports beside the gradebook.
"""
