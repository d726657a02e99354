"""The learned content model: bands, the shipped artefact, reproducible training, honest data splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.scorer.adaptation import MIN_SIMILARITY, OverrideExample, pulled_content
from services.scorer.evaluation import evaluate, load_labelled, main
from services.scorer.features import cosine, model_text, text_grams
from services.scorer.model import DEFAULT_MODEL_PATH, configured_model, content_from, default_model, load_model
from services.scorer.rules import rule_evidence
from services.scorer.scoring import ScoringInput, score_message
from services.scorer.training import (
    C_GRID,
    C_REG,
    REPO_DATA,
    cross_validate,
    fit,
    select_c,
    training_files,
    training_set,
)

HELDOUT = REPO_DATA / "heldout" / "scoring_heldout.json"
GRID = [i / 20 for i in range(21)]


@pytest.mark.parametrize("p_any", GRID)
def test_content_bands_follow_the_ordinal_decision_at_neutral_context(p_any: float) -> None:
    for p_signal in GRID:
        if p_signal > p_any:
            continue  # P(signal) ≤ P(not noise) for a consistent pair
        inp = ScoringInput(text="x")
        content = content_from(p_any, p_signal)
        score = round(min(0.3 + 0.4 * content, 0.05 + (0.25 / 0.15) * content), 4)  # as score_message rounds
        expected = "noise" if p_any < 0.5 else ("signal" if p_signal > 0.5 else "weak_signal")
        got = "noise" if score < 0.30 else ("signal" if score > 0.60 else "weak_signal")
        assert got == expected, (p_any, p_signal, content, inp)


def test_content_grows_with_either_probability() -> None:
    assert content_from(0.2, 0.0) < content_from(0.4, 0.0) < content_from(0.9, 0.1) < content_from(0.9, 0.4)
    assert content_from(0.9, 0.6) < content_from(0.95, 0.9) <= 1.0


def test_the_shipped_model_loads_and_a_missing_or_foreign_artefact_is_refused(tmp_path: Path) -> None:
    model = default_model()
    assert model is not None and model.trained_on > 1000 and len(model.grams) > 1000
    assert configured_model("rules") is None and configured_model("") is model
    foreign = tmp_path / "m.json"
    foreign.write_text(json.dumps({"rule_features": ["other"], "grams": {}}), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain"):
        load_model(foreign)


def test_training_reproduces_the_shipped_artefact() -> None:
    shipped = load_model(DEFAULT_MODEL_PATH)
    again = fit(training_set())
    assert again.trained_on == shipped.trained_on
    assert again.not_noise.bias == pytest.approx(shipped.not_noise.bias, abs=1e-5)
    assert again.signal.rules == pytest.approx(shipped.signal.rules, abs=1e-5)
    assert again.grams.keys() == shipped.grams.keys()


@pytest.mark.parametrize("heldout", sorted(HELDOUT.parent.glob("scoring_heldout*.json")), ids=lambda p: p.name)
def test_the_held_out_sets_are_never_trained_on(heldout: Path) -> None:
    assert all("heldout" not in path.parts for path in training_files())
    trained = {m.text.strip().lower() for m in training_set()}
    shared = [m.text for m in load_labelled(heldout) if m.text.strip().lower() in trained]
    # Only content-free one-liners ("ok", "+") occur in both; the rules decide those before any model.
    assert all(rule_evidence(text).pure_noise for text in shared), shared


def test_held_out_quality() -> None:
    report = evaluate(load_labelled(HELDOUT))
    assert report.macro_f1 >= 0.90, report.confusion
    assert report.confusion["noise"]["signal"] == 0


def test_character_ngrams_link_inflected_forms_and_fold_digits_and_mentions() -> None:
    assert cosine(text_grams("міграція"), text_grams("міграції")) > 0.4
    assert cosine(text_grams("release v1.24"), text_grams("release v2.31")) == 1.0
    assert model_text("@oleh_dev глянь") == " @mention  глянь"
    assert text_grams("👍👍") == frozenset()
    assert cosine(frozenset(), text_grams("ok")) == 0.0


def test_an_override_pulls_similar_texts_toward_its_class_and_leaves_others() -> None:
    signal = (OverrideExample(text_grams("звіт для бухгалтерії знову рахує щось дивно"), "signal"),)
    near = text_grams("звіт для бухгалтерії сьогодні теж рахує щось дивно")
    far = text_grams("хто йде на обід?")
    assert cosine(far, signal[0].grams) < MIN_SIMILARITY
    assert pulled_content(0.3, far, signal) == 0.3
    assert 0.3 < pulled_content(0.3, near, signal) <= 0.9 + 1e-9
    noise = (OverrideExample(text_grams("хто йде на обід?"), "noise"),)
    assert pulled_content(0.4, text_grams("хто йде на обід"), noise) == pytest.approx(0.05)


def test_an_override_never_lifts_pure_noise() -> None:
    overrides = (OverrideExample(text_grams("ok"), "signal"),)
    assert score_message(ScoringInput(text="ok", overrides=overrides)).classification == "noise"


def test_eval_replays_overrides_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = tmp_path / "chat.json"
    messages.write_text(
        json.dumps(
            {"messages": [{"id": "a", "text": "звіт для бухгалтерії сьогодні теж рахує щось дивно", "label": "signal"}]}
        ),
        encoding="utf-8",
    )
    overrides = tmp_path / "overrides.json"
    overrides.write_text(
        json.dumps([{"id": "o", "text": "звіт для бухгалтерії знову рахує щось дивно", "label": "signal"}]),
        encoding="utf-8",
    )
    assert main([str(messages), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main([str(messages), "--json", "--overrides", str(overrides)]) == 0
    replayed = json.loads(capsys.readouterr().out)
    assert plain["per_message"][0]["predicted"] == "weak_signal"
    assert replayed["per_message"][0]["predicted"] == "signal"


def test_eval_cross_validates_the_content_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps([{"id": "a", "text": "ok", "label": "noise"}]), encoding="utf-8")
    assert main([str(path), "--json", "--cv", "2"]) == 0
    cv = json.loads(capsys.readouterr().out)["cross_validation"]
    assert cv["folds"] == 2 and len(cv["per_fold"]) == 2
    assert cv["messages"] == len(training_set())
    assert 0.8 < cv["macro_f1"] <= 1.0


def test_a_confident_weak_message_sits_mid_band_where_context_can_move_it() -> None:
    assert content_from(1.0, 0.0) == pytest.approx(0.45)  # the weak target content, score 0.48 at neutral context
    assert content_from(0.5, 0.0) == pytest.approx(0.15) and content_from(0.7, 0.5) == pytest.approx(0.75)
    text = "може проблема в конфігу воркера?"
    base = score_message(ScoringInput(text=text))
    helped = score_message(ScoringInput(text=text, author_signal_ratio=1.0, is_reply=True))
    assert base.classification == "weak_signal" and helped.score > base.score


def test_nested_cross_validation_chooses_c_inside_each_fold() -> None:
    items = training_set()[::4]  # a quarter keeps the inner searches quick
    folds = cross_validate(items, folds=2, c_reg=None, inner_folds=2)
    assert len(folds) == 2 and all(f["c"] in C_GRID for f in folds)
    assert select_c(items, grid=(0.01, C_REG), folds=2) == C_REG  # near-zero C underfits the two heads


def test_second_held_out_quality() -> None:
    # Measured once, untuned, at 0.927 macro-F1; the floor guards against regressions, not a target to tune to.
    report = evaluate(load_labelled(HELDOUT.with_name("scoring_heldout_2.json")))
    assert report.macro_f1 >= 0.90, report.confusion
