# The commands of the README. Each sets up what it needs on first use.
.PHONY: book test pdf mutants
book:
	bash scripts/book.sh
test:
	bash scripts/test.sh
pdf:
	bash scripts/pdf.sh
# Not part of CI: apply each curated mutation to a copy of the course and check that
# a test catches it (scripts/mutants.py; several minutes).
mutants:
	bash -c 'source scripts/common.sh && python scripts/mutants.py'
