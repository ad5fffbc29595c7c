"""radiod: community radio automation and playout."""

__version__ = "0.1.0"
