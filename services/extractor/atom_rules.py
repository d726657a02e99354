"""Language-aware rules that type a chat message as a knowledge atom (uk / ru / en).

Word stems cover inflection ("вирішили", "вирішено"); every pattern matches whole words only (the scorer's
`whole_words`, Cyrillic-safe). The scorer's own vocabularies (problems, errors, requirements) are reused so a
word that makes a message signal also types it. Order matters: a message that reports a decision and mentions
a problem is a decision; `TYPE_ORDER` is that precedence.
"""

from __future__ import annotations

import re
from typing import Final

from services.scorer import lexicon as lx
from services.scorer.lexicon import whole_words
from shared.contracts.common import AtomType

# fmt: off
BLOCKER = whole_words((
    r"block(ed|er|ers|ing)", "can'?t (proceed|continue|deploy|merge|release|move on|start)", "stuck on",
    "waiting (on|for) (the )?\\w+ (team|approval|access)",
    r"заблоков\w*", r"блокер\w*", r"блоку\w*", r"блокир\w*",
    r"не мож(емо|ем|у) (продовжити|продолжить|задеплоїти|задеплоить|рухатись|двигаться)",
    r"чекаємо на", r"ждем", r"ждём",
))
DECISION = whole_words((
    r"decided", r"decision", "we'?ll go with", "going with", "let'?s go with", "agreed (to|on|that)",
    "final(ly)? (choice|answer)",
    "we (chose|picked|settled on)", "settled", r"вирішил\w*", r"вирішено", r"рішення\s*:", r"ухвалил\w*", r"обрали",
    r"вибрали",
    r"домовил\w*", r"остаточно", r"решил\w*", r"решено", r"решение\s*:", r"договорил\w*", r"выбрали", r"зупинил\w* на",
    r"остановил\w* на",
))
AGREEMENT_LEAD = re.compile(
    r"^\W*(?:agree[d.!,]|i agree|згоден|згодна|согласен|согласна|погоджуюсь|так, давай)", re.IGNORECASE
)
SOLUTION = whole_words((
    r"fix(ed|es)?", r"solution", r"solved", r"resolv\w*", r"workaround", "found it",
    "found the (cause|issue|problem|bug)", "the cause",
    "(we|you) can use", "let'?s (use|add|update|set|switch|change|move|create)", "use \\w+ (to|for|as)",
    "we should (use|add|set)",
    "created (a )?new", "added", "updated", "changed", r"rework\w*", "instead of",
    r"виправ\w*", r"пофікс\w*", r"полагод\w*", r"знайшов", r"знайшла", r"знайшли", r"вирішує", r"рішення",
    "треба додати", "можна додати",
    r"використа(ємо|ти|ймо)", r"додамо", r"додав", r"додала", r"налаштува\w*", r"зміни(в|ла|ли|ти)", r"замість",
    r"исправ\w*", r"починил\w*", r"нашел", r"нашёл", r"нашла", r"решает", r"решение", "надо добавить", "можно добавить",
    r"использ(уем|овать|уйте)", r"добавим", r"добавил\w*", r"настро(ил|ить)\w*", r"вместо",
))
PROBLEM_EXTRA = whole_words((
    "too (slow|expensive|low|high|long|big|many)", r"expensive", r"slow(er|ly)?", "doesn'?t scale",
    "not (saved|called|processed|working|triggered)",
    "false positives?", r"random results", r"irrelevant",
    r"повільн\w*", r"дорог\w*", r"не встига\w*", r"не обробляю\w*", r"не зберіга\w*", r"не виклика\w*", r"залипа\w*",
    r"зависа\w*",
    r"медленн\w*", r"не успева\w*", r"не обрабатыва\w*", r"не сохраня\w*", r"не вызыва\w*", r"виса\w*", r"тормоз\w*",
))
RISK = whole_words((
    r"risk\w*", r"concern\w*", r"danger\w*", "might (break|fail|lose|slow)", "could (break|fail|lose|slow)",
    "may (break|fail|lose|slow)",
    "can slow", "lost on restart", "single point of failure", "what if", r"vulnerab\w*", r"caveat\w*", r"downside\w*",
    r"ризик\w*", r"небезпе\w*", "може (зламати|впасти|сповільн\\w*)", "можемо втратити", r"вразлив\w*", "а якщо",
    r"риск\w*", r"опасн\w*", "может (сломать|упасть|замедл\\w*)", "можем потерять", r"уязвим\w*", "а если",
))
IDEA = whole_words((
    r"idea", "what if we", "how about", "maybe we (should|could|can)", "we could", "i think we should",
    "i'?d (lean|suggest|propose)",
    r"suggest\w*", r"propos\w*", "it would be (nice|good|great)", "worth (trying|considering)",
    r"іде[яюї]", r"пропону\w*", "можна було б", "може варто", "думаю (нам )?(варто|треба|потрібно)",
    "було б (добре|непогано|круто)",
    r"иде[яюи]", r"предлага\w*", "можно было бы", "может стоит", "думаю (нам )?(стоит|надо|нужно)",
    "было бы (хорошо|неплохо|круто)",
))
# Explanations: reasons, trade-offs, numbers, lists — knowledge that is none of the above.
INSIGHT = whole_words((
    "because", "since", r"pros?", r"cons?", "trade-?offs?", "rationale", "means", "works by", "supports", "uses",
    r"faster", r"slower",
    "бо", "тому що", "оскільки", "через те", "плюси", "мінуси", "означає", r"підтриму\w*", r"швидш\w*", r"повільніш\w*",
    "потому что", "так как", "плюсы", "минусы", "означает", r"поддержива\w*", r"быстрее", r"медленнее",
))
# fmt: on

TYPE_ORDER: Final[tuple[AtomType, ...]] = (
    "blocker",
    "decision",
    "solution",
    "problem",
    "risk",
    "idea",
    "requirement",
    "question",
    "insight",
)


def _is_question(text: str) -> bool:
    """The message asks rather than tells: its last sentence is a question (or it is one short question)."""
    stripped = text.strip()
    if not stripped:
        return False
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", stripped) if s.strip()]
    return sentences[-1].rstrip().endswith("?") or (len(sentences) <= 2 and "?" in stripped)


def matched_types(text: str) -> list[AtomType]:
    """Every atom type whose rule fires on `text`, in precedence order (empty: only the insight fallback)."""
    norm = lx.normalise(text)
    hits: set[AtomType] = set()
    if BLOCKER.search(norm):
        hits.add("blocker")
    if DECISION.search(norm) or (AGREEMENT_LEAD.search(norm) and len(lx.WORD.findall(norm)) >= 5):
        hits.add("decision")
    if SOLUTION.search(norm):
        hits.add("solution")
    if lx.PROBLEM.search(norm) or lx.ERROR.search(norm) or PROBLEM_EXTRA.search(norm):
        hits.add("problem")
    if RISK.search(norm):
        hits.add("risk")
    if IDEA.search(norm):
        hits.add("idea")
    if lx.REQUIREMENT.search(norm):
        hits.add("requirement")
    if _is_question(norm):
        hits.add("question")
    if INSIGHT.search(norm) or lx.LIST_OR_LABEL.search(norm) or lx.NUMBER_WITH_UNIT.search(norm):
        hits.add("insight")
    return [t for t in TYPE_ORDER if t in hits]


def atom_type(text: str) -> tuple[AtomType, bool]:
    """The message's atom type and whether a specific rule (not just the insight fallback) decided it.

    A question that also reports a problem ("Is the worker down again?") stays a question: asking is what it
    does. Otherwise the first type in `TYPE_ORDER` wins.
    """
    types = matched_types(text)
    if "question" in types and _is_question(text) and text.strip().endswith("?"):
        return "question", True
    for candidate in types:
        if candidate != "insight":
            return candidate, True
    return "insight", bool(types)
