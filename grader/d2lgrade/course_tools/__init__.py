"""Tooling for the people who maintain the course (not for grading): ``d2l-course``."""
