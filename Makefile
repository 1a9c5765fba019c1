# The commands of the README. Each sets up what it needs on first use.
.PHONY: book test pdf
book:
	bash scripts/book.sh
test:
	bash scripts/test.sh
pdf:
	bash scripts/pdf.sh
