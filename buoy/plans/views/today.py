"""The worker's today page and the supervisor's overdue view."""
