"""One form of a data dictionary made into a native instrument definition (a dict)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from buoy.instruments.domain.definition import SCORING_METHODS
from buoy.instruments.domain.interop_errors import InteropError
from buoy.instruments.domain.redcap.calc import Aggregate, Term, parse_calculation
from buoy.instruments.domain.redcap.fields import (
    INT,
    NUMBER,
    NUMBER_VALIDATIONS,
    DictionaryField,
    Value,
    plain_text,
    shorten,
)
from buoy.instruments.domain.response_sets import ResponseSets

_MISSING_LABEL = re.compile(r"don'?t know|do not know|declin|prefer not|refus", re.IGNORECASE)
_RULE_TAG = re.compile(r"@BUOY-RULE\s*=\s*'(\{[^']*\})'")


def _value_of_code(code: str) -> Value:
    if INT.fullmatch(code):
        return int(code)
    return code


def _score_of_code(code: str) -> float | None:
    return float(code) if NUMBER.fullmatch(code) else None


def checkbox_item_id(field_name: str, code: str) -> str:
    """The flat-export column (and Buoy item id) of one checkbox option."""
    return f"{field_name}___{re.sub(r'[^a-z0-9_]', '_', code.lower())}"


def _humanise(form: str) -> str:
    text = form.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def instrument_id_for_form(form: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "_", form.lower()).strip("_")
    return slug or "form"


@dataclass
class _OptionDraft:
    value: Value
    score: float | None
    label: str
    code: str


@dataclass
class _ItemDraft:
    id: str
    kind: str  # choice | number | text | yesno
    text: str
    field: DictionaryField
    options: list[_OptionDraft] | None = None
    scorable: bool = False  # may be summed
    reverse: bool = False
    weight: float = 1.0
    scored: bool = False
    minimum: float | None = None
    maximum: float | None = None
    checkbox_code: str | None = None


@dataclass
class _RuleDraft:
    id: str
    field: DictionaryField
    method: str
    items: list[str]
    min_answered: int
    multiplier: float


class FormBuilder:
    """Builds one form's instrument definition, with the notes that say what was read how."""

    def __init__(
        self,
        form: str,
        fields: list[DictionaryField],
        *,
        record_id_field: str,
        all_fields: Mapping[str, DictionaryField],
        source: str,
        language: str,
    ) -> None:
        self.form = form
        self.fields = fields
        self.record_id_field = record_id_field
        self.all_fields = all_fields
        self.source = source
        self.language = language
        self.items: dict[str, _ItemDraft] = {}
        self.checkbox_items: dict[str, dict[str, str]] = {}  # field -> code -> item id
        self.calcs: dict[str, DictionaryField] = {}
        self.notes: list[str] = []
        self.calculations: list[dict[str, Any]] = []
        self.other_fields: list[dict[str, str]] = []
        self.sliders: dict[str, list[str]] = {}
        self.missing: dict[str, set[str]] = {}

    def note(self, text: str) -> None:
        self.notes.append(text)

    # items

    def collect_items(self) -> None:
        """Every field of the form as an item draft (a checkbox as one per option); calc
        fields set aside for the rules, fields with nothing to answer kept as they are."""
        for f in self.fields:
            if f.name == self.record_id_field:
                continue
            annotation = f.other.get("field_annotation", "")
            text = "" if "@BUOY-NO-WORDING" in annotation else plain_text(f.label)
            if f.type in ("radio", "dropdown"):
                self.add_choice(f, text, yesno="@BUOY-YESNO" in annotation)
            elif f.type == "checkbox":
                self.add_checkboxes(f, text)
            elif f.type in ("yesno", "truefalse"):
                yes, no = ("Yes", "No") if f.type == "yesno" else ("True", "False")
                options = [_OptionDraft(1, 1.0, yes, "1"), _OptionDraft(0, 0.0, no, "0")]
                self.add(_ItemDraft(f.name, "yesno", text, f, options, scorable=True))
            elif f.type == "slider":
                self.add_slider(f, text)
            elif f.type == "text" and f.validation.startswith(NUMBER_VALIDATIONS):
                low, high = _number_or_none(f.minimum), _number_or_none(f.maximum)
                self.add(_ItemDraft(f.name, "number", text, f, minimum=low, maximum=high))
            elif f.type in ("text", "notes"):
                self.add(_ItemDraft(f.name, "text", text, f))
            elif f.type == "calc":
                self.calcs[f.name] = f
            else:
                self.other_fields.append({"field": f.name, "type": f.type, "label": text})
        for item in self.items.values():
            if item.field.identifier:
                item.scorable = False

    def add_choice(self, f: DictionaryField, text: str, *, yesno: bool) -> None:
        """A radio or dropdown field: scorable when every code is a number."""
        options = [
            _OptionDraft(_value_of_code(code), _score_of_code(code), plain_text(lbl), code)
            for code, lbl in f.choices
        ]
        numeric = all(o.score is not None for o in options)
        if not numeric:
            for o in options:
                o.score = None
        kind = "yesno" if yesno else "choice"
        self.add(_ItemDraft(f.name, kind, text, f, options, scorable=numeric))

    def add_checkboxes(self, f: DictionaryField, text: str) -> None:
        """A checkbox field: one yes/no item per option, named as REDCap's export column."""
        codes: dict[str, str] = {}
        for code, lbl in f.choices:
            item_id = checkbox_item_id(f.name, code)
            codes[code] = item_id
            option_text = plain_text(lbl)
            self.add(
                _ItemDraft(
                    item_id,
                    "yesno",
                    f"{text} — {option_text}" if text else option_text,
                    f,
                    [_OptionDraft(0, 0.0, "Unchecked", "0"), _OptionDraft(1, 1.0, "Checked", "1")],
                    scorable=True,
                    checkbox_code=code,
                )
            )
        self.checkbox_items[f.name] = codes

    def add_slider(self, f: DictionaryField, text: str) -> None:
        """A slider: a number item, 0–100 unless the dictionary says otherwise."""
        low = _number_or_none(f.minimum)
        high = _number_or_none(f.maximum)
        self.add(
            _ItemDraft(
                f.name,
                "number",
                text,
                f,
                scorable=True,
                minimum=0.0 if low is None else low,
                maximum=100.0 if high is None else high,
            )
        )
        if f.slider_labels:
            self.sliders[f.name] = [plain_text(label) for label in f.slider_labels]

    def add(self, item: _ItemDraft) -> None:
        if item.id in self.items or (item.id in self.all_fields and item.id != item.field.name):
            raise InteropError(
                self.source,
                item.field.row,
                "field name",
                f'the checkbox option column "{item.id}" collides with another field',
            )
        self.items[item.id] = item

    # rules

    def resolve(
        self, parsed: Aggregate | Term, depth: int = 0
    ) -> tuple[str, list[Term], float] | str:
        """(method, item terms, multiplier), or the reason the calculation is not a rule."""
        if isinstance(parsed, Term):
            return "a single field is not a total"
        terms: list[Term] = []
        for term in parsed.terms:
            resolved = self.resolve_term(term, parsed.method, depth)
            if isinstance(resolved, str):
                return resolved
            terms.extend(resolved)
        ids = [t.field for t in terms]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            return f'it counts "{duplicates[0]}" more than once'
        method = parsed.method
        if method == "mean" and any(t.weight != 1 for t in terms):
            return "a weighted mean is not a Buoy scoring rule"
        return ("mean" if method == "mean" else "sum"), terms, parsed.multiplier

    def resolve_term(self, term: Term, outer: str, depth: int) -> list[Term] | str:
        name = term.field
        if term.code is not None:
            codes = self.checkbox_items.get(name)
            if codes is None or term.code not in codes:
                return f'"[{name}({term.code})]" is not a checkbox option of this form'
            return [Term(codes[term.code], None, term.reverse_from, term.weight, term.missing)]
        if name in self.checkbox_items:
            return f'"{name}" is a checkbox; name one option, like [{name}(1)]'
        if name in self.items:
            item = self.items[name]
            if item.kind == "text":
                return f'it refers to "{name}", a text field'
            if item.field.identifier:
                return f'it refers to "{name}", an identifier'
            return [term]
        if name in self.calcs and depth < 5:
            inner = parse_calculation(self.calcs[name].calculation)
            if isinstance(inner, Term) and inner.missing and inner.code is None:
                if term.missing:
                    return f'"{name}" recodes missing values twice'
                return self.resolve_term(
                    Term(inner.field, None, term.reverse_from, term.weight, inner.missing),
                    outer,
                    depth + 1,
                )
            if (
                isinstance(inner, Aggregate)
                and inner.method in ("sum", "plus")
                and outer in ("sum", "plus")
                and inner.multiplier == 1
                and term.weight == 1
                and term.reverse_from is None
                and not term.missing
            ):
                resolved = self.resolve(inner, depth + 1)
                if isinstance(resolved, str):
                    return f'"{name}" cannot be added up: {resolved}'
                return resolved[1]
            return f'it uses "{name}", a calculation that is not a plain sum'
        if name in self.all_fields:
            other = self.all_fields[name]
            if other.form != self.form:
                return f'it refers to "{name}" on the form "{other.form}"'
            return f'it refers to "{name}", a {other.type} field'
        return f'it refers to "{name}", which the dictionary does not define'

    def make_rules(self) -> list[_RuleDraft]:
        rules: list[_RuleDraft] = []
        reverse: dict[str, bool] = {}
        weights: dict[str, float] = {}
        recodes: dict[str, tuple[str, ...]] = {}
        for f in self.calcs.values():
            parsed = parse_calculation(f.calculation)
            reason: str | None = None
            kept: dict[str, Any] = {
                "field": f.name,
                "row": f.row,
                "label": plain_text(f.label),
                "expression": f.calculation,
            }
            if parsed is None:
                reason = "Buoy scores only sum(), mean() and [a]+[b]+… of this form's answers"
            elif isinstance(parsed, Term) and parsed.missing:
                kept["used_as"] = "missing-code recode"
                self.calculations.append(kept)
                continue
            else:
                resolved = self.resolve(parsed)
                if isinstance(resolved, str):
                    reason = resolved
                else:
                    method, terms, multiplier = resolved
                    reason = self.check_terms(terms, reverse, weights, recodes)
                    tagged = _RULE_TAG.search(f.other.get("field_annotation", "")) is not None
                    weighted = [t for t in terms if t.weight != 1]
                    if reason is None and not tagged and weighted:
                        reason = (
                            f'it multiplies an answer ("[{weighted[0].field}]*'
                            f'{weighted[0].weight:g}"): arithmetic, not a score'
                        )
                    elif (
                        reason is None
                        and not tagged
                        and isinstance(parsed, Aggregate)
                        and parsed.method == "plus"
                        and multiplier != 1
                    ):
                        reason = "it multiplies a sum of answers: arithmetic, not a score"
                    if reason is None:
                        for t in terms:
                            reverse[t.field] = t.reverse_from is not None
                            weights[t.field] = t.weight
                            if t.missing:
                                recodes[t.field] = t.missing
                        if method == "sum" and any(t.weight != 1 for t in terms):
                            method = "weighted_sum"
                        rule = _RuleDraft(
                            f.name, f, method, [t.field for t in terms], len(terms), multiplier
                        )
                        self.apply_rule_tag(rule)
                        rules.append(rule)
                        kept["used_as"] = "rule"
                        self.calculations.append(kept)
                        continue
            kept["reason"] = reason
            self.calculations.append(kept)
            self.note(
                f'{self.form}, row {f.row}, field "{f.name}": kept the calculation '
                f'"{shorten(f.calculation, 70)}" in extras; not scored because {reason}.'
            )
        for item_id, is_reverse in reverse.items():
            self.items[item_id].reverse = is_reverse
            self.items[item_id].weight = weights[item_id]
        for item_id, codes in recodes.items():
            self.mark_missing(item_id, codes)
        return rules

    def check_terms(
        self,
        terms: list[Term],
        reverse: dict[str, bool],
        weights: dict[str, float],
        recodes: dict[str, tuple[str, ...]],
    ) -> str | None:
        for t in terms:
            item = self.items[t.field]
            if t.reverse_from is not None:
                scores = [
                    o.score
                    for o in item.options or []
                    if o.score is not None and o.code not in t.missing
                ]
                if item.kind == "number" and item.minimum is not None and item.maximum is not None:
                    scores = [item.minimum, item.maximum]
                if not scores or t.reverse_from != min(scores) + max(scores):
                    return (
                        f'"{t.reverse_from:g}-[{t.field}]" does not mirror the options of '
                        f'"{t.field}" (reverse keying needs lowest + highest)'
                    )
            if t.field in reverse and reverse[t.field] != (t.reverse_from is not None):
                return f'"{t.field}" is reverse-keyed in one rule and not in another'
            if t.field in weights and weights[t.field] != t.weight:
                return f'"{t.field}" has different weights in different rules'
            if t.field in recodes and recodes[t.field] != t.missing:
                return f'"{t.field}" has different missing codes in different rules'
        return None

    def apply_rule_tag(self, rule: _RuleDraft) -> None:
        annotation = rule.field.other.get("field_annotation", "")
        match = _RULE_TAG.search(annotation)
        if match is None:
            return
        try:
            tag = json.loads(match.group(1))
            method = tag.get("method", rule.method)
            minimum = int(tag.get("min_answered", rule.min_answered))
            multiplier = float(tag.get("multiplier", rule.multiplier))
        except (ValueError, TypeError, AttributeError):
            self.note(
                f'{self.form}, row {rule.field.row}, field "{rule.field.name}": ignored an '
                "unreadable @BUOY-RULE annotation."
            )
            return
        if method not in SCORING_METHODS or not 1 <= minimum <= len(rule.items):
            self.note(
                f'{self.form}, row {rule.field.row}, field "{rule.field.name}": ignored the '
                f"@BUOY-RULE annotation (method {method!r}, min_answered {minimum})."
            )
            return
        rule.method, rule.min_answered, rule.multiplier = method, minimum, multiplier

    def mark_missing(self, item_id: str, codes: Iterable[str]) -> None:
        item = self.items[item_id]
        wanted = set(codes)
        marked = []
        for option in item.options or []:
            if option.code in wanted or (
                option.score is not None and f"{option.score:g}" in wanted
            ):
                option.score = None
                marked.append(option.code)
        if marked:
            self.missing.setdefault(item_id, set()).update(marked)

    def default_rule(self) -> _RuleDraft | None:
        def looks_missing(option: _OptionDraft) -> bool:
            return (
                option.score is not None
                and (option.score >= 77 or option.score < 0)
                and _MISSING_LABEL.search(option.label) is not None
            )

        def has_score(item: _ItemDraft) -> bool:
            return item.kind == "number" or any(
                o.score is not None and not looks_missing(o) for o in item.options or []
            )

        candidates = [i for i in self.items.values() if i.scorable and has_score(i)]
        if not candidates:
            return None
        scales = Counter(_scale_key(item) for item in candidates if item.kind == "choice")
        chosen = candidates
        description = f"all {len(candidates)} scorable items"
        if scales:
            key, count = scales.most_common(1)[0]
            if count >= 2:
                chosen = [i for i in candidates if i.kind == "choice" and _scale_key(i) == key]
                first = chosen[0].options or []
                scale = " | ".join(f"{o.code}, {o.label}" for o in first[:2])
                more = " | …" if len(first) > 2 else ""
                description = f'the {count} items that share the answer scale "{scale}{more}"'
        for item in chosen:
            codes = [o.code for o in item.options or [] if looks_missing(o)]
            if codes:
                self.mark_missing(item.id, codes)
        self.note(
            f"{self.form}: the dictionary has no sum or mean for this form; Buoy's total is "
            f"the sum of {description}, all required. Check it before relying on it."
        )
        return _RuleDraft("total", self.fields[0], "sum", [i.id for i in chosen], len(chosen), 1)

    def build(self) -> dict[str, Any] | None:
        self.collect_items()
        rules = self.make_rules()
        total_source = "calc"
        if rules:
            total = max(rules, key=lambda r: len(r.items))  # the first of equal ones wins
        else:
            default = self.default_rule()
            if default is None:
                kinds = Counter(f.type for f in self.fields if f.name != self.record_id_field)
                summary = ", ".join(f"{n} {kind}" for kind, n in kinds.items()) or "no fields"
                if any(f.identifier for f in self.fields):
                    summary += "; identifier fields are never scored"
                self.note(f"{self.form}: skipped, nothing to score ({summary}).")
                return None
            total = default
            rules = [default]
            total_source = "default"
        scored = {item_id for rule in rules for item_id in rule.items}
        for item in self.items.values():
            item.scored = item.id in scored
        for rule in rules:
            if total_source == "calc":
                exact = rule.min_answered == len(rule.items)
                self.note(
                    f"{self.form}: {'total' if rule is total else 'subscale ' + rule.id} = "
                    f"{rule.method} of {len(rule.items)} items, from the calc field "
                    f'"{rule.field.name}" (row {rule.field.row})'
                    + (
                        f"; REDCap adds whatever is answered, Buoy asks for all "
                        f"{len(rule.items)} (lower min_answered if the instrument allows "
                        "missing items)."
                        if exact
                        else f"; at least {rule.min_answered} answered (@BUOY-RULE)."
                    )
                )
        for item_id, codes in self.missing.items():
            item = self.items[item_id]
            labels = [o.label or o.code for o in item.options or [] if o.code in codes]
            self.note(
                f'{self.form}, row {item.field.row}, field "{item.field.name}": answers '
                f"{', '.join(sorted(codes))} ({'; '.join(labels)}) count as missing, "
                "not as scores."
            )
        if self.other_fields:
            names = ", ".join(f"{o['field']} ({o['type']})" for o in self.other_fields)
            self.note(f"{self.form}: kept in extras, nothing to answer or score: {names}.")
        return self.as_dict(total, [r for r in rules if r is not total], total_source)

    def as_dict(
        self, total: _RuleDraft, subscales: list[_RuleDraft], total_source: str
    ) -> dict[str, Any]:
        """The form as a native definition, its REDCap particulars in the extras."""
        response_sets = ResponseSets(self.language)
        items = [
            self.item_dict(item, number, response_sets)
            for number, item in enumerate(self.items.values(), start=1)
        ]
        return {
            "id": instrument_id_for_form(self.form),
            "version": "1",
            "name": {self.language: _humanise(self.form)},
            "licence": {
                "status": "licensed",
                "note": (
                    f"Imported from the REDCap data dictionary {self.source}; the file states "
                    "no licence, so the wording stays with this site."
                ),
            },
            "response_sets": response_sets.sets,
            "items": items,
            "total": self.rule_dict(total, "total"),
            "subscales": [self.rule_dict(s, s.id) for s in subscales],
            "extras": {
                "redcap_form": self.form,
                "source": {"format": "redcap-data-dictionary", "file": self.source},
                "total_source": total_source,
                "redcap": self.redcap_extras(total, total_source),
                "import_notes": list(self.notes),
            },
        }

    def item_dict(
        self, item: _ItemDraft, number: int, response_sets: ResponseSets
    ) -> dict[str, Any]:
        set_id = None
        if item.options is not None:
            set_id = response_sets.id_for(item.options, name=_set_name(item))
        entry: dict[str, Any] = {
            "id": item.id,
            "number": number,
            "kind": item.kind,
            "options": set_id,
            "scored": item.scored,
            "reverse": item.reverse,
            "weight": item.weight,
            "identifier": item.field.identifier,
        }
        if item.text:
            entry["text"] = {self.language: item.text}
        if item.minimum is not None:
            entry["min"] = item.minimum
        if item.maximum is not None:
            entry["max"] = item.maximum
        return entry

    def rule_dict(self, draft: _RuleDraft, rule_id: str) -> dict[str, Any]:
        label = plain_text(draft.field.label) if draft.field.type == "calc" else ""
        return {
            "id": rule_id,
            "method": draft.method,
            "items": draft.items,
            "min_answered": draft.min_answered,
            "multiplier": draft.multiplier,
            **({"label": {self.language: label}} if label else {}),
        }

    def redcap_extras(self, total: _RuleDraft, total_source: str) -> dict[str, Any]:
        """What REDCap needs back on export: fields, checkboxes, sliders, calculations."""
        checkboxes = {
            name: {
                "label": plain_text(self.fields_by_name(name).label),
                "options": [[code, item_id] for code, item_id in codes.items()],
            }
            for name, codes in self.checkbox_items.items()
        }
        redcap: dict[str, Any] = {
            "record_id_field": self.record_id_field,
            "fields": {f.name: _field_extras(f) for f in self.fields},
            "total_field": total.field.name if total_source == "calc" else None,
        }
        if checkboxes:
            redcap["checkboxes"] = checkboxes
        if self.sliders:
            redcap["sliders"] = self.sliders
        if self.calculations:
            redcap["calculations"] = self.calculations
        if self.other_fields:
            redcap["other_fields"] = self.other_fields
        if self.missing:
            redcap["missing_codes"] = {k: sorted(v) for k, v in self.missing.items()}
        return redcap

    def fields_by_name(self, name: str) -> DictionaryField:
        return next(f for f in self.fields if f.name == name)


def _field_extras(f: DictionaryField) -> dict[str, Any]:
    """A field's type, row and kept columns, for writing the dictionary back."""
    entry = {"type": f.type, "row": f.row, **dict(f.other)}
    if f.validation:
        entry["validation"] = f.validation
    if f.minimum:
        entry["validation_min"] = f.minimum
    if f.maximum:
        entry["validation_max"] = f.maximum
    if f.identifier:
        entry["identifier"] = True
    return entry


def _scale_key(item: _ItemDraft) -> tuple[Any, ...]:
    return tuple((o.code, o.label) for o in item.options or [])


def _set_name(item: _ItemDraft) -> str:
    """What a new response set is called: after its field type, or the first item with it."""
    if item.checkbox_code is not None:
        return "checkbox"
    return item.field.type if item.field.type in ("yesno", "truefalse") else item.id


def _number_or_none(text: str) -> float | None:
    text = text.strip()
    return float(text) if NUMBER.fullmatch(text) else None
