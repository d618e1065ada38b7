"""The scoring benchmark's floor: pandas reads the CSV, numpy sums each row's ten items.

Run by :mod:`buoy.bench.scoring` as ``python -m buoy.bench.scoring_floor FILE.csv``, timed as
a whole process; it prints one JSON line with the rows read, their sum, and the time (wall and
CPU) of the read and sum alone, imports excluded.
"""

from __future__ import annotations

import json
import sys
import time

# Taken before pandas and numpy are imported, so that their import time can be reported apart.
STARTED = time.perf_counter()


def main(argv: list[str]) -> None:
    """Read and sum `argv[0]`; print the figures as JSON."""
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped]  # a dev dependency without stubs

    imported = time.perf_counter()
    imported_cpu = time.process_time()
    frame = pd.read_csv(argv[0])
    items = [f"item{i}" for i in range(1, 11)]
    totals = np.nansum(frame[items].to_numpy(dtype="float64"), axis=1)
    done = time.perf_counter()
    done_cpu = time.process_time()
    figures = {
        "rows": len(totals),
        "sum": float(totals.sum()),
        "read_sum_seconds": done - imported,
        "read_sum_cpu": done_cpu - imported_cpu,
        "import_seconds": imported - STARTED,
    }
    print(json.dumps(figures))  # the parent reads this line


if __name__ == "__main__":
    main(sys.argv[1:])
