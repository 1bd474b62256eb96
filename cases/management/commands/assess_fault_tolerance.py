from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.fault_tolerance.cli import EXIT_OK, run_file


class Command(BaseCommand):
    help = (
        "Assess fault-tolerance answers from a JSON file (or - for standard input) and print the "
        "recommendation as JSON. Exit 0 for every outcome, 2 for malformed input."
    )
    # Pure computation over a file: no database, so the system checks would only slow it down.
    requires_system_checks: list[str] = []
    # Lets tests pass a stream through call_command(..., stdin=...) the way createsuperuser does.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        # Optional at the parser level so that a missing argument gets the contract's one-line error
        # (exit 2) instead of argparse's multi-line usage text.
        parser.add_argument("file", nargs="?", help='input JSON file, or "-" to read standard input')

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"] is None:
            raise CommandError("missing FILE argument: give a JSON file, or - for standard input", returncode=2)
        result = run_file(options["file"], stdin=options.get("stdin") or sys.stdin)
        if result.exit_code != EXIT_OK:
            # run_from_argv prints "CommandError: <message>" on one line, without a traceback.
            raise CommandError(result.output, returncode=result.exit_code)
        self.stdout.write(result.output)
