from datetime import UTC, datetime

from services.gateway.where import Where


def test_no_filter_is_no_where_clause() -> None:
    where = Where()
    assert where.sql == ""
    assert where.args == []


def test_values_are_bound_in_order_and_a_condition_may_take_several() -> None:
    at = datetime(2026, 1, 2, tzinfo=UTC)
    where = Where()
    where.add("m.chat_id = {}", "-100")
    where.add("(m.sent_at, m.id) < ({}, {})", at, 7)
    where.add("m.search @@ to_tsquery('simple', {})", "'помилка'")
    assert where.sql == (
        " WHERE m.chat_id = $1 AND (m.sent_at, m.id) < ($2, $3) AND m.search @@ to_tsquery('simple', $4)"
    )
    assert where.args == ["-100", at, 7, "'помилка'"]
