"""How far the batch scorer's tables and batches may grow: memory stays bounded by these."""

TABLE_LIMIT = 65_536  # entries per lookup table: bounds memory whatever the input
BATCH_LINES = 1024  # lines read, scored and written together
TEXT_TABLE_LIMIT = 20_000  # answer combinations per chunk for the text-slice tables
KEPT_CELL_LIMIT = 64  # characters of refused answers in a row beyond which none is kept
