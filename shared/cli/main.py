"""`tracker`: one entry point for running, operating and evaluating the system."""

from __future__ import annotations

import argparse
import sys

from shared.cli.db import add_db_commands
from shared.cli.ingest import add_ingest_commands
from shared.cli.openapi import add_openapi_command
from shared.cli.ops import add_ops_commands
from shared.cli.runtime import add_runtime_commands
from shared.settings import SettingsError


def _eval(args: argparse.Namespace) -> int:
    from services.scorer.evaluation import main as eval_scoring

    return eval_scoring(args.rest)


def _eval_extraction(args: argparse.Namespace) -> int:
    from services.extractor.evaluation import main as eval_extraction

    return eval_extraction([args.file, *(["--json"] if args.json else [])])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracker", description="Task Tracker: team chat → signal, knowledge, tasks")
    sub = parser.add_subparsers(dest="command", required=True)
    add_runtime_commands(sub)
    add_db_commands(sub)
    add_ops_commands(sub)  # after db: it extends `db` with backup/restore and a backup before migrate
    add_ingest_commands(sub)
    add_openapi_command(sub)
    evaluate = sub.add_parser("eval", help="measure quality on labelled data")
    what = evaluate.add_subparsers(dest="what", required=True)
    scoring = what.add_parser(
        "scoring", help="importance scoring: accuracy, macro-F1, confusion matrix", add_help=False
    )
    # Everything after `scoring` goes to the evaluator's own parser (FILE, --json, --overrides, --cv, …).
    scoring.add_argument("rest", nargs=argparse.REMAINDER, help="FILE [--json] [--overrides FILE] [--cv [K]]")
    scoring.set_defaults(func=_eval)
    extraction = what.add_parser("extraction", help="knowledge extraction of one chat's history (offline, in process)")
    extraction.add_argument("file")
    extraction.add_argument("--json", action="store_true")
    extraction.set_defaults(func=_eval_extraction)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["eval", "scoring"]:  # its own parser, so `tracker eval scoring --help` shows its options
        from services.scorer.evaluation import main as eval_scoring

        return eval_scoring(argv[2:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:  # a wrong environment value: say which, not a traceback
        print(f"tracker: configuration error: {exc} (see .env.example)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
