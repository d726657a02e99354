"""Multilingual (uk / ru / en) word lists and compiled patterns for importance scoring.

Two kinds of pattern live here:

* ``NOISE_SEGMENT`` is matched against a whole segment of a message (the text between punctuation or emoji),
  so "так" or "ok" count as noise only when they are all a segment says, never inside a sentence.
* Every other pattern is a search pattern wrapped in word lookarounds.  ``\\b`` alone misbehaves next to
  "+" and Ukrainian apostrophes, so ``whole_words`` uses ``(?<![\\w'])`` / ``(?![\\w'])``, which work for
  Cyrillic because Python's ``\\w`` is Unicode-aware.

Stems such as ``помилк\\w*`` cover inflected forms; lookbehind keeps them from firing inside longer words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "AGREEMENT",
    "CHATTER",
    "CODE_CHARS",
    "CODE_FENCE",
    "CODE_TOKEN",
    "CODE_WORD",
    "CONFUSION",
    "DATE_OR_TIME",
    "DEADLINE",
    "DECISION",
    "ERROR",
    "FILLER_WORDS",
    "GRATITUDE_LEAD",
    "GREETING",
    "HEDGE",
    "LAUGHTER",
    "LIST_OR_LABEL",
    "MENTION",
    "NOISE_SEGMENT",
    "NUMBER",
    "NUMBER_WITH_UNIT",
    "POINTER",
    "PROBLEM",
    "QUESTION_WORD",
    "REQUIREMENT",
    "SEGMENT_SPLIT",
    "STACK_TRACE",
    "STACK_TRACE_HINTS",
    "STATUS",
    "STICKER",
    "STOP_WORDS",
    "TASK",
    "TECH",
    "THANKS",
    "URL",
    "WORD",
    "alternation",
    "normalise",
    "whole_words",
]

_FLAGS = re.IGNORECASE | re.UNICODE


def _split_top_level(fragment: str) -> list[str]:
    """Split a regex fragment on "|" that is outside groups and character classes."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(fragment):
        ch = fragment[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(fragment[start:i])
            start = i + 1
        i += 1
    parts.append(fragment[start:])
    return parts


def alternation(alternatives: Iterable[str]) -> str:
    """One regex alternation, grouped by first literal letter.

    Python's ``re`` tries alternatives one by one; grouping them under their first letter (a one-level trie)
    makes a few hundred words cost a few dozen comparisons per position, which keeps scoring above
    20k messages/s.
    """
    groups: dict[str, list[str]] = {}
    rest: list[str] = []
    for fragment in alternatives:
        for alt in _split_top_level(fragment.replace(" ", r"\s+")):
            head = alt[:1]
            if head.isalnum() and alt[1:2] not in ("*", "+", "?", "{"):
                groups.setdefault(head.lower(), []).append(alt[1:])
            else:
                rest.append(alt)
    branches = [f"{re.escape(head)}(?:{'|'.join(tails)})" for head, tails in groups.items()]
    return "|".join(branches + rest)


def whole_words(alternatives: Iterable[str]) -> re.Pattern[str]:
    """Compile regex fragments as one alternation that matches only whole words (Cyrillic included)."""
    return re.compile(rf"(?<![\w'])(?:{alternation(alternatives)})(?![\w'])", _FLAGS)


_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "´": "'"})


def normalise(text: str) -> str:
    """NFC-normalise and unify apostrophes, so "зв’язок" and "зв'язок" match the same pattern."""
    return unicodedata.normalize("NFC", text).translate(_APOSTROPHES)


# --- noise vocabulary (matched as whole segments) -------------------------------------------------------

# Word lists are packed several to a line so the file stays readable; the formatter would put one per line.
# fmt: off
GREETING_WORDS = (
    # uk
    r"привіт\w*", "вітаю", "вітання", r"добр\w* (день|ранок|ранку|вечір|вечора|дня|ночі)", "добридень", r"здоров\w*",
    "хай", "хелоу", "салют", "йоу", "ку",
    # ru
    r"привет\w*", r"здравствуй\w*", r"здрась?те", r"добр\w* (утро|утра|вечер)", "приветствую",
    # en
    "hi+", "hello+", "hey+", "heya", "hiya", "yo", "howdy", "greetings", "gm", r"(good )?(morning|afternoon|evening)",
    "welcome( aboard| back| to the (team|club|channel|chat))?", "(nice|glad|good) to (meet|see) you( all)?",
)
FAREWELL_WORDS = (
    "пока( пока)?", r"бувай\w*", "па-па", "до (побачення|зустрічі|завтра|вечора|понеділка|свидания|встречи|связи)",
    r"(на )?добраніч", r"спокійно\w* ноч\w*", r"спокійн\w* сон", r"прощавай\w*", r"всього (доброго|найкращого)",
    r"(гарно|хорошо|вдало|гарни|хороши)\w* (дня|вечора|вечера|вихідних|выходных|ночі)", r"спокойной ночи", "ночи",
    "споки", "бай", "спати", r"пора спати", "bye( bye)?", "goodbye", "good ?night", "gn", "night",
    "see (you|ya)( later| tomorrow| soon)?", "cya", "later", "ttyl", "gtg", "got(ta)? go", "take care",
    "have a (nice|good|great) (day|one|weekend|evening)",
)
THANKS_WORDS = (
    r"дяку\w*", "дяки", "дяк", "дякс", "спасибі", "спасибо", "спс", "сенкс", "благодарю", r"мерс[іи]",
    "thanks?( you)?( so much| a lot| all| guys| again)?", "thx", "ty", "tysm", "tnx", "(much )?appreciated?( it)?",
    "cheers", "many thanks", "будь ласка", "нема за що", "не за що", "прошу", "пожалуйста", "не за что",
    "you'?re welcome", "np", "no (problem|worries|prob)", "anytime", "(happy|glad) to help", "my pleasure",
)
AGREEMENT_WORDS = (
    "ok+", "okay", "okey", "k+", "ок", "окей", "оке", "ага", "угу", "еге", "так", "да", "ні", "нет", "не-а", "yes",
    "yeah", "yep", "yup", "ya", "no", "nope", "nah", r"\+{1,3}1?", r"\+100", "-1", "10-4", "sure( thing)?",
    "of course", "звичайно", "звісно", "конечно", "авжеж", "певно", r"згод\w*", r"соглас\w*", r"понял\w*", "понятно",
    r"зрозумі\w*", r"ясн\w*", "добре", "гаразд", "хорошо", "ладно", "лады", "норм", "нормально", "нормас",
    r"логічн\w*", r"логичн\w*", "має сенс", "(it )?makes sense", "got it", "gotcha", "understood", "roger( that)?",
    "copy( that)?", "clear", "agreed?", "i agree", "same", "me too", "я теж", "я тоже", "absolutely", "totally",
    "obviously", "definitely", "for sure", "facts", "true", "right", "exactly", "точно", "саме так", "именно",
    "справді", "(це )?правда", "really", "seriously", r"серйозн\w*", r"серьезн\w*", "for real", "you said it",
    "works for me", "all good", "sounds (good|great|fine)( to me)?", "will do", "fine", "al(l )?right( then)?",
    "ok(ay)? then", "fair enough", "noted", r"прийнят\w*", r"принят\w*", r"домовил\w*", r"договорил\w*", "deal",
    "i'?m in", "done", "i'?m done",
)
REACTION_WORDS = (
    "cool", "nice", "great", "perfect", "excellent", "amazing", "awesome", "wow+", "whoa", "woah", "wonderful",
    "fantastic", "brilliant", "neat", "sweet", "sick", "lit", "fire", "fresh", "dope", "insane", "unreal", "mad",
    "epic", "incredible", "super( cool)?", "so (good|cool)", "very (nice|good)", "good (one|job|point)",
    "nice (one|job|work)", "great (job|work)", "well done", "bravo", "kudos", "congrats", "congratulations", "gg",
    "i (like|love) (it|this|that)", "(like|love) (it|this)", "that'?s (funny|great|cool|awesome|nice|odd|weird)",
    "interesting", r"happy \w+day", "happy (new year|holidays)", r"(вітаю |с |з )?(днем|днём) (народження|рождения)",
    r"з (новим роком|святом)", r"с (новым годом|праздником)", "no way", "oh no", "oops", "omg", "yay", "finally",
    "about time", "ого+", "вау", "ух ти", "круто", "класно", "клас+", "супер", "чудово", "чудно", "відмінно",
    "прекрасно", "прикольно", r"кайф\w*", "топ", "бомба", "огонь", "отлично", "здорово", r"молод(е|ц)\w*", "браво",
    "красава", "цікаво", "интересно", "дивно", "странно", "весело", "сумно", "нудно", "скучно",
    r"(як|как) (гарно|класно|круто|мило|вчасно|легко|швидко|складно|довго)",
)
LAUGHTER_WORDS = (
    r"(х[аеи]){2,}х?", r"а?(ха){2,}\w*", r"ахах\w*", r"хех\w*", r"хих\w*", r"ржу\w*", "ржака", "хд+", "лол", "кек",
    r"(ha|ah){2,}h?", r"(he){2,}h?", "hah", "lo+l", "lmf?ao+", "rofl", "xd+",
)
# Phatic chit-chat: a question or mood that expects no work answer.
SMALL_TALK_WORDS = (
    r"(як|как) (у (тебе|вас|тебя) )?(справи|дела)( у (тебе|вас|тебя))?",
    r"(як|как) (ти|ви|ты|вы|воно|жизнь|життя|погода|настрій|настроение|вихідні|выходные|розваги)",
    r"(як|как) у (тебе|вас|тебя)( справи| дела)?", r"(що|что|шо)(-то)? (нового|новенького|робиш|робите|делаешь)",
    "що там", "ну (як|что|шо)", "і як", "и как", r"нічого (цікавого|нового)", "про що думаєш", "чё как",
    "how (are|r) (you|u|things|ya)( doing| all)?", "how'?s (it going|everyone( doing)?|life|everything)",
    "how is (it going|everyone)", "what'?s (up|new|good)", "sup", "wassup", "how was (your|the) weekend",
    r"(я )?втомл\w*", r"(я )?втоми\w*", r"(я )?устал\w*", "(i'?m )?(tired|bored|sleepy|exhausted)", "boring",
    "вже пізно", "уже поздно", "хочу спати", "хочу спать",
)
# Presence and turn-taking chatter; "зараз"/"later" alone say nothing about the work itself.
COORDINATION_WORDS = (
    "brb", "afk", "omw", "bbl", "imho", "imo", "smh", "fyi", "idk", "ikr", "tbh", "btw", "nvm", "never mind",
    "i'?m (here|back|online)", "(я )?(тут|онлайн|повернув\\w*|вернул\\w*)", "на зв'язку", "на связи",
    "let me (check|see|look)", r"(give me|one|just) a (sec|second|minute|moment)", "one sec", r"сек\w*", r"хвилин\w*",
    "щас", "зараз", "сейчас", "момент", "here we go", "let'?s (go|do (it|this))", "поїхали", "погнали", "вперед",
    "давай\\w*", "го", "forget it", "забудь", r"проїхали", "неважливо", "whatever", r"фіолет\w*", "пофиг", "байдуже",
    "ready", "finished", "all set", "everything (ok|okay|cool|good|fine)", "все (ок|добре|норм)", "когда", "коли",
    "где", "де", "куди", "звідки", "откуда", r"мож(на|но)", r"обід\w*", r"обед\w*", "lunch", "coffee( break)?",
    "кава", "каву", "кофе",
)
INTERJECTIONS = (
    r"[аоуеэи]{1,3}[хмф]{1,4}", r"[хмпф][мфх]+", "хм+", "о+", "у+", "а+", "ой", "эй", "ей", "ого", "ну", "hmm+",
    "uh+", "um+", "ah+", "oh+", "ooh+", "eh", r"(?P<rep>[^\W\d])(?P=rep){2,}", "_+",
)
# Words that may pad a noise phrase ("привіт всім", "hey guys") without adding content.
FILLER_WORDS = (
    "всім", "всем", "усім", "все", "всі", "усі", "всех", "everyone", "everybody", "all", "guys", "folks", "team",
    "there", "people", "y'?all", "люди", "друзі", "друже", "друг", "колеги", "хлопці", "ребята", "народ", "команда",
    "мої", "мой", "моя", "там", "і", "и", "а", "та", "й", "теж", "too", "again", "ще раз", "дуже", "very", "so",
    "much", "well", "and", "oh", "just", "мен", "man", "bro", "бро", "world", "світу", "світ", "всему", "миру", "мир",
    "you", "тобі", "тебе", "вам", "then", "тоді", "ж", "же",
)

_NOISE_UNIT = alternation(
    (
        *GREETING_WORDS,
        *FAREWELL_WORDS,
        *THANKS_WORDS,
        *AGREEMENT_WORDS,
        *REACTION_WORDS,
        *LAUGHTER_WORDS,
        *SMALL_TALK_WORDS,
        *COORDINATION_WORDS,
        *INTERJECTIONS,
        *FILLER_WORDS,
    )
)
#: A segment made only of noise phrases and fillers, e.g. "привіт всім", "thanks guys", "+1" (use fullmatch).
NOISE_SEGMENT = re.compile(rf"(?:(?:{_NOISE_UNIT})(?:\s+|$))+", _FLAGS)

# Category search patterns, used by tests and for partial-noise evidence.
GREETING = whole_words(GREETING_WORDS)
THANKS = whole_words(THANKS_WORDS)
AGREEMENT = whole_words(AGREEMENT_WORDS)
LAUGHTER = whole_words(LAUGHTER_WORDS)
#: "Thanks for …" / "дякую за …": gratitude with a reason is still an acknowledgement.
GRATITUDE_LEAD = re.compile(
    r"^\W*(?:thanks|thank you|thx|ty|дякую|дяки|спасибі|спасибо|благодарю)(?:\s+\w+)?\s+(?:for|за)\s", _FLAGS
)
#: Social plans and mood inside a longer message: lowers content unless something work-specific is present.
CHATTER = whole_words(
    (
        r"обід\w*", r"обед\w*", "lunch", "dinner", r"вечер[яю]\w*", r"ужин\w*", "coffee", "кава", "каву", "кофе",
        r"піц\w*", r"пицц\w*", "pizza", r"пив\w*", "beer", "kitchen", r"кухн\w*", "snacks?", "tea", "чай", "weekend",
        r"вихідн\w*", r"выходн\w*", "vacation", r"відпустк\w*", r"отпуск\w*", "birthday", "день народження", "party",
        r"вечірк\w*", r"погод\w*", "weather", r"фільм\w*", "кіно", "movie", "football", "футбол", "додому", "домой",
        "home", r"магазин\w*", "shop", r"мем\w*", r"memes?", "game", r"офіс\w*", r"офис\w*", "office", "холодно",
        "жарко", r"втомл\w*", "tired", "bored", "sleep", "спати", "спать", r"піцері\w*", "ресторан", "кафе", "cafe",
        # Everyday life around the office: belongings, commuting, food, weather, free time, health, pets.
        r"ключ(і|ів|ем|ами)?", r"ключи", "keys", r"зарядк\w*", r"зарядн\w*", r"charger\w*", r"навушник\w*",
        r"наушник\w*", r"earbuds?", r"headphones?", r"парасольк\w*", r"зонт\w*", r"umbrella\w*", "метро", "metro",
        "subway", r"потяг\w*", r"электричк\w*", r"маршрутк\w*", r"пробк\w*", "traffic", "суші", "суши", "sushi",
        r"tacos?", "тако", r"пиріж\w*", r"пирож\w*", r"cakes?", r"торт\w*", r"борщ\w*", r"canteen", r"їдальн\w*",
        r"столов(ая|ой|ую)", r"сніданок|сніданк\w*", r"завтрак\w*", "breakfast", r"сніг\w*", r"снег\w*",
        r"snow\w*", r"дощ\w*", r"дожд\w*", r"rain\w*", r"мороз\w*", r"серіал\w*", r"сериал\w*", r"поход\w*",
        r"похід", r"hik(e|ing)", r"таблетк\w*", r"painkillers?", r"кіт|кота|котик\w*", r"кот|котик", r"cats?",
        r"собак\w*", r"dogs?",
    )
)

# --- signal vocabulary (search patterns) ---------------------------------------------------------------

URL = re.compile(
    r"https?://\S+|www\.\S+|(?<![\w@.])[\w-]+(?:\.[\w-]+)*\.(?:com|io|org|net|dev|ua|ru|app|ai|"
    r"js|py|co|me|so|sh|cloud|tech)(?:/\S*)?(?![\w])",
    _FLAGS,
)
STICKER = re.compile(r"[\[<(]?(?:sticker|стікер|стикер|gif|animation|анімація|анимация)(?:\s[^\]>)]*)?[\]>)]?", _FLAGS)
CODE_FENCE = "```"
STACK_TRACE = re.compile(
    r"Traceback \(most recent call last\)|^\s+at [\w.$<>]+\(|File \"[^\"]+\", line \d+|"
    r"\b\w+(?:Error|Exception)\b|\bpanic:|segmentation fault|core dumped",
    re.MULTILINE,
)
#: Substrings without which STACK_TRACE cannot match; checking them first is much cheaper than the regex.
STACK_TRACE_HINTS = ("\n", "Error", "Exception", "Traceback", "panic:", "fault", "dumped")
#: Inline code, file paths, shell commands, identifiers (snake_case, calls, key=value); needs one of CODE_CHARS.
CODE_TOKEN = re.compile(
    r"`[^`\n]+`|(?:[\w.-]+/)+[\w-]+\.\w{1,5}\b|\b[\w-]+\.(?:py|js|ts|tsx|jsx|go|rs|java|kt|rb|php|cs|cpp|sql|"
    r"ya?ml|json|toml|ini|cfg|conf|env|md|txt|log|sh|html|css|vue|lock|csv)\b|(?:^|\s)\$ \w|"
    r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b\w+\(\)|\b\w+=\S+",
)
CODE_CHARS = frozenset("`/._$(=")
#: Identifiers in camelCase / PascalCase and common CLI invocations (no special characters needed).
CODE_WORD = re.compile(
    r"\b[a-z]+[A-Z][A-Za-z0-9]+\b|\b[A-Z][a-z0-9]+[A-Z]\w+\b|"
    r"\b(?:pip|uv|npm|yarn|pnpm|docker|kubectl|git|make|curl|psql|helm|terraform|pytest|cargo)\s+[a-z][\w-]*",
)
NUMBER_WITH_UNIT = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)?\s?(?:%|ms|мс|s|sec|сек|min|хв|мин|h|hrs?|год|ч|kb|mb|gb|tb|кб|мб|гб|k|m|x|"
    r"usd|\$|€|грн|₴|rps|rpm|qps|tokens?|users?|msgs?|requests?|rows?|items?|days?|днів|дн|weeks?|тижн\w*|"
    r"minutes?|хвилин\w*|минут\w*|seconds?|секунд\w*|hours?|годин\w*|mins?|secs?|chars?|characters?|символ\w*|lines?|рядк\w*|bytes?|байт\w*|records?|записів|calls?|times|раз\w*)"
    r"(?![\w])|(?<![\w.])v?\d+\.\d+(?:\.\d+)+\b|\bv\d+(?:\.\d+)?\b|#\d+\b|\bp(?:50|90|95|99)\b|[$€₴]\d",
    _FLAGS,
)
DATE_OR_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b")
NUMBER = re.compile(r"\d")
ERROR = whole_words(
    (
        r"errors?", r"exceptions?", r"bugs?", r"crash\w*", r"fail\w*", "broken", "outage", r"incidents?", "downtime",
        "(is|was|are|went|goes|go) down", r"time[ds]? ?out", r"timeouts?", r"leak\w*", r"regressions?", "50[0234]",
        "40[034]", "deadlock", "race condition", r"corrupt\w*", r"помилк\w*", r"ошибк\w*",
        r"ба[гґ](и|ів|а|у|ом|ами|ах|і|ов)?", r"збо[їя]\w*", r"збій", r"сбо[йя]\w*", r"пада\w*", "впав", "впала",
        "упал", "упала", r"лежит\w*", "лежить", "лежать", r"expired", r"прострочен\w*", r"истек\w*", r"сплив\w*",
        r"креш\w*", r"краш\w*", r"інцидент\w*", r"инцидент\w*", r"аварі\w*", r"авари\w*", r"недоступн\w*",
        r"таймаут\w*", r"витік\w*", r"утечк\w*", r"відвал\w*", r"дублю\w*", r"overflow\w*", r"переповн\w*", "null",
        "nil", "nan", "undefined", r"exception\w*", r"traceback",
    )
)
DECISION = whole_words(
    (
        r"decid\w*", r"decision\w*", "agreed (to|on|that)", "we'?ll go with", "going with", "chose", "chosen",
        r"approv\w*", r"вирішил\w*", r"вирішено", r"рішенн\w*", r"ухвал\w*", "обрали", "вибрали", r"решил\w*",
        r"решени\w*", r"домовил\w*", r"договорил\w*", r"погоди(в|ла|ли)", r"узгоди(в|ла|ли)",
        r"согласова(л|ла|ли)", r"переходимо|переходим|переїжджаємо",
        r"migrat\w* to", "switch(ing)? to", "moving to", r"propos\w*", r"пропону\w*", r"предлага\w*", r"suggest\w*",
        r"recommend\w*", r"рекоменду\w*", "plan is", r"план\w*", r"consider\w*", r"розгля\w*", r"рассм\w*",
    )
)
DEADLINE = whole_words(
    (
        "deadline", "due", "eod", "eow", "asap", "tomorrow", "tonight", "yesterday", "вчора", "вчера",
        "next (week|sprint|release)",
        "by (monday|tuesday|wednesday|thursday|friday|saturday|sunday|the end of \\w+|end of \\w+)",
        "(monday|tuesday|wednesday|thursday|friday)", r"sprint\w*", r"release\w*", r"дедлайн\w*", r"термін\w*",
        r"срок\w*", "завтра", "післязавтра", "послезавтра", r"наступн\w* (тижн\w*|спринт\w*|релiз\w*)",
        r"до (понеділка|вівторка|середи|четверга|п'ятниці|кінця \w+|пятницы|конца \w+)", r"к (пятнице|понедельнику)",
        r"понеділ\w*", r"вівтор\w*", r"серед[иуа]", r"четвер\w*", r"п'ятниц\w*", r"понедельн\w*", r"пятниц\w*",
        r"терміново", r"срочно", r"реліз\w*", r"релиз\w*", r"спринт\w*", r"квартал\w*", r"quarter\w*",
    )
)
REQUIREMENT = whole_words(
    (
        "must", "should", r"needs?( to)?", r"required?", r"requirements?", "has to", "have to", "mandatory", r"треба",
        r"(не)?потрібн\w*", r"необхідн\w*", "має бути", "мають бути", r"повин\w*", r"обов'язков\w*", r"(не)?нужн\w*",
        "надо", r"необходим\w*", r"должн\w*", r"требу\w*", r"вимог\w*", r"требовани\w*",
    )
)
TASK = whole_words(
    (
        "i'?ll", "i will", "i can (take|do)", r"(я )?мож(у|емо) (зробити|взяти|подивит\w*)",
        r"(я )?могу (сделать|взять|посмотреть)", "will do", r"assign\w*", "todo", r"tasks?", r"tickets?",
        "action items?", "owner", "please (review|fix|check|update|deploy|merge|look)", "can you", "could you",
        r"візьм\w*", r"зроблю", r"займу\w*", "беру", r"доруч\w*", r"таск\w*", r"задач\w*", "завдання", r"тікет\w*",
        r"тикет\w*", r"возьм\w*", "сделаю", r"назнач\w*", r"@\w+",
    )
)
TECH = whole_words(
    (
        "api", r"endpoints?", r"ендпоінт\w*", r"эндпоинт\w*", r"server\w*", r"сервер\w*", r"databases?", "db", "бд",
        r"баз[аиуіе]\w*", "sql", r"postgres\w*", "mysql", "redis", r"mongo\w*", "kafka", "nats", r"queues?",
        r"черг\w*", r"очеред\w*", r"cach\w*", r"кеш\w*", r"кэш\w*", r"index\w*", r"індекс\w*", r"индекс\w*",
        r"quer(y|ies)", r"запит\w*", r"запрос\w*", r"deploy\w*", r"деплой\w*", r"build\w*", r"білд\w*", r"сборк\w*",
        "ci", "cd", r"pipelines?", r"пайплайн\w*", r"docker\w*", "kubernetes", "k8s", r"containers?", r"контейнер\w*",
        r"services?", r"сервіс\w*", r"сервис\w*", r"workers?", r"воркер\w*", r"migrations?", r"міграц\w*",
        r"миграц\w*", r"schemas?", r"схем\w*", r"tables?", r"таблиц\w*", r"columns?", r"models?", r"модел\w*", "code",
        r"код\w*", r"functions?", r"функці\w*", r"функци\w*", r"class(es)?", r"methods?", r"метод\w*", r"modules?",
        r"модул\w*", r"librar\w*", r"бібліотек\w*", r"библиотек\w*", r"frameworks?", r"фреймворк\w*", r"tests?",
        r"testing", r"тест\w*", "coverage", r"lint\w*", r"types?", r"тип(и|ів|ом|ами|ах)?", r"logs?", r"logging",
        r"лог(и|ів|ах|ам|ами|ом|у|а)?", r"metrics?", r"метрик\w*", r"monitoring", r"моніторинг\w*", r"мониторинг\w*",
        r"alerts?", r"алерт\w*", r"dashboards?", r"дашборд\w*", r"latenc\w*", "throughput", "performance",
        r"продуктивн\w*", r"производительн\w*", "memory", r"пам'?ят\w*", "cpu", "gpu", "ram", r"disks?", r"диск\w*",
        "storage", r"network\w*", r"мереж\w*", r"ports?", r"порт(и|ів|у|а|ом|ах)?", r"config\w*", r"конфіг\w*",
        r"конфиг\w*", "env", "environment", r"середовищ\w*", r"tokens?", r"токен\w*", "auth", "oauth",
        r"authenticat\w*", r"authori[sz]ation\w*", r"авториз\w*", r"автентиф\w*", r"permissions?", r"дозвол\w*",
        r"roles?", "frontend", "backend", r"фронт\w*", r"бекенд\w*", r"бэкенд\w*", "ui", "ux", "react", "vue",
        "typescript", "python", "js", "javascript", "golang", "rust", "java", "sdk", "cli", "json", "yaml", "csv",
        r"https?", r"websockets?", "grpc", "rest", "graphql", r"webhooks?", r"вебхук\w*", r"bots?", r"бот\w*",
        r"repo\w*", r"репо\w*", r"branch\w*", r"гілк\w*", r"ветк\w*", r"commits?", r"коміт\w*", r"коммит\w*",
        r"merg\w*", r"мерж\w*", "pr", "pull request", "mr", "rebase", r"review\w*", r"рев'?ю", r"versions?",
        r"версі\w*", r"верси\w*", r"upgrad\w*", r"updat\w*", r"оновл\w*", r"обновл\w*", r"patch\w*", r"патч\w*",
        r"fix\w*", r"фікс\w*", r"фикс\w*", "hotfix", "rollback", r"відкат\w*", r"откат\w*", "staging", "prod",
        "production", "прод", r"продакш\w*", r"features?", r"фіч\w*", r"фич\w*", r"files?", r"файл\w*", r"formats?",
        r"формат\w*", r"encoding", r"кодуван\w*", r"кодировк\w*", "data", r"дан[іиі]\w*", r"scripts?", r"скрипт\w*",
        "cron", r"jobs?", r"schedul\w*", r"embedding\w*", r"vectors?", r"вектор\w*", "llm", r"prompts?", r"промпт\w*",
        "gpt", "openai", "ssl", "tls", "dns", "nginx", r"replica\w*", r"shard\w*", r"backups?", r"бекап\w*",
        r"бэкап\w*", "ssh", "vpn", "aws", "gcp", "s3", r"pods?", r"clusters?", r"кластер\w*", r"instances?",
        r"інстанс\w*", r"scal\w*", r"масштаб\w*", r"integrat\w*", r"інтеграц\w*", r"интеграц\w*", r"sync\w*",
        r"синхрон\w*", r"async\w*", r"threads?", r"process\w*", r"процес\w*", r"requests?", r"responses?", "payload",
        r"headers?", r"sessions?", r"rate limit\w*", r"ліміт\w*", r"лимит\w*", r"payments?", r"оплат\w*",
        r"платіж\w*", r"users?", r"користувач\w*", r"юзер\w*", r"пользовател\w*", r"клієнт\w*", r"клиент\w*", "jira",
        "github", "gitlab", "sentry", "grafana", "prometheus", r"concurren\w*", r"optimi[sz]\w*", r"оптиміз\w*",
        r"оптимиз\w*", r"architect\w*", r"архітектур\w*", r"архитектур\w*", r"security", r"безпек\w*", r"безопасн\w*",
        r"валідац\w*", r"validat\w*", r"notification\w*", r"сповіщ\w*", r"уведомл\w*", r"docs?", r"документ\w*",
        r"metadata", r"connections?", r"з'єднан\w*", r"соединени\w*", r"pools?", r"пул(и|ів|у|ом|а|ы|ов)?", "limits?",
        "indices", r"search\w*", r"пошук\w*", r"поиск\w*", r"filter\w*", r"фільтр\w*", r"фильтр\w*", r"algorithm\w*",
        r"алгоритм\w*", r"push\w*", r"пуш\w*", r"delet\w*", r"видал\w*", r"удал\w*", r"implement\w*", r"імплемент\w*",
        r"реаліз\w*", r"реализ\w*", r"uploads?", r"downloads?", r"storage", r"compress\w*", r"refactor\w*",
        r"рефактор\w*",
    )
)

# --- vague-but-meaningful vocabulary (lifts short messages into weak_signal) ---------------------------

HEDGE = whole_words(
    (
        "maybe", "might", "could", "possibly", "probably", "perhaps", r"seems?", "kinda", "kind of", "sort of",
        "somehow", r"some(thing|times|where|one|body)", r"any(one|body)", "looks like", "likely", "мабуть", "можливо",
        "може", "можна", "ніби", "наче", "вроді", "типу", "якось", "щось", "десь", "хтось", "когось", "комусь",
        r"чомусь", "кудись", r"як(ий|а|е|і)сь", r"якогось|якоїсь|якимсь", "здається", r"видає\w*", r"вигляда\w*",
        "схоже", "кажется", "похоже", "может", "можно", "возможно", "наверное", r"\w+-то", r"\w+-небудь",
        r"\w+-нибудь", "вероятно", "видимо", "якби", "було б", "было бы", "варто", "стоит", "if only",
    )
)
STATUS = whole_words(
    (
        r"work(ing)? on", "working", r"progress\w*", "almost", "nearly", "stuck", r"start(ed|ing)", r"try\w*",
        r"tried", r"check(ing|ed)", r"test(ing|ed)", r"investigat\w*", "looking into", "figur\\w* (it )?out",
        r"experiment\w*", "still", "later", "coming along", "on (the right )?track", r"debugg\w*", "waiting", "потім",
        "пізніше", r"працю\w*", r"дивит\w*", r"подиви\w*", r"роблю", r"займаюсь|займаюся", r"дивлю\w*", r"подивл\w*",
        "гляну", r"перевір\w*", r"тестую|тестував\w*", r"розбира\w*", r"застряг\w*", "майже", "в процесі",
        r"поча(в|ла|ли)", r"пробую|спробу\w*", r"чекаємо|почекаємо|чекаю", r"не встиг\w*", r"работа\w*", r"делаю",
        r"смотрю", r"провер\w*", r"тестиру\w*", r"разбира\w*", r"застрял\w*", "почти", r"нача(л|ла|ли)",
        r"попробу\w*", r"ждём|жду|ждем", r"уточн\w*", "потом", "позже", r"запуска\w*", r"запусти\w*", "ran",
        r"run(ning)?", "launched",
        # Done-statuses of the dev workflow ("пофіксив", "смержил", "deployed"): work, but nothing specific.
        # Each starts with a literal letter, so `alternation` files it under that letter (a leading group would be
        # tried at every position of every message).
        r"пофікс(ив|ила|или|нув|нула|нули)", r"зафікс(ив|ила|или|нув|нула|нули)", r"фікс(ив|ила|или|нув|нула|нули)",
        r"пофикс(ил|ила|или|нул|нула|нули)", r"зафикс(ил|ила|или|нул|нула|нули)", r"фикс(ил|ила|или|нул|нула|нули)",
        r"задепло\w*", r"замерж(ив|ила|или|ил)", r"смерж(ив|ила|или|ил)", r"мерж(ив|ила|или|ил)", r"зли(в|ла|ли)",
        r"вили(в|ла|ли)", r"викот(ив|ила|или)", r"выкат(ил|ила|или)",
        r"полагод\w*", r"почини\w*", r"виправи(в|ла|ли)", r"исправи(л|ла|ли)", "merged",
        "deployed", "shipped", "pushed", "fixed", "rolled out",
    )
)
PROBLEM = whole_words(
    (
        r"problems?", r"issues?", "not working", "doesn'?t work", "does not work", "isn'?t working", "broken",
        "wrong", "weird", "strange", "odd", "unusual", "different", r"happen\w*", r"проблем\w*", "не працю\\w*",
        "не так", "не то", "не той", "не та", r"злама\w*", r"не запуска\w*", r"завис(а\w*|л\w*)?", r"дивн\w*",
        r"странн\w*", "не работает", r"слома\w*", r"глюч\w*", r"глюк\w*", r"гальм\w*", r"тормоз\w*", r"трапил\w*",
        r"сталос[ья]", r"случил\w*",
    )
)
#: Something stopped doing its job, said as a statement: «імпорт не проходить», «касса не печатает»,
#: «черга стоїть», "the site won't load", "deploy is stuck".  Negated third-person and past verbs (uk/ru endings),
#: so the subject can be anything; first-person negations of knowing or managing («не знаю», «не зрозумів»,
#: «не встиг») are not reports.
BROKEN = whole_words(
    (
        r"н[еі]\s+(?!(?:зна|розум|зрозум|поним|понял|помн|пам'ята|встиг|успе|увер|впевн|хоч|можу|могу|треба|надо|"
        r"варт|стоит|буд|бул|был|так|то|той|та|те|тільки|только|дуже|очень|завжди|всегда|обов|обяз|потр|нуж)\w*)"
        r"\w{2,}?(?:ться|ються|ється|ется|ются|ится|ятся|ує|ює|ють|ять|уть|ет|ит|ут|ют|ат|ят|ає|яє|ить|ать|ів|ла|"
        r"ло|ли|лась|лося|лись|лися|лся|вся)",
        r"н[еі]\s+(?:може|можуть|может|могут|вдається|вдалось|вдалося|получается|получилось|виходить|выходит)",
        r"завис\w*", "впав", "впала", "впало", "впали", r"лягл[аои]", "ліг", "лег", r"злама\w*", r"слома\w*",
        r"відвал\w*", r"отвал\w*", r"переста(в|ла|ло|ли|л)", r"зупини(в|ла|ло|лись|лася|лося)",
        r"останови(л|ла|ло|лся|лась|лось)", r"злеті\w*", r"слете\w*", r"пропа(в|ла|ло|ли|л)", r"зник(ла|ло|ли)?",
        r"исчез(ла|ло|ли)?", "мовчить", "молчит", "висить", "висит", "стоїть",
        *(rf"{n}\s+\w+" for n in ("won't", "isn't", "aren't", "doesn't", "didn't", "can't", "cannot", "couldn't")),
        *(rf"{n}\s+\w+" for n in ("wasn't", "weren't", "hasn't", "haven't")),
        "stopped", "stuck", "frozen", r"freez\w*", "hangs", "hanging", "blank", "missing", r"disappear\w*",
        "backed up", "returns nothing", r"keeps \w+ing",
        "not (loading|working|sending|showing|saving|opening|arriving|coming)",
    )
)
CONFUSION = whole_words(
    (
        "confused", "lost", "don'?t (quite )?(get|understand)", "not sure", "unclear", r"clarif\w*", "help",
        r"wonder\w*", "curious", r"questions?", r"ideas?", "thoughts", r"іде[яїі]\w*", r"иде[яий]\w*",
        r"suggestions?", "думки", "не розумію", "не зрозуміл\\w*", r"незрозуміл\w*", "не знаю", "не ясно", "неясно",
        "не явно", r"допомо\w*", "поможіть", r"питанн\w*", r"спит\w*", "питати", r"запит\w*", r"попроси\w*",
        "не понимаю", "непонятно", r"помо(г|щ)\w*", r"вопрос\w*", r"спрос\w*", r"discuss\w*", r"обговор\w*",
        r"обсуд\w*", r"дискус\w*", r"варіант\w*", r"options?", r"approach\w*", r"підхід\w*", r"alternativ\w*",
        r"альтернатив\w*", r"порівн\w*", r"compar\w*",
    )
)
#: Deictic references and "look at this": a pointer at something not yet said.
POINTER = whole_words(
    (
        "this", "these", "that one", r"links?", r"посиланн\w*", r"лінк\w*", r"ссылк\w*", "look at", "check out",
        "see this", "worth", "relevant", r"attach\w*", r"screenshots?", r"скрін\w*", r"скрин\w*", r"вклад\w*",
        "дивись", "глянь", "подивись", "ось", "вот", "смотри", "цей", "ця", "це", "ці", "цього", "цю", "цим", "этот",
        "эта", "это", "этим",
    )
)
QUESTION_WORD = whole_words(
    (
        "how", "what", "why", "where", "when", "who", "which", "як", "що", "чому", "де", "коли", "хто",
        r"як(ий|а|е|і)", "скільки", "чи", "навіщо", "как", "что", "почему", "зачем", "где", "когда", "кто",
        r"как(ой|ая|ие)", "сколько", "ли",
    )
)
# fmt: on
LIST_OR_LABEL = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+\S|^[\w\- ]{2,30}:\s+\S", re.MULTILINE)

WORD = re.compile(r"\w[\w'-]*")
# Telegram @usernames (and team handles such as @devops-team): addressing someone is not content.
MENTION = re.compile(r"(?<![\w@])@\w[\w.-]*")
# Emoji, punctuation and symbols end a segment; "+" and "-" stay so "+1" and "10-4" survive.
SEGMENT_SPLIT = re.compile(r"[^\w\s+'\-]+")
STOP_WORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "it",
        "to",
        "of",
        "in",
        "on",
        "at",
        "and",
        "or",
        "i",
        "you",
        "we",
        "do",
        "does",
        "did",
        "be",
        "so",
        "це",
        "то",
        "ну",
        "і",
        "й",
        "а",
        "та",
        "в",
        "у",
        "з",
        "із",
        "зі",
        "на",
        "до",
        "по",
        "й",
        "я",
        "ти",
        "ми",
        "ви",
        "він",
        "вона",
        "тобі",
        "мені",
        "это",
        "и",
        "с",
        "к",
        "не",
        "ні",
    )
)
