"""Pages of the department's suggestion rules: versions, editing, what changed."""
