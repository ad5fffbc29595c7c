"""`python -m radiod.cli` runs the `radiod` command."""

from radiod.cli.main import main

main()
