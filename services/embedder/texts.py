"""What gets embedded: the text of each kind of item, and which messages qualify."""

from __future__ import annotations

from typing import Literal, get_args

EmbedPolicy = Literal["signal", "all"]
EMBED_POLICIES: tuple[str, ...] = get_args(EmbedPolicy)
# "signal" keeps weak_signal too: short follow-ups ("which index?") are what search has to find later.
_SIGNAL_CLASSES = frozenset({"signal", "weak_signal"})


def message_text(text: str | None) -> str | None:
    """The message's text as embedded, or None when there is nothing to embed."""
    if text is None:
        return None
    stripped = text.strip()
    return stripped or None


def _joined(head: str, body: str | None) -> str:
    head, body = head.strip(), (body or "").strip()
    return f"{head}\n\n{body}" if body else head


def atom_text(title: str, content: str | None) -> str:
    """An atom is embedded as "title\\n\\ncontent"."""
    return _joined(title, content)


def topic_text(name: str, description: str | None) -> str:
    """A topic is embedded as "name\\n\\ndescription"."""
    return _joined(name, description)


def parse_policy(value: str) -> EmbedPolicy:
    """Validate a policy from configuration (TT_EMBED_CLASSES)."""
    policy = value.strip().lower()
    if policy == "signal":
        return "signal"
    if policy == "all":
        return "all"
    raise ValueError(f"unknown embedding policy {value!r}; expected one of {list(EMBED_POLICIES)}")


def should_embed(classification: str | None, policy: EmbedPolicy | str = "signal") -> bool:
    """Whether a message with this classification is embedded; unscored messages wait for their score."""
    resolved = parse_policy(policy)
    if classification is None:
        return False
    return resolved == "all" or classification in _SIGNAL_CLASSES
