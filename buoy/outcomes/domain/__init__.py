"""Pure statistics of the evaluation (no Django import): reliable change and clinical
significance per caregiver, paired pre/post statistics per cohort, proportions with Newcombe
intervals, and the regression of change on moderators. docs/statistics.md gives the formulas."""
