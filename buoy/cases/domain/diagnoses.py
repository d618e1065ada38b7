"""The children's diagnoses Buoy's casework model is built around (reference.md, introduction).

A short list of common ICD-10 codes to choose from; any other valid-looking code may be entered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ICD10_PATTERN = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


@dataclass(frozen=True)
class Diagnosis:
    """An ICD-10 code, its labels in English and Simplified Chinese, and its disease group."""

    code: str
    label: str
    label_zh: str
    group: str

    def label_in(self, language: str) -> str:
        """The label in `language` (a Django language code); English when not Chinese."""
        return self.label_zh if language.lower().startswith("zh") else self.label


COMMON_DIAGNOSES: tuple[Diagnosis, ...] = (
    Diagnosis("C91.0", "Acute lymphoblastic leukaemia", "急性淋巴细胞白血病", "leukaemia"),
    Diagnosis("C92.0", "Acute myeloid leukaemia", "急性髓系白血病", "leukaemia"),
    Diagnosis("C71.9", "Malignant neoplasm of brain", "脑恶性肿瘤", "other_cancer"),
    Diagnosis("C74.9", "Neuroblastoma (adrenal gland)", "神经母细胞瘤（肾上腺）", "other_cancer"),
    Diagnosis("C64", "Nephroblastoma (Wilms tumour)", "肾母细胞瘤（Wilms瘤）", "other_cancer"),
    Diagnosis(
        "C40.2", "Osteosarcoma of long bones of lower limb", "下肢长骨骨肉瘤", "other_cancer"
    ),
    Diagnosis("C83.3", "Diffuse large B-cell lymphoma", "弥漫大B细胞淋巴瘤", "other_cancer"),
    Diagnosis("Q21.3", "Tetralogy of Fallot", "法洛四联症", "congenital_heart"),
    Diagnosis("Q21.1", "Atrial septal defect", "房间隔缺损", "congenital_heart"),
    Diagnosis("Q20.3", "Transposition of the great arteries", "大动脉转位", "congenital_heart"),
    Diagnosis("N18.5", "Chronic kidney disease, stage 5", "慢性肾脏病5期", "kidney_failure"),
    Diagnosis("N04.9", "Nephrotic syndrome", "肾病综合征", "kidney_failure"),
    Diagnosis("D56.1", "Beta thalassaemia", "β地中海贫血", "thalassaemia"),
    Diagnosis("D56.0", "Alpha thalassaemia", "α地中海贫血", "thalassaemia"),
)

_BY_CODE = {d.code: d for d in COMMON_DIAGNOSES}


def normalise_icd10(code: str) -> str:
    """Upper-case and trim a code: ' c91.0 ' → 'C91.0'."""
    return code.strip().upper()


def is_valid_icd10(code: str) -> bool:
    """Does the code have ICD-10's shape (letter, two characters, optional subdivision)?"""
    return bool(ICD10_PATTERN.match(normalise_icd10(code)))


def known_diagnosis(code: str) -> Diagnosis | None:
    """The entry of the common list for this code, if it is on it."""
    return _BY_CODE.get(normalise_icd10(code))
