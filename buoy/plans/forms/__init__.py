"""Forms of the plans pages, one module per part (plans, sessions, ...)."""
