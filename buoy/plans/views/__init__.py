"""Pages of the intervention model.

The package's modules, by page: :mod:`.section` (the case page's plans section, composed of
each part's ``section_context``), :mod:`.maps` (the strengths–risk map), :mod:`.suggestions`,
:mod:`.plans` (plans, GAS goals and reviews), :mod:`.sessions` (sessions and support groups),
:mod:`.referrals`, :mod:`.library` (technique library, resource directory, suggestion rules)
and :mod:`.today` (the worker's today page, the supervisor's overdue view); :mod:`.shared`
holds what they share. `urls.py` names the views by module.
"""
