"""Settings read from the environment: a wrong value is refused at once, naming its variable."""

from __future__ import annotations

import pytest

from shared.cli.main import main
from shared.settings import Settings, SettingsError


def test_values_are_parsed_and_choices_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TT_HNSW_EF_SEARCH", "100")
    monkeypatch.setenv("TT_SEARCH_RERANK", " Local ")
    monkeypatch.setenv("TELEGRAM_API_ID", "")
    settings = Settings.from_env()
    assert (settings.hnsw_ef_search, settings.search_rerank, settings.telegram_api_id) == (100, "local", 0)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("TT_HNSW_EF_SEARCH", "abc", "TT_HNSW_EF_SEARCH='abc'"),
        ("TT_NOISE_THRESHOLD", "0,3", "TT_NOISE_THRESHOLD='0,3'"),
        ("TT_SEARCH_DICTIONARY", "maybe", "TT_SEARCH_DICTIONARY='maybe': expected one of on, off"),
        ("TT_SEARCH_RERANK", "cohere", "expected one of off, local, http"),
    ],
)
def test_a_wrong_value_names_its_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        Settings.from_env()
    assert said in str(raised.value)


def test_the_cli_says_which_setting_is_wrong_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TT_SEARCH_DICTIONARY", "maybe")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TT_SEARCH_DICTIONARY='maybe'" in err and "Traceback" not in err
