"""Writes data/demo/telegram_export.json: a fictional Telegram Desktop export of a product team chat.

The team builds "Kvitka", a mobile banking app; the week runs Monday 10 to Friday 14 March 2025
(Kyiv, UTC+2). The storyline (bugs, an incident, decisions, a release) is written by hand; greetings,
thanks, lunch talk and emoji are drawn from pools with a fixed seed, so the file is reproducible:

    uv run python data/demo/make_demo_export.py
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

KYIV = timezone(timedelta(hours=2))  # EET; the week is before the switch to summer time
CHAT = {"name": "Kvitka Mobile — команда", "type": "private_supergroup", "id": 2145367890}
NOISE_PER_DAY = (44, 40, 38, 42, 40)
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
_MARKUP = re.compile(
    r"```(?P<pre>.+?)```|`(?P<code>[^`]+)`|\*\*(?P<bold>.+?)\*\*|(?P<link>https?://\S+)|(?P<mention>@\w+)", re.S
)


# The storyline lives in the second half of this file: PEOPLE, NOISE, DAYS.


def text_parts(text: str) -> str | list[Any]:
    """Mini markup (```pre```, `code`, **bold**, links, @mentions) → export text: a string or a part list."""
    parts: list[Any] = []
    last = 0
    for match in _MARKUP.finditer(text):
        if match.start() > last:
            parts.append(text[last : match.start()])
        kind = match.lastgroup or "plain"
        part: dict[str, Any] = {"type": kind, "text": match.group(kind)}
        if kind == "pre":
            part["language"] = ""
        parts.append(part)
        last = match.end()
    if last < len(text):
        parts.append(text[last:])
    return text if all(isinstance(p, str) for p in parts) else parts


def text_entities(text: str | list[Any]) -> list[dict[str, Any]]:
    if isinstance(text, str):
        return [{"type": "plain", "text": text}] if text else []
    return [{"type": "plain", "text": p} if isinstance(p, str) else p for p in text]


def stamp(moment: datetime) -> dict[str, str]:
    # Telegram Desktop writes local wall time without an offset plus the exact unix time.
    return {
        "date": moment.astimezone(KYIV).replace(tzinfo=None, microsecond=0).isoformat(),
        "date_unixtime": str(int(moment.timestamp())),
    }


def build(seed: int = 20250310) -> dict[str, Any]:
    rng = random.Random(seed)
    messages: list[dict[str, Any]] = []
    ids: dict[str, int] = {}
    next_id = 1
    for day_index, story in enumerate(DAYS):
        day = datetime(2025, 3, 10 + day_index, 9, 0, tzinfo=KYIV).astimezone(UTC)
        items = list(story)
        for _ in range(NOISE_PER_DAY[day_index]):
            # Noise lands anywhere except before the day's first message, which opens the day.
            items.insert(rng.randint(1, len(items)), {"noise": True})
        span = timedelta(hours=10, minutes=30) / len(items)
        moment = day
        for item in items:
            moment += timedelta(seconds=rng.uniform(0.3, 1.7) * span.total_seconds())
            message: dict[str, Any] = {"id": next_id, "type": "message", **stamp(moment)}
            if item.get("noise"):
                who, text = noise_at(moment, rng)
                if rng.random() < 0.15 and messages and messages[-1]["type"] == "message":
                    message["reply_to_message_id"] = messages[-1]["id"]
            elif item.get("service"):
                who, text = item["who"], ""
                message.update(type="service", actor=PEOPLE[who][0], actor_id=f"user{PEOPLE[who][1]}")
                message.update(action=item["service"], inviter="Group")
            else:
                who, text = item["who"], item.get("text", "")
            if message["type"] == "message":
                message.update({"from": PEOPLE[who][0], "from_id": f"user{PEOPLE[who][1]}"})
            if "label" in item:
                ids[item["label"]] = next_id
            if "reply" in item:
                message["reply_to_message_id"] = ids[item["reply"]]
            if "forward" in item:
                message["forwarded_from"] = item["forward"]
            if "edited_after" in item:
                message.update(
                    {
                        f"edited{k.removeprefix('date')}": v
                        for k, v in stamp(moment + timedelta(minutes=item["edited_after"])).items()
                    }
                )
            if "photo" in item:
                message.update(photo=NOT_INCLUDED, photo_file_size=item["photo"], width=1170, height=2532)
            if "sticker" in item:
                message.update(
                    file=NOT_INCLUDED,
                    file_size=28114,
                    media_type="sticker",
                    sticker_emoji=item["sticker"],
                    width=512,
                    height=512,
                )
            if "file" in item:
                message.update(file=NOT_INCLUDED, file_name=item["file"], file_size=48213, mime_type="application/pdf")
            exported = text_parts(text)
            message["text"] = exported
            message["text_entities"] = text_entities(exported)
            messages.append(message)
            next_id += 1
    return {**CHAT, "messages": messages}


def m(who: str, text: str = "", **extra: Any) -> dict[str, Any]:
    return {"who": who, "text": text, **extra}


# --- the story --------------------------------------------------------------------------------------

PEOPLE = {
    "olena": ("Олена Коваль", 5012345601),  # product manager
    "andriy": ("Андрій Мельник", 5012345602),  # iOS
    "dmytro": ("Дмитро Шевченко", 5012345603),  # backend
    "sarah": ("Sarah Mitchell", 5012345604),  # QA lead, writes English
    "iryna": ("Ірина Бондар", 5012345605),  # Android
    "taras": ("Тарас Гнатюк", 5012345606),  # DevOps
    "mark": ("Mark Evans", 5012345607),  # designer, joins on Wednesday
}

# Chatter by time of day, so greetings come in the morning and farewells in the evening.
NOISE: dict[str, list[tuple[str, str]]] = {
    "morning": [
        ("olena", "Доброго ранку всім ☀️"), ("andriy", "Привіт"), ("dmytro", "Всім привіт"), ("sarah", "Morning all!"),
        ("iryna", "Привітики 👋"), ("taras", "Ранок"), ("andriy", "кава?"),
        ("dmytro", "піду по каву, кому щось взяти?"),
    ],
    "midday": [
        ("olena", "хто на обід о першій?"), ("andriy", "я за піцу 🍕"),
        ("iryna", "сьогодні в їдальні борщ, рекомендую"),
        ("andriy", "вже йду"), ("sarah", "brb"), ("taras", "хтось бачив мій зарядник?"), ("taras", "знайшов 😅"),
    ],
    "evening": [
        ("olena", "гарного вечора всім!"), ("andriy", "до завтра"), ("sarah", "have a good evening!"),
        ("iryna", "ой все"),
    ],
    "anytime": [
        ("olena", "дякую!"), ("olena", "👍"), ("olena", "супер, дякую 🙌"), ("olena", "+"), ("olena", "🙏"),
        ("andriy", "+"), ("andriy", "ок"), ("andriy", "😂😂😂"), ("andriy", "ахаха"), ("andriy", "🔥"),
        ("dmytro", "ага"), ("dmytro", "норм"), ("dmytro", "дякс"), ("dmytro", "👌"), ("dmytro", "та ну 😅"),
        ("dmytro", "лол"), ("dmytro", "+1"), ("sarah", "thanks!"), ("sarah", "haha"), ("sarah", "👍"),
        ("sarah", "nice 🎉"), ("sarah", "sounds good"), ("sarah", "lol"), ("iryna", "дякую 🙂"), ("iryna", "ахахах"),
        ("iryna", "+"), ("iryna", "💪"), ("iryna", "❤️"), ("iryna", "ок"), ("taras", "👍"), ("taras", "ок"),
        ("taras", "дякую"), ("taras", "😎"), ("taras", "ага, ясно"),
    ],
}  # fmt: skip


def noise_at(moment: datetime, rng: random.Random) -> tuple[str, str]:
    hour = moment.astimezone(KYIV).hour
    period = "morning" if hour < 11 else "midday" if 12 <= hour < 14 else "evening" if hour >= 18 else None
    pool = NOISE["anytime"] + (NOISE[period] * 3 if period else [])
    return rng.choice(pool)


DAYS: list[list[dict[str, Any]]] = [
    [  # Monday: sprint start, a crash report, decisions
        m("olena", "Всім привіт! Стартуємо спринт 14. Головна ціль — **реліз 2.4 у п'ятницю, 14 березня**."),
        m(
            "olena",
            "Скоуп релізу: оновлений онбординг, поповнення картки з Apple Pay / Google Pay, ліміт спроб PIN. "
            "Все інше — після релізу.",
            label="scope",
        ),
        m("andriy", "Ок, я на Face ID логіні, там лишилось доробити fallback на PIN"),
        m("iryna", "Я беру top-up на Android, KV-1421"),
        m(
            "sarah",
            "I'll prepare the regression test plan for 2.4 today. Please tag me on every PR that touches payments.",
        ),
        m("dmytro", "Бекенд для top-up готовий на staging, ендпоінт `POST /v2/cards/{id}/top-up`", label="topup_api"),
        m(
            "iryna",
            "Яка схема відповіді? Там буде `transaction_id` одразу чи тільки після 3DS?",
            reply="topup_api",
            label="q_schema",
        ),
        m(
            "dmytro",
            "transaction_id одразу, статус `pending`, далі webhook міняє на `completed` або `failed`",
            reply="q_schema",
        ),
        m(
            "sarah",
            "Found a crash on Android 14 when opening card top-up from the home screen widget:\n"
            "```java.lang.IllegalStateException: Fragment TopUpFragment{3f2a1b} not attached to a context.\n"
            "    at androidx.fragment.app.Fragment.requireContext(Fragment.java:972)```\n"
            "Steps: open widget → tap Top up → rotate the phone. 100% reproducible on Pixel 7.",
            label="crash",
        ),
        m("iryna", "Дивлюсь", reply="crash"),
        m(
            "iryna",
            "Знайшла: колбек від платіжного SDK приходить після того як фрагмент вже від'єднаний при "
            "повороті. Фікс — слухати результат через ViewModel, а не через фрагмент. До вечора буде PR",
            reply="crash",
            label="crash_cause",
        ),
        m(
            "olena",
            "Рішення щодо iOS: з версії 2.4 **прибираємо підтримку iOS 15**. Там менше 2% користувачів, "
            "а Face ID API нам потрібен новіший.",
            label="ios15",
        ),
        m("andriy", "Нарешті 🙌 Тоді піднімаю deployment target до 16.0", reply="ios15"),
        m(
            "sarah",
            "Should we show an 'update your iOS' screen for those users or just block the App Store update?",
            reply="ios15",
            label="q_ios15",
        ),
        m("olena", "App Store сам не запропонує оновлення на 15-й, тож окремий екран не робимо", reply="q_ios15"),
        m(
            "olena",
            "Вимога від комплаєнсу: після **5 невдалих спроб PIN** блокуємо вхід на 30 хвилин, і це має "
            "працювати однаково на iOS та Android. Тікет KV-1430: https://kvitka.atlassian.net/browse/KV-1430",
            label="pin_req",
        ),
        m(
            "dmytro",
            "Лічильник спроб тримаємо на бекенді, не на клієнті, інакше його обійдуть перевстановленням",
            reply="pin_req",
        ),
        m("andriy", "Згоден, клієнт тільки показує таймер"),
        m(
            "taras",
            "Нагадую: staging сьогодні о 18:00 перезапускається, міграція бази на Postgres 16. "
            "Хвилин 15 буде недоступний",
        ),
        m("sarah", "What's the exchange rate source for the top-up screen? NBU or our treasury feed?", label="q_rates"),
        m("dmytro", "treasury feed, оновлюється кожні 5 хвилин, кеш на клієнті не більше 60 секунд", reply="q_rates"),
        m("iryna", "PR з фіксом крешу: https://git.kvitka.dev/mobile/android/pull/812", reply="crash_cause"),
        m("andriy", "Зараз гляну"),
        m("andriy", "Approve, тільки додай тест на поворот екрана"),
        m("taras", "Міграція staging завершена, все піднялось ✅"),
    ],
    [  # Tuesday: payments incident
        m("taras", "⚠️ На проді 502 на /v2/payments, почалося хвилин 10 тому. Дивлюсь", label="incident"),
        m(
            "taras",
            "У логах nginx:\n```upstream timed out (110: Connection timed out) while reading response "
            'header from upstream, upstream: "http://10.0.3.17:8080/v2/payments"```',
            reply="incident",
        ),
        m(
            "dmytro",
            "У payments-service пул з'єднань вичерпано:\n"
            "```HikariPool-1 - Connection is not available, request timed out after 30000ms.```",
            reply="incident",
            label="incident_cause",
        ),
        m("olena", "Скільки користувачів зачепило? Треба повідомлення в статус-канал?", reply="incident"),
        m("taras", "Близько 8% запитів на оплату падають. Так, пишу в статус"),
        m(
            "dmytro",
            "Причина: новий звіт по транзакціях тримає з'єднання по 40 секунд. Вимикаю його фіче-флагом "
            "і піднімаю пул з 10 до 30",
            reply="incident_cause",
            label="incident_fix",
        ),
        m(
            "taras",
            "Після рестарту 502 зникли, латентність p95 знову 180ms",
            reply="incident_fix",
            label="incident_done",
        ),
        m(
            "olena",
            "Дякую, хлопці! Рішення: до п'ятниці робимо постмортем, і звіти більше не ходять у основну базу "
            "— тільки в репліку.",
            reply="incident_done",
            label="postmortem",
        ),
        m("dmytro", "Postmortem doc: https://docs.kvitka.dev/incidents/2025-03-11-payments-502", reply="postmortem"),
        m(
            "sarah",
            "Can we add an alert on Hikari pending connections? We only noticed from user complaints.",
            reply="postmortem",
            label="q_alert",
        ),
        m("taras", "Так, додаю алерт: pending > 5 протягом 2 хвилин → пейджер", reply="q_alert"),
        m("iryna", "Top-up на Android готовий до тестування, білд 2.4.0-beta3 в Firebase App Distribution"),
        m("sarah", "Testing now"),
        m(
            "sarah",
            "Bug: amount field accepts `0,00` and the Continue button stays enabled. Backend then returns "
            "`422 amount must be greater than 0`, and the app shows a generic 'Something went wrong'.",
            label="amount_bug",
        ),
        m(
            "iryna",
            "Пофікшу валідацію на клієнті, але й повідомлення про помилку треба показувати з бекенду",
            reply="amount_bug",
        ),
        m(
            "dmytro",
            "Бекенд віддає `error.code = AMOUNT_TOO_SMALL`, можна мапити на локалізований текст",
            reply="amount_bug",
        ),
        m("andriy", "На iOS та сама проблема, беру собі KV-1437"),
        m(
            "olena",
            "Питання: чи встигаємо з Google Pay до п'ятниці? Якщо ні — релізимо тільки з Apple Pay і карткою",
            label="q_gpay",
        ),
        m(
            "iryna",
            "Google Pay вимагає ревʼю від Google на production-доступ, це до 5 робочих днів. Не встигнемо",
            reply="q_gpay",
            label="gpay_no",
        ),
        m("olena", "Ок, тоді Google Pay переносимо в 2.4.1. Оновлюю скоуп", reply="gpay_no"),
        m("taras", 'CI на iOS падає: `error: No signing certificate "iOS Distribution" found`'),
        m("andriy", "Це я вчора ротував сертифікат, зараз оновлю match", edited_after=3),
        m("andriy", "Полагодив, CI зелений"),
    ],
    [  # Wednesday: a designer joins, onboarding review, a forward, a photo
        m("mark", service="join_group_by_link"),
        m("olena", "Вітаємо Марка! Mark is our new product designer, he'll own onboarding from now on 🎉"),
        m("mark", "Hi everyone! Happy to be here. Where can I find the current onboarding designs?"),
        m("olena", "Figma: https://www.figma.com/file/kvitka-onboarding-v3 — останні екрани на сторінці 'March'"),
        m(
            "mark",
            "Thanks! First impression: the KYC step asks for the tax number before explaining why. "
            "That's where the funnel drops 23% according to the dashboard.",
            label="kyc",
        ),
        m("olena", "Так, це відома проблема. Пропозиції?", reply="kyc"),
        m(
            "mark",
            "Move the explanation screen before the form and pre-fill the birth date from the ID scan. "
            "I can have a prototype by tomorrow.",
            reply="kyc",
            label="kyc_proposal",
        ),
        m(
            "olena",
            "Рішення: новий онбординг вмикаємо через фіче-флаг `onboarding_v3` на 10% нових користувачів, "
            "дивимось на конверсію тиждень",
            reply="kyc_proposal",
            label="flag",
        ),
        m("dmytro", "Флаг вже є в конфіг-сервісі, треба тільки правило на відсоток"),
        m(
            "sarah",
            "Regression on iOS 2.4.0-beta4: after a successful top-up the balance on the home screen "
            "does not refresh until pull-to-refresh.",
            photo=183204,
            label="balance_bug",
        ),
        m(
            "andriy",
            "Бачу, ми не слухаємо подію `balanceChanged` після закриття модалки. Фікс простий",
            reply="balance_bug",
        ),
        m(
            "taras",
            "Заплановані роботи у процесингового партнера в суботу 02:00–04:00. Картки можуть не працювати "
            "— треба банер в апці?",
            forward="Kvitka Status",
            label="maint",
        ),
        m("olena", "Так, банер у п'ятницю ввечері. Марк, зможеш зробити макет?", reply="maint"),
        m("mark", "Sure, will do today", reply="maint"),
        m("iryna", "Хтось знає, чому Android build займає 14 хвилин? Вчора було 8"),
        m("taras", "Gradle cache на CI-раннерах переповнився, почистив. Зараз має бути швидше"),
        m("iryna", "7 хвилин 40 секунд, дякую!"),
        m(
            "dmytro",
            "Ідея на майбутнє: винести курси валют в окремий сервіс з websocket-оновленнями, а не "
            "polling кожні 5 хвилин",
            label="idea",
        ),
        m("olena", "Запиши в беклог, після релізу обговоримо", reply="idea"),
        m(
            "sarah",
            "PIN lockout test: after 5 wrong attempts Android locks for 30 min, iOS only for 5 min. "
            "Looks like iOS has its own timer instead of using the backend value.",
            reply="pin_req",
            label="pin_bug",
        ),
        m("andriy", "Так, там хардкод з минулого спринту. Беру", reply="pin_bug"),
        m(
            "andriy",
            "Фікс у PR #1044, тепер iOS бере `locked_until` з відповіді бекенду",
            reply="pin_bug",
            edited_after=6,
        ),
    ],
    [  # Thursday: release candidate, a blocker, risks
        m(
            "olena",
            "Сьогодні фіксуємо release candidate 2.4.0-rc1. Все, що не змерджено до 15:00, їде в 2.4.1",
            label="rc",
        ),
        m(
            "sarah",
            "Test plan for rc1 is here: https://docs.kvitka.dev/qa/2.4-regression — 142 cases, "
            "I need two more people for the payments part tomorrow morning.",
            reply="rc",
        ),
        m("iryna", "Я можу допомогти зранку"),
        m("dmytro", "І я"),
        m(
            "andriy",
            "Блокер: на iOS не приходять push-сповіщення про поповнення. APNs повертає `403 InvalidProviderToken`",
            label="push",
        ),
        m("taras", "Ключ APNs ротували разом із сертифікатом у вівторок? Схоже, на бекенді старий .p8", reply="push"),
        m(
            "dmytro",
            "Так, в секретах старий ключ. Оновив, перезапускаю notification-service",
            reply="push",
            label="push_fix",
        ),
        m("andriy", "Пуші приходять ✅", reply="push_fix"),
        m(
            "taras",
            "Ризик: сертифікат для Apple Pay merchant identity спливає 20 березня. Якщо не оновимо до "
            "того — оплати через Apple Pay перестануть працювати",
            label="risk",
        ),
        m("olena", "Хто може оновити до понеділка?", reply="risk"),
        m(
            "taras",
            "Я, але потрібен доступ до Apple Developer акаунта компанії. Олено, даси роль Admin?",
            reply="risk",
            label="access",
        ),
        m("olena", "Дала", reply="access"),
        m(
            "sarah",
            "rc1 smoke test passed on iPhone 12/15 and Pixel 6/7/8. Two minor UI issues, not blockers.",
            file="rc1-smoke-report.pdf",
        ),
        m(
            "mark",
            "Here's the maintenance banner for Saturday. Text: «Вночі з суботи на неділю можливі перебої з картками»",
            photo=96512,
        ),
        m("olena", "Супер, дякую!"),
        m(
            "dmytro",
            "Для інфо: міграція `0047_add_lockout_until` незворотна, але на проді вже пройшла на "
            "staging-копії без проблем",
        ),
        m(
            "iryna",
            "Як правильно локалізувати `AMOUNT_TOO_SMALL`? «Сума має бути більшою за 0» ок?",
            reply="amount_bug",
            label="copy",
        ),
        m("mark", "I'd say «Введіть суму більше 0 ₴» — shorter and tells the user what to do", reply="copy"),
        m("iryna", "Беру варіант Марка", reply="copy"),
        m("andriy", sticker="😂"),
        m("sarah", "Reminder: code freeze at 15:00, after that only blocker fixes with my approval."),
    ],
    [  # Friday: go / no-go, release, retro
        m("olena", "Go / no-go о 12:00. Sarah, які результати регресу?", label="gonogo"),
        m(
            "sarah",
            "138 of 142 passed. 4 failures, all in the transaction history filter (dates in the wrong "
            "timezone after midnight). Not a blocker in my opinion.",
            reply="gonogo",
            label="regress",
        ),
        m(
            "dmytro",
            "Фільтр бере дату в UTC, а показуємо в Europe/Kyiv. Фікс на бекенді, можна в 2.4.1",
            reply="regress",
        ),
        m(
            "olena",
            "Рішення: **Go**. Android релізимо сьогодні поетапно (10% → 50% → 100%), iOS відправляємо на "
            "ревʼю сьогодні, реліз у понеділок після апруву",
            reply="regress",
            label="go",
        ),
        m("andriy", "iOS білд 2.4.0 (412) відправлено на App Review", reply="go"),
        m("iryna", "Android 2.4.0 у Play Console, staged rollout 10%", reply="go"),
        m("taras", "Моніторинг: crash-free sessions 99.7%, нових помилок у Sentry немає"),
        m("sarah", "Crash-free on Android 14 went from 98.1% to 99.8% after the TopUpFragment fix 🎉", reply="crash"),
        m("taras", "Сертифікат Apple Pay оновлено, новий діє до березня 2026", reply="risk"),
        m("olena", "Ретро о 16:00. Що пішло добре / що ні — пишіть сюди або в дошку"),
        m("dmytro", "Погано: інцидент у вівторок. Треба окрему read-replica для аналітики, вже є тікет KV-1452"),
        m(
            "sarah",
            "Good: bug reports got fixed within hours. Bad: beta builds arrived late on Tuesday, "
            "so payments testing was squeezed.",
        ),
        m("iryna", "Добре: нарешті позбулися крешу на поворот. Погано: Google Pay треба було заявляти ще місяць тому"),
        m("andriy", "Пропоную: сертифікати і ключі в календар з нагадуванням за 30 днів, щоб не було як з APNs"),
        m(
            "olena",
            "Action items: 1) read-replica для звітів — Дмитро, 2) календар сертифікатів — Тарас, "
            "3) заявка Google Pay — Ірина, до 21 березня",
            label="actions",
        ),
        m("taras", "+", reply="actions"),
        m("iryna", "Заявку на Google Pay подала сьогодні", reply="actions"),
        m("taras", "Android rollout 50%, метрики стабільні"),
        m("olena", "Дякую всім за тиждень! Гарних вихідних 🎉"),
    ],
]


def main() -> None:
    target = Path(__file__).with_name("telegram_export.json")
    target.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
