# The two commands of the README. Each sets up what it needs on first use.
.PHONY: book test
book:
	bash scripts/book.sh
test:
	bash scripts/test.sh
