"""`python -m terminal` is the same as the `terminal` command."""

from terminal.cli import main

raise SystemExit(main())
