import msgspec
import pytest

from services.extractor.llm import Extraction, system_prompt, to_batch, user_prompt
from services.extractor.model import SourceMessage
from shared.llm.structured import InvalidOutput, Usage, json_schema

MESSAGES = [
    SourceMessage(key="k1", text="Привіт!", classification="noise"),
    SourceMessage(key="k2", text="Деплой падає з 502 після оновлення nginx"),
]


def answer(atom_ids: list[int]) -> Extraction:
    return msgspec.convert(
        {
            "topics": [{"name": "Деплой", "description": "", "keywords": [], "confidence": 0.9, "message_ids": [2]}],
            "atoms": [
                {
                    "type": "problem",
                    "title": "502 після оновлення",
                    "content": "c",
                    "confidence": 0.9,
                    "topic": "Деплой",
                    "message_ids": atom_ids,
                }
            ],
        },
        Extraction,
    )


def test_message_numbers_map_to_keys_and_numbers_outside_the_batch_are_an_invalid_answer() -> None:
    batch = to_batch(answer([2]), MESSAGES, Usage(prompt_tokens=5, completion_tokens=3), 0.7)
    assert batch.atoms[0].message_keys == ["k2"] and batch.topics[0].message_keys == ["k2"]
    assert (batch.prompt_tokens, batch.completion_tokens) == (5, 3)
    with pytest.raises(InvalidOutput, match=r"atoms\[0\]: message numbers \[3\]"):
        to_batch(answer([3]), MESSAGES, Usage(), 0.7)


def test_an_atom_resting_only_on_noise_is_dropped() -> None:
    assert to_batch(answer([1]), MESSAGES, Usage(), 0.7).atoms == []


def test_the_schema_is_an_object_with_the_atom_type_enum_and_the_prompt_carries_the_glossary() -> None:
    schema = json_schema(Extraction)
    assert schema["type"] == "object" and set(schema["required"]) == {"topics", "atoms"}
    assert "requirement" in schema["$defs"]["OutAtom"]["properties"]["type"]["enum"]
    assert "Глосарій проєкту:\n- CI: збірка" in system_prompt("uk", {"CI": "збірка"}, "Будь стислим")
    assert system_prompt("en", {}, None).startswith("You extract")
    text, numbered = user_prompt("uk", [MESSAGES])
    assert "[2] Деплой падає" in text and [m.key for m in numbered] == ["k1", "k2"]
