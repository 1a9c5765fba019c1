"""nbgrader configuration: solutions/ holds the instructor notebooks (nbgrader's
"source"), exercises/ the generated student versions (nbgrader's "release")."""

c = get_config()  # noqa: F821 (nbgrader injects get_config)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
# Hidden checks sit beside each reference notebook and must never reach students.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "hidden_checks.py",
]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
