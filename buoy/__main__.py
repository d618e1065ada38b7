"""`python -m buoy` is the same as the `buoy` command."""

from buoy.cli import main

raise SystemExit(main())
