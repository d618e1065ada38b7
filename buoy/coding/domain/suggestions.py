"""Learned code suggestions: which codes a coder might apply to a sentence, and how sure.

`train(examples)` learns from segments people have already coded: each example is a
segment's text and the ids of the codes applied to it (an empty list is allowed and makes a
useful "none of these" example, e.g. uncoded sentences from coded transcripts). It returns a
`SuggestionModel`; `model.suggest(sentences)` lists, per sentence, the codes whose estimated
probability reaches the threshold, most likely first. A person always decides.

How it works:

- Features: TF-IDF over the sentence's words (`words(text, search=False)`: jieba's precise
  Chinese words and Latin words) as unigrams and bigrams, next to TF-IDF over character 2–3
  grams of the lower-cased NFKC text, which still match when jieba cuts a word differently
  or a coder writes a variant (借钱 / 借了钱). Each block keeps its 30,000 most frequent
  terms, uses sublinear term frequency and smoothed IDF, and is L2-normalised (as
  scikit-learn's `TfidfVectorizer` does).
- One binary logistic regression per code (one-vs-rest; liblinear on the dual problem,
  ``class_weight="balanced"`` because most codes are rare), so one segment can get several
  codes.
- A code needs `min_examples_per_code` examples to be modelled; codes with fewer, and a code
  present in every example (nothing to tell it apart from), are listed in
  `model.skipped_codes` with their counts.
- Quality per code (`model.quality`): out-of-fold predictions from stratified K-fold
  cross-validation (`folds`, fewer when a code has fewer examples), thresholded at 0.5,
  pooled over the folds: precision (of the sentences the model would suggest the code for,
  the share coders had coded with it), recall, and support (examples with the code). Compare
  precision with the code's share of all examples, `support / model.n_examples`: that is the
  precision of suggesting it at random. The vocabulary and IDF weights are computed once
  from all example texts (no codes are used for that); only the classifiers are refitted per
  fold, which keeps training time linear in the number of codes.
- Everything is seeded from `random_state`: the same examples give the same model.

Storage (`to_bytes` / `from_bytes`): a versioned container holding numbers and words only —
codes, quality and vocabularies as JSON, IDF weights and coefficients as NumPy arrays loaded with
``allow_pickle=False`` — so loading a stored model never runs code from it. A SHA-256 digest
catches corruption and truncation; it is not a signature, so Buoy loads only models it made
and stored itself. A model stored by another format version is refused (`ModelFormatError`):
train again, which takes seconds.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]  # scipy ships no type hints
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize

from buoy.coding.domain.sentences import Span, split_sentences
from buoy.coding.domain.words import words

FORMAT_VERSION = 1
_MAGIC = b"BUOYSUGG"
_HEADER = len(_MAGIC) + 1 + hashlib.sha256().digest_size
# Word unigrams+bigrams and character 2–3 grams; at most this many of each (the most frequent).
_MAX_TERMS = 30_000


class ModelFormatError(ValueError):
    """Stored bytes are not a suggestion model this version of Buoy can load."""


@dataclass(frozen=True)
class CodeQuality:
    """Cross-validated quality of one code's suggestions at the 0.5 threshold.

    `precision` and `recall` are None when the examples were too few to cross-validate
    (fewer than two examples without the code).
    """

    precision: float | None
    recall: float | None
    support: int


@dataclass(frozen=True)
class Suggestion:
    """A code the model suggests, with its estimated probability (0–1)."""

    code: str
    confidence: float


@dataclass(frozen=True)
class _Features:
    """Fitted vocabularies and IDF weights of the two feature blocks."""

    word_terms: tuple[str, ...]
    word_idf: np.ndarray
    char_terms: tuple[str, ...]
    char_idf: np.ndarray

    @property
    def width(self) -> int:
        return len(self.word_terms) + len(self.char_terms)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows for `texts` (words, then characters), as in training."""
        return self.transform_documents(_word_documents(texts), _char_documents(texts))

    def transform_documents(self, word_docs: list[str], char_docs: list[str]) -> Any:
        """TF-IDF rows for texts already prepared by `_word_documents` and `_char_documents`."""
        blocks = [
            _tfidf(_word_vectorizer(self.word_terms), word_docs, self.word_idf),
            _tfidf(_char_vectorizer(self.char_terms), char_docs, self.char_idf),
        ]
        return sparse.hstack(blocks, format="csr")


class SuggestionModel:
    """Learned per-code classifiers; see the module docstring. Make one with `train`."""

    def __init__(
        self,
        *,
        features: _Features,
        codes: Sequence[str],
        coefficients: np.ndarray,
        intercepts: np.ndarray,
        quality: dict[str, CodeQuality],
        skipped_codes: dict[str, int],
        n_examples: int,
    ) -> None:
        self._features = features
        self.codes: tuple[str, ...] = tuple(codes)
        # float32 in memory too, so a stored and reloaded model computes exactly the same.
        self._coefficients = np.asarray(coefficients, dtype=np.float32)
        self._intercepts = np.asarray(intercepts, dtype=np.float64)
        self.quality = quality
        self.skipped_codes = skipped_codes
        self.n_examples = n_examples

    def probabilities(self, sentences: Sequence[str]) -> np.ndarray:
        """Estimated probability of each code (columns, in `codes` order) for each sentence."""
        if not sentences:
            return np.zeros((0, len(self.codes)))
        matrix = self._features.transform(sentences)
        return _probabilities(matrix, self._coefficients, self._intercepts)

    def suggest(
        self, sentences: Sequence[str], threshold: float = 0.5, top: int | None = 3
    ) -> list[list[Suggestion]]:
        """For each sentence, up to `top` codes with probability ≥ `threshold`, likeliest first.

        Ties are broken by code id, so the order is stable. ``top=None`` lists them all.
        """
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        if top is not None and top < 1:
            raise ValueError("top must be at least 1 (or None for all)")
        result: list[list[Suggestion]] = []
        for row in self.probabilities(sentences):
            ranked = sorted(
                (Suggestion(code, float(p)) for code, p in zip(self.codes, row, strict=True)),
                key=lambda s: (-s.confidence, s.code),
            )
            chosen = [s for s in ranked if s.confidence >= threshold]
            result.append(chosen if top is None else chosen[:top])
        return result

    def suggest_in_text(
        self, text: str, threshold: float = 0.5, top: int | None = 3
    ) -> list[tuple[Span, list[Suggestion]]]:
        """Split `text` into sentences and return those with suggestions, with their spans."""
        spans = split_sentences(text)
        found = self.suggest([text[s.start : s.end] for s in spans], threshold, top)
        return [(span, codes) for span, codes in zip(spans, found, strict=True) if codes]

    def to_bytes(self) -> bytes:
        """The model as bytes to store: format version, SHA-256 digest, then the contents."""
        meta = {
            "codes": list(self.codes),
            "quality": {c: [q.precision, q.recall, q.support] for c, q in self.quality.items()},
            "skipped_codes": self.skipped_codes,
            "n_examples": self.n_examples,
            "word_terms": list(self._features.word_terms),
            "char_terms": list(self._features.char_terms),
        }
        arrays = {
            "meta": np.frombuffer(
                json.dumps(meta, ensure_ascii=False, sort_keys=True).encode(), dtype=np.uint8
            ),
            "word_idf": self._features.word_idf,
            "char_idf": self._features.char_idf,
            "coefficients": self._coefficients,
            "intercepts": self._intercepts,
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                # A fixed date, so the same model always gives the same bytes and digest.
                entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(entry, "w") as handle:
                    np.lib.format.write_array(handle, np.ascontiguousarray(array))
        payload = buffer.getvalue()
        return _MAGIC + bytes([FORMAT_VERSION]) + hashlib.sha256(payload).digest() + payload

    @classmethod
    def from_bytes(cls, data: bytes) -> SuggestionModel:
        """Load a model stored by `to_bytes`; raises `ModelFormatError` for anything else."""
        if len(data) < _HEADER or not data.startswith(_MAGIC):
            raise ModelFormatError("these bytes are not a Buoy suggestion model")
        version = data[len(_MAGIC)]
        if version != FORMAT_VERSION:
            raise ModelFormatError(
                f"the model was stored in format {version}, this Buoy reads format "
                f"{FORMAT_VERSION}: train the model again"
            )
        digest, payload = data[len(_MAGIC) + 1 : _HEADER], data[_HEADER:]
        if hashlib.sha256(payload).digest() != digest:
            raise ModelFormatError("the stored model is damaged (its checksum does not match)")
        try:
            with np.load(io.BytesIO(payload), allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            meta = json.loads(arrays["meta"].tobytes().decode())
            return cls._from_parts(meta, arrays)
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as error:
            raise ModelFormatError(f"the stored model cannot be read: {error}") from error

    @classmethod
    def _from_parts(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> SuggestionModel:
        features = _Features(
            word_terms=tuple(meta["word_terms"]),
            word_idf=arrays["word_idf"],
            char_terms=tuple(meta["char_terms"]),
            char_idf=arrays["char_idf"],
        )
        codes = list(meta["codes"])
        coefficients, intercepts = arrays["coefficients"], arrays["intercepts"]
        if (
            coefficients.shape != (len(codes), features.width)
            or intercepts.shape != (len(codes),)
            or features.word_idf.shape != (len(features.word_terms),)
            or features.char_idf.shape != (len(features.char_terms),)
        ):
            raise ValueError("array shapes do not fit the vocabulary and codes")
        return cls(
            features=features,
            codes=codes,
            coefficients=coefficients,
            intercepts=intercepts,
            quality={c: CodeQuality(p, r, int(s)) for c, (p, r, s) in meta["quality"].items()},
            skipped_codes={c: int(n) for c, n in meta["skipped_codes"].items()},
            n_examples=int(meta["n_examples"]),
        )


def train(
    examples: Sequence[tuple[str, Sequence[str]]],
    *,
    min_examples_per_code: int = 5,
    folds: int = 5,
    random_state: int = 0,
) -> SuggestionModel:
    """Learn code suggestions from coded segments: ``[(text, [code id, …]), …]``.

    Raises ValueError when there are no examples, no code has enough of them, or the texts
    have nothing to learn from (no letters, digits or Han characters); TypeError when an
    example's codes are one string instead of a list.
    """
    if min_examples_per_code < 2:
        raise ValueError("min_examples_per_code must be at least 2")
    if folds < 2:
        raise ValueError("folds must be at least 2")
    if not examples:
        raise ValueError("there are no coded segments to learn from")
    if any(isinstance(codes, str) for _, codes in examples):
        # frozenset("R-ECO-01") would quietly become eight one-letter "codes".
        raise TypeError("each example's codes must be a list of code ids, not a string")
    texts = [text for text, _ in examples]
    labels = [frozenset(codes) for _, codes in examples]
    counts = Counter(code for codes in labels for code in codes)
    total = len(examples)
    modelled = sorted(c for c, n in counts.items() if min_examples_per_code <= n < total)
    skipped = {c: n for c, n in sorted(counts.items()) if c not in modelled}
    if not modelled:
        raise ValueError(
            f"no code has at least {min_examples_per_code} coded segments "
            "(and some segments without it) to learn from"
        )
    features, matrix = _fit_features(texts)
    quality: dict[str, CodeQuality] = {}
    coefficients = np.zeros((len(modelled), features.width), dtype=np.float32)
    intercepts = np.zeros(len(modelled))
    for i, code in enumerate(modelled):
        target = np.fromiter((code in codes for codes in labels), dtype=np.int8, count=total)
        quality[code] = _cross_validated(matrix, target, folds, random_state)
        coefficients[i], intercepts[i] = _fit_classifier(matrix, target, random_state)
    return SuggestionModel(
        features=features,
        codes=modelled,
        coefficients=coefficients,
        intercepts=intercepts,
        quality=quality,
        skipped_codes=skipped,
        n_examples=total,
    )


def _fit_features(texts: Sequence[str]) -> tuple[_Features, Any]:
    """The fitted features and the training texts' rows (jieba runs once per text)."""
    word_docs, char_docs = _word_documents(texts), _char_documents(texts)
    word_terms, word_idf = _fit_block(_word_vectorizer(None), word_docs)
    char_terms, char_idf = _fit_block(_char_vectorizer(None), char_docs)
    if not word_terms and not char_terms:
        raise ValueError("the coded segments have no words to learn from")
    features = _Features(word_terms, word_idf, char_terms, char_idf)
    return features, features.transform_documents(word_docs, char_docs)


def _fit_block(vectorizer: CountVectorizer, documents: list[str]) -> tuple[tuple[str, ...], Any]:
    """The block's terms (scikit-learn's order) and smoothed IDF: ln((1+n)/(1+df)) + 1."""
    try:
        counts = vectorizer.fit_transform(documents)
    except ValueError:  # every document empty for this block (e.g. no Latin or Han words)
        return (), np.zeros(0)
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + counts.shape[0]) / (1 + frequency)) + 1.0
    return tuple(vectorizer.get_feature_names_out()), idf


def _tfidf(vectorizer: CountVectorizer | None, documents: list[str], idf: Any) -> Any:
    if vectorizer is None:
        return sparse.csr_matrix((len(documents), 0))
    counts = vectorizer.transform(documents).astype(np.float64)
    counts.data = 1.0 + np.log(counts.data)  # sublinear tf: the tenth "debt" adds little
    return normalize(counts @ sparse.diags(idf), norm="l2", copy=False)


def _word_vectorizer(terms: Sequence[str] | None) -> Any:
    if terms is not None and not terms:
        return None
    return CountVectorizer(
        token_pattern=r"[^ ]+",  # noqa: S106 - a regular expression, not a password
        lowercase=False,
        ngram_range=(1, 2),
        max_features=_MAX_TERMS,
        vocabulary=terms,
    )


def _char_vectorizer(terms: Sequence[str] | None) -> Any:
    if terms is not None and not terms:
        return None
    return CountVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 3),
        lowercase=False,
        max_features=_MAX_TERMS,
        vocabulary=terms,
    )


def _word_documents(texts: Sequence[str]) -> list[str]:
    return [" ".join(words(text, search=False)) for text in texts]


def _char_documents(texts: Sequence[str]) -> list[str]:
    return [unicodedata.normalize("NFKC", text).lower() for text in texts]


def _classifier(random_state: int) -> LogisticRegression:
    return LogisticRegression(
        # The dual problem is the faster one when features outnumber examples, as here.
        solver="liblinear",
        dual=True,
        class_weight="balanced",
        max_iter=1000,
        random_state=random_state,
    )


def _fit_classifier(matrix: Any, target: np.ndarray, random_state: int) -> tuple[Any, float]:
    fitted = _classifier(random_state).fit(matrix, target)
    return fitted.coef_[0].astype(np.float32), float(fitted.intercept_[0])


def _probabilities(matrix: Any, coefficients: np.ndarray, intercepts: np.ndarray) -> np.ndarray:
    """The logistic function of the decision values, written so it never overflows."""
    decision = np.asarray(matrix @ coefficients.T + intercepts, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -decision))


def _cross_validated(matrix: Any, target: np.ndarray, folds: int, random_state: int) -> CodeQuality:
    positives = int(target.sum())
    splits = min(folds, positives, len(target) - positives)
    if splits < 2:
        return CodeQuality(None, None, positives)
    predicted = np.zeros(len(target), dtype=np.int8)
    splitter = StratifiedKFold(n_splits=splits, shuffle=True, random_state=random_state)
    for train_rows, test_rows in splitter.split(np.zeros(len(target)), target):
        coefficients, intercept = _fit_classifier(
            matrix[train_rows], target[train_rows], random_state
        )
        probability = _probabilities(
            matrix[test_rows], coefficients[np.newaxis, :], np.array([intercept])
        )
        predicted[test_rows] = probability[:, 0] >= 0.5
    return CodeQuality(
        precision=float(precision_score(target, predicted, zero_division=0.0)),
        recall=float(recall_score(target, predicted, zero_division=0.0)),
        support=positives,
    )
