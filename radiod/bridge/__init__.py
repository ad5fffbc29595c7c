"""Liquidsoap as a supervised subprocess: render the script, run it, serve it items, read its plays."""
