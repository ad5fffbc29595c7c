"""The use cases the daemon, the CLI and the panel share: each lives here once."""
