"""An imported definition whose id is a bundled instrument's: its own id, or a replacement
that keeps the bundled instrument's safety rules, bands, norms and licence.

A REDCap form named ``phq9`` or a FHIR Questionnaire named ``who5`` carries no safety rule,
band or licence: REDCap and FHIR have no place for them. Installed as the bundled instrument's
next version, it would silently stop PHQ-9 item 9 from alerting anyone. So, unless the person
importing asks to replace the bundled instrument, the import gets its own id (`own_id`); and a
replacement carries the bundled rules over (`carry_bundled_rules`), or says which it could not
carry, so that they are dropped only on purpose, with a reason.
No Django here: the service decides, stores and records.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from buoy.instruments.domain.definition import Band, Instrument, SafetyRule

ID_MAX_LENGTH = 60  # InstrumentVersion.instrument_id


def own_id(instrument_id: str, origin: str, bundled_ids: frozenset[str]) -> str:
    """The id an import gets when its own is a bundled instrument's: the id and where it came
    from (``phq9`` from REDCap becomes ``phq9_redcap``), so importing the same form again
    finds the same instrument and makes its next version."""
    suffix = f"_{origin}"
    candidate = instrument_id[: ID_MAX_LENGTH - len(suffix)] + suffix
    number = 2
    while candidate in bundled_ids:
        tail = f"{suffix}_{number}"
        candidate = instrument_id[: ID_MAX_LENGTH - len(tail)] + tail
        number += 1
    return candidate


def rule_can_fire(instrument: Instrument, rule: SafetyRule) -> bool:
    """Whether `rule` watches an item of `instrument` that can be answered above its threshold.

    A rule on a missing item, a text item, or a choice whose values never exceed the threshold
    would never alert anyone: it cannot be carried over, only dropped on purpose.
    """
    try:
        item = instrument.item(rule.item)
    except KeyError:
        return False
    if item.kind == "text":
        return False
    if item.kind == "yesno":
        return rule.above < 1
    if item.kind == "number":
        return item.maximum is None or item.maximum > rule.above
    response_set = instrument.response_set_of(item)
    if response_set is None:
        return False
    return any(
        not isinstance(option.value, str) and float(option.value) > rule.above
        for option in response_set.options
    )


def band_fits(instrument: Instrument, band: Band) -> bool:
    """Whether `band` is on a scale `instrument` scores (its total or one of its subscales)."""
    return band.scale == "total" or band.scale in {rule.id for rule in instrument.subscales}


def describe_band(band: Band) -> str:
    """``total 10–14 (Moderate)``: a band as a replacement's report names it."""
    label = band.label.get("en") or next(iter(band.label.values()), "")
    return f"{band.scale} {band.low:g}–{band.high:g}" + (f" ({label})" if label else "")


@dataclass(frozen=True)
class Carried:
    """An imported definition with what it could take over from the bundled instrument.

    `instrument` is what a replacement would install. `kept_rules` and `kept_bands` were
    carried over; `dropped_rules` and `dropped_bands` could not be (they name items or scales
    the import lacks) and are lost unless the file is changed. The licence and norms are
    always the bundled instrument's.
    """

    instrument: Instrument
    kept_rules: tuple[str, ...]
    dropped_rules: tuple[str, ...]
    kept_bands: tuple[str, ...]
    dropped_bands: tuple[str, ...]

    @property
    def drops_anything(self) -> bool:
        return bool(self.dropped_rules or self.dropped_bands)


def carry_bundled_rules(imported: Instrument, bundled: Instrument) -> Carried:
    """`imported` under the bundled id, with the bundled safety rules, bands, norms and licence.

    The bundled instrument wins where both have something: its safety rules (by id), its bands
    on every scale it bands, its norms (by id) and its licence. The import keeps what the
    bundled instrument does not have (its own rules, bands on other scales, norms). Provenance
    goes into `extras["replaces_bundled"]`, which the stored definition keeps.
    """
    fitting_rules = [rule for rule in bundled.safety_rules if rule_can_fire(imported, rule)]
    dropped_rules = tuple(r.id for r in bundled.safety_rules if r not in fitting_rules)
    bundled_rule_ids = {rule.id for rule in bundled.safety_rules}
    rules = (
        *fitting_rules,
        *(rule for rule in imported.safety_rules if rule.id not in bundled_rule_ids),
    )
    fitting_bands = [band for band in bundled.bands if band_fits(imported, band)]
    dropped_bands = tuple(describe_band(b) for b in bundled.bands if b not in fitting_bands)
    banded = {band.scale for band in bundled.bands}
    bands = (*fitting_bands, *(band for band in imported.bands if band.scale not in banded))
    bundled_norm_ids = {norm.id for norm in bundled.norms}
    norms = (
        *bundled.norms,
        *(norm for norm in imported.norms if norm.id not in bundled_norm_ids),
    )
    kept_rules = tuple(rule.id for rule in fitting_rules)
    kept_bands = tuple(describe_band(band) for band in fitting_bands)
    extras = dict(imported.extras)
    extras["replaces_bundled"] = {
        "instrument": bundled.id,
        "version": bundled.version,
        "kept_safety_rules": list(kept_rules),
        "dropped_safety_rules": list(dropped_rules),
        "kept_bands": list(kept_bands),
        "dropped_bands": list(dropped_bands),
    }
    carried = dataclasses.replace(
        imported,
        id=bundled.id,
        licence=bundled.licence,
        safety_rules=rules,
        bands=bands,
        norms=norms,
        extras=extras,
    )
    return Carried(carried, kept_rules, dropped_rules, kept_bands, dropped_bands)
