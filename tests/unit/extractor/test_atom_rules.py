import pytest

from services.extractor.atom_rules import atom_type


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Деплой заблоковано, поки DevOps не видасть доступ до кластера", "blocker"),
        ("We're blocked on the payments team approval for the API keys", "blocker"),
        ("Вирішили: переходимо на PostgreSQL замість MongoDB для всіх сервісів", "decision"),
        ("Решили оставить Redis только для сессий, кэш переносим в базу", "decision"),
        ("Decision: we'll go with weekly releases from now on", "decision"),
        ("Виправив: додав індекс на messages(chat_id), запит тепер 5 мс", "solution"),
        ("Исправил утечку памяти, проблема была в незакрытых соединениях", "solution"),
        ("Fixed the flaky test by waiting for the consumer to be ready", "solution"),
        ("Після оновлення бот падає з помилкою 500 на кожному запиті", "problem"),
        ("Экспорт в CSV работает очень медленно на больших чатах", "problem"),
        ("The import job crashes when the export has no text field", "problem"),
        ("Є ризик, що міграція заблокує таблицю на годину в проді", "risk"),
        ("There is a risk the cache might lose writes on restart", "risk"),
        ("Ідея: можна було б кешувати ембедінги запитів на годину", "idea"),
        ("What if we precompute the digest every night instead?", "question"),
        ("Maybe we could add a dark mode to the dashboard later", "idea"),
        ("API повинен відповідати менше ніж за 200 мс для 95% запитів", "requirement"),
        ("Every endpoint must require a bearer token, including GETs", "requirement"),
        ("Як налаштувати ретеншн для JetStream стріму в продакшені?", "question"),
        ("Какой таймаут стоит у воркера по умолчанию?", "question"),
        ("HNSW builds a layered graph, so queries are logarithmic in the number of vectors", "insight"),
    ],
)
def test_rules_type_messages_in_ukrainian_russian_and_english(text: str, expected: str) -> None:
    assert atom_type(text)[0] == expected


def test_a_message_no_rule_recognises_falls_back_to_an_unconfident_insight() -> None:
    assert atom_type("Поставив нову лампу в переговорці") == ("insight", False)
