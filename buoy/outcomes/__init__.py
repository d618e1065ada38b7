"""The evaluation of casework (issue 11): change per caregiver and per cohort, and what it
depends on. Pure statistics live in `domain/` (no Django); `buoy stats` (`commands/`) runs
them on a CSV without a database."""
