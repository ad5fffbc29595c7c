"""The `radiod` command line: the roof of the house. One module per area; nothing else imports it."""

from radiod.cli.main import main

__all__ = ["main"]
