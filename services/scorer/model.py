"""The learned content model: two ordinal logistic heads over rule features and character n-grams.

Head ``not_noise`` estimates P(class > noise), head ``signal`` P(class = signal).  Their outputs map onto the
content bands of `scoring.py` so that, at neutral context, the model's ordinal decision is the class:
P(not noise) < ½ → content < 0.15 (noise, held there by the content ceiling); P(signal) > ½ → content > 0.75
(signal); otherwise weak, placed in the band by both probabilities (see `content_from`).  The weights live in a
small JSON artefact produced by `training.py` with a fixed seed; inference is pure Python (a dict lookup per
n-gram), so no ML library is needed at run time.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Final

import msgspec

from services.scorer.features import text_words, word_grams
from services.scorer.rules import RULE_FEATURES, RuleEvidence

__all__ = [
    "DEFAULT_MODEL_PATH",
    "ContentModel",
    "Head",
    "configured_model",
    "content_from",
    "default_model",
    "load_model",
]

DEFAULT_MODEL_PATH: Final = Path(__file__).with_name("content_model.json")
NOISE_BAND: Final = 0.15  # content below this is noise whatever the context (see scoring.content_ceiling)
SIGNAL_BAND: Final = 0.75
_MAX_CACHED_WORDS: Final = 200_000  # content above this is signal at neutral context (0.3 + 0.4 * 0.75 = 0.60)


class Head(msgspec.Struct, frozen=True):
    bias: float
    rules: tuple[float, ...]  # one weight per RULE_FEATURES entry


class ContentModel(msgspec.Struct, frozen=True, kw_only=True):
    """Weights of both heads; `grams` maps an n-gram to its (not_noise, signal) weights."""

    not_noise: Head
    signal: Head
    grams: dict[str, tuple[float, float]]
    trained_on: int = 0  # messages, for the record
    seed: int = 0
    # word → (n-grams, Σ not_noise weights, Σ signal weights): the hot path, filled as words are met.
    words: dict[str, tuple[int, float, float]] = msgspec.field(default_factory=dict)

    def _word(self, word: str) -> tuple[int, float, float]:
        found = self.words.get(word)
        if found is None:
            grams = word_grams(word)
            lookup = self.grams.get
            w_any = w_signal = 0.0
            for gram in grams:
                weights = lookup(gram)
                if weights is not None:
                    w_any += weights[0]
                    w_signal += weights[1]
            if len(self.words) >= _MAX_CACHED_WORDS:
                self.words.clear()
            found = self.words[word] = (len(grams), w_any, w_signal)
        return found

    def probabilities(self, text: str, evidence: RuleEvidence) -> tuple[float, float]:
        """(P(not noise), P(signal)) of a text whose rule evidence is already known."""
        z_any, z_signal = self.not_noise.bias, self.signal.bias
        count, g_any, g_signal = 0, 0.0, 0.0
        for word in text_words(text):
            n, w_any, w_signal = self._word(word)
            count += n
            g_any += w_any
            g_signal += w_signal
        if count:
            scale = 1.0 / math.sqrt(count)  # as in training: the bag of n-grams scaled by 1/sqrt of its size
            z_any += g_any * scale
            z_signal += g_signal * scale
        for value, w_any, w_signal in zip(evidence.features(), self.not_noise.rules, self.signal.rules, strict=True):
            z_any += w_any * value
            z_signal += w_signal * value
        return _sigmoid(z_any), _sigmoid(z_signal)

    def content(self, text: str, evidence: RuleEvidence) -> float:
        return content_from(*self.probabilities(text, evidence))


def _sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def content_from(p_not_noise: float, p_signal: float) -> float:
    """Content factor from the two heads, monotone in each and banded by their ordinal decision."""
    if p_not_noise < 0.5:
        return NOISE_BAND * p_not_noise / 0.5 * 0.99  # stays strictly below the noise band
    if p_signal <= 0.5:
        # Inside the weak band the position grows with P(signal) and, at low P(signal), with how sure the message
        # is not noise: a confident weak message (P(not noise) ≈ 1, P(signal) ≈ 0) sits mid-band (0.45, score 0.48 at
        # neutral context), not at the noise edge where the content ceiling would stop context from lifting it.
        towards_signal = p_signal / 0.5
        position = towards_signal + (1.0 - towards_signal) * 0.5 * (p_not_noise - 0.5) / 0.5
        return NOISE_BAND + (SIGNAL_BAND - NOISE_BAND) * position
    return SIGNAL_BAND + (1.0 - SIGNAL_BAND) * (p_signal - 0.5) / 0.5 + 1e-6


def load_model(path: str | Path) -> ContentModel:
    """Read a model artefact; refuses one trained on a different rule feature list."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if tuple(data.get("rule_features", ())) != RULE_FEATURES:
        raise ValueError(f"{path}: model was trained on other rule features; retrain with services.scorer.training")
    return msgspec.convert(
        {k: data[k] for k in ("not_noise", "signal", "grams", "trained_on", "seed") if k in data}, ContentModel
    )


@cache
def default_model() -> ContentModel | None:
    """The shipped model, or None (rules alone) when the artefact is missing."""
    return load_model(DEFAULT_MODEL_PATH) if DEFAULT_MODEL_PATH.exists() else None


@cache
def configured_model(setting: str) -> ContentModel | None:
    """TT_SCORER_MODEL: "" the shipped model, "rules" none (rules alone), anything else a model file."""
    if setting.strip().lower() == "rules":
        return None
    return load_model(setting) if setting.strip() else default_model()
