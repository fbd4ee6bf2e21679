"""The dependency audit of ``make audit`` (part of ``make test``): pip-audit, plus the two things
its options cannot do.

Usage::

    python security/audit.py [--ignore-file FILE] -- PIP-AUDIT COMMAND...

1. An advisory may pass only with a reason: each entry of ``security/audit-ignore.txt`` needs
   one, and becomes a ``--ignore-vuln`` of the command (``--ignore-vuln`` itself takes bare ids).
2. An audit that could not ask the vulnerability service is said plainly and does not fail the
   build. pip-audit reports a package the service does not know as skipped, and then "No known
   vulnerabilities found"; with ``--strict`` it fails instead, as it does when the service cannot
   be reached, with the same status as a real finding. Such a failure is printed as one line,
   ``dependency audit: NOT RUN``; every other outcome keeps pip-audit's own output and status,
   so a finding the ignore file does not explain still fails.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

IGNORE_FILE = Path(__file__).with_name("audit-ignore.txt")
_ADVISORY = re.compile(r"^[A-Z][A-Z0-9]*-[A-Za-z0-9][\w.:-]*$")
_PIN = re.compile(r"^[A-Za-z0-9][\w.-]*==\S+$")
# Every locked package is on PyPI, so "not found" means the JSON API answering is not PyPI's
# (a registry mirror serving only the simple index, as on machines without network access).
_UNREACHABLE = re.compile(
    r"Dependency not found on PyPI and could not be audited: .*"
    r"|Could not connect to .*"
    r"|requests\.exceptions\.(?:ConnectionError|ConnectTimeout|ReadTimeout|ProxyError): .*"
)


def read_ignores(text: str) -> dict[str, str]:
    """The advisory ids allowed to pass, each with its reason.

    Each entry is one line: the id, optionally ``package==version``, then the reason. Lines
    starting with ``#`` and blank lines are skipped.

    Raises:
        ValueError: naming the line of an entry without a reason, of an id that is not an
            advisory id, or of an id listed twice.
    """
    ignores: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        advisory, rest = words[0], words[1:]
        if not _ADVISORY.match(advisory):
            raise ValueError(f"line {number}: {advisory!r} is not an advisory id (PYSEC-, GHSA-)")
        if rest and _PIN.match(rest[0]):
            rest = rest[1:]
        if not rest:
            raise ValueError(f"line {number}: {advisory} has no reason: say why it may pass")
        if advisory in ignores:
            raise ValueError(f"line {number}: {advisory} is listed twice")
        ignores[advisory] = " ".join(rest)
    return ignores


def unreachable(stderr: str) -> str | None:
    """Why pip-audit could not ask the vulnerability service, from its error output; ``None``
    when it failed for any other reason (a finding, a bad requirement)."""
    causes = _UNREACHABLE.findall(stderr)
    return causes[-1][:200] if causes else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pip-audit command with the explained ids ignored; its exit status, or 0 for an
    audit that could not reach the vulnerability service."""
    parser = argparse.ArgumentParser(description="pip-audit with explained ids ignored")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    parser.add_argument("command", nargs="+", help="pip-audit and its options")
    args = parser.parse_args(argv)
    try:
        ignores = read_ignores(args.ignore_file.read_text())
    except ValueError as error:
        print(f"{args.ignore_file}: {error}", file=sys.stderr)
        return 1
    flags = [flag for advisory in ignores for flag in ("--ignore-vuln", advisory)]
    done = subprocess.run([*args.command, *flags], stderr=subprocess.PIPE, text=True)
    cause = unreachable(done.stderr) if done.returncode else None
    if cause is None:
        sys.stderr.write(done.stderr)
        return done.returncode
    print(
        "dependency audit: NOT RUN - the vulnerability database could not be reached (offline?),"
        " so the locked packages were not checked; run `make audit` with network access."
        f" pip-audit: {cause}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
