"""Pages of the department's technique library, resource directory and suggestion rules."""
