"""`python -m imprimfip` is the `imprimfip` command."""

from imprimfip.service.cli import main

raise SystemExit(main())
