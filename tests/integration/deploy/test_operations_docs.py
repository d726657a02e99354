"""Every command in the operations guide (English and Ukrainian) is one this repository really has."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from .conftest import REPO

DOCS = [REPO / "docs/operations.md", REPO / "docs/operations.uk.md"]


def snippets(path: Path) -> list[str]:
    """Inline code spans and code-block lines."""
    text = path.read_text()
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return [s.strip() for s in [*lines, *inline] if s.strip()]


def tracker_commands(path: Path) -> set[str]:
    out = set()
    for snippet in snippets(path):
        for match in re.finditer(r"(?<![\w/:@-])tracker ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", snippet.split("#")[0]):
            out.add(match.group(0))
        # the one-shot compose service runs the image's entrypoint, `tracker`
        if snippet.startswith("docker compose run --rm migrate "):
            out.add("tracker " + " ".join(shlex.split(snippet)[5:7]))
    return out


def normalised(snippet: str) -> str:
    """A command without its trailing comment, placeholders (which are translated) reduced to `<>`."""
    return re.sub(r"<[^>]*>", "<>", snippet.split("  #")[0]).strip()


def test_both_languages_give_the_same_commands() -> None:
    english, ukrainian = ({normalised(s) for s in snippets(p)} for p in DOCS)
    commands = {s for s in english if re.match(r"(uv run|just|docker|kubectl|promtool|curl|cp) ", s)}
    assert commands - ukrainian == set()


def cli_parser() -> argparse.ArgumentParser:
    """The `tracker` parser with the operator commands, as `python -m shared.cli.ops` builds it."""
    from shared.cli.main import build_parser
    from shared.cli.ops import _already_added, _subcommands, add_ops_commands

    parser = build_parser()
    if not _already_added(_subcommands(parser)):
        add_ops_commands(_subcommands(parser))
    return parser


def command_parser(parser: argparse.ArgumentParser, words: list[str]) -> argparse.ArgumentParser | None:
    """The parser of `tracker <words…>` (as deep as the words name subcommands), or None if a word is unknown."""
    for word in words:
        subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subcommands:
            return parser  # the rest are positional arguments
        if word not in subcommands[0].choices:
            return None
        parser = subcommands[0].choices[word]
    return parser


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_tracker_command_exists_with_its_flags(doc: Path) -> None:
    parser = cli_parser()
    for command in sorted(tracker_commands(doc)):
        assert command_parser(parser, command.split()[1:]) is not None, f"{doc.name}: `{command}` is no command"
    for snippet in snippets(doc):
        if not re.search(r"(?<![\w/:@-])tracker ", snippet):
            continue
        tail = re.split(r"(?<![\w/:@-])tracker ", snippet, maxsplit=1)[1].split("#")[0]
        words = [w for w in shlex.split(tail) if not w.startswith("-")]
        found = command_parser(parser, words[:3])
        assert found is not None, f"{doc.name}: `{snippet}`"
        for flag in re.findall(r"(--[a-z][a-z-]*)", tail):
            assert flag in options(found), f"{doc.name}: `{snippet}`: {flag} unknown"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_just_recipe_and_repo_path_exists(doc: Path) -> None:
    justfile = (REPO / "justfile").read_text()
    for snippet in snippets(doc):
        if snippet.startswith("kubectl"):
            continue  # `deploy/gateway` there is a Kubernetes resource, not a path
        for recipe in re.findall(r"^just ([a-z-]+)", snippet):
            assert re.search(rf"^{recipe}( |:)", justfile, re.M), f"{doc.name}: no recipe {recipe}"
        for path in re.findall(r"\b((?:deploy|docs)/[\w./-]+|\.env\.example|compose\.yml)", snippet):
            assert (REPO / path.rstrip(".")).exists(), f"{doc.name}: {path} does not exist"
