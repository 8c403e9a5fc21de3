"""`python -m pmstudio` runs the command line (same entry point as the `pmstudio` script)."""

from pmstudio.cli import main

main()
