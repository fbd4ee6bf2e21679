"""The dependency audit of ``make audit`` (part of ``make test``): pip-audit on the locked
requirements, where only the advisories explained in ``security/audit-ignore.txt`` may pass.

Usage::

    python security/audit.py REQUIREMENTS [--ignore-file FILE] [--pip-audit COMMAND]

REQUIREMENTS is ``uv export --frozen --no-hashes`` of the lock. pip-audit needs a vulnerability
service: PyPI's per-version JSON API first, then OSV (api.osv.dev). Each is first asked about one
package; the first that answers audits them all. pip-audit itself reports "No known
vulnerabilities found" when PyPI answers "not found" for every package, so an answer counts only
when at least one package was really audited.

Exit status: 1 when a vulnerability is found that the ignore file does not explain, or when the
ignore file has an entry without a reason; 0 otherwise, including when no service answers,
which is printed plainly as an audit not done.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("pypi", "osv")
PROBE_SECONDS = 20
AUDIT_SECONDS = 45
IGNORE_FILE = Path(__file__).with_name("audit-ignore.txt")
_ADVISORY = re.compile(r"^[A-Z][A-Z0-9]*-[A-Za-z0-9][\w.:-]*$")
_PIN = re.compile(r"^[A-Za-z0-9][\w.-]*==\S+$")


@dataclass(frozen=True)
class Vulnerability:
    """One advisory against one locked package."""

    package: str
    version: str
    id: str
    aliases: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {self.id, *self.aliases}

    def __str__(self) -> str:
        fix = f"; fixed in {', '.join(self.fix_versions)}" if self.fix_versions else "; no fix yet"
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return f"{self.package}=={self.version}: {self.id}{aliases}{fix}"


@dataclass(frozen=True)
class Report:
    """What one pip-audit run found: advisories, packages audited, and packages it skipped."""

    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    audited: int = 0
    skipped: dict[str, str] = field(default_factory=dict)


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


def parse_report(output: str) -> Report:
    """The findings in pip-audit's JSON output (``-f json``)."""
    dependencies = json.loads(output)["dependencies"]
    vulnerabilities = [
        Vulnerability(
            package=dependency["name"],
            version=dependency.get("version", "?"),
            id=vuln["id"],
            aliases=tuple(vuln.get("aliases", [])),
            fix_versions=tuple(vuln.get("fix_versions", [])),
        )
        for dependency in dependencies
        for vuln in dependency.get("vulns", [])
    ]
    skipped = {d["name"]: d["skip_reason"] for d in dependencies if "skip_reason" in d}
    return Report(vulnerabilities, len(dependencies) - len(skipped), skipped)


def unexplained(report: Report, ignores: Mapping[str, str]) -> list[Vulnerability]:
    """The advisories found that no ignore entry explains (by id or by alias)."""
    return [v for v in report.vulnerabilities if not v.names() & ignores.keys()]


def stale(report: Report, ignores: Mapping[str, str]) -> list[str]:
    """Ignore entries that no advisory found any more matches: candidates for removal."""
    found = set().union(*(v.names() for v in report.vulnerabilities))
    return [advisory for advisory in ignores if advisory not in found]


def pip_audit(
    command: Sequence[str], requirements: Path, service: str, timeout: float
) -> Report | str:
    """Run pip-audit with one service: its report, or why there is none."""
    arguments = [
        *command,
        *("-r", str(requirements), "--no-deps", "--disable-pip", "-s", service),
        *("-f", "json", "--progress-spinner", "off"),
    ]
    try:
        done = subprocess.run(arguments, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"no answer within {timeout:.0f} s"
    try:
        report = parse_report(done.stdout)
    except (json.JSONDecodeError, KeyError):
        return failure(done.stderr, done.returncode)
    if report.audited == 0:
        return next(iter(report.skipped.values()), "no package audited")
    return report


def failure(stderr: str, status: int) -> str:
    """Why pip-audit gave no report, in one short line."""
    unresolved = re.search(r"Failed to resolve '([^']+)'", stderr)
    if unresolved:
        return f"cannot resolve {unresolved.group(1)} (no DNS answer from this machine)"
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:160] if lines else f"pip-audit exited with status {status}"


def first_requirement(requirements: Path) -> str:
    for line in requirements.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith(("#", "-")):
            return line.split(";")[0].strip()
    raise ValueError(f"{requirements} lists no requirement")


def audit(
    requirements: Path, ignores: Mapping[str, str], command: Sequence[str]
) -> tuple[int, list[str]]:
    """Audit the requirements with the first service that answers; exit status and lines."""
    packages = sum(
        1 for line in requirements.read_text().splitlines() if re.match(r"^[A-Za-z0-9]", line)
    )
    tried: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe.txt"
        probe.write_text(first_requirement(requirements) + "\n")
        for service in SERVICES:
            answer = pip_audit(command, probe, service, PROBE_SECONDS)
            if isinstance(answer, Report):
                answer = pip_audit(command, requirements, service, AUDIT_SECONDS)
            if isinstance(answer, str):
                tried.append(f"{service}: {answer}")
                continue
            return judge(answer, ignores, service, packages)
    lines = [
        f"dependency audit NOT DONE: no vulnerability service answered; {packages} locked"
        " packages were not checked for known vulnerabilities",
        *(f"  {line}" for line in tried),
        "  (this does not fail the build; run `make audit` where PyPI's per-version JSON API or"
        " api.osv.dev can be reached)",
    ]
    return 0, lines


def judge(
    report: Report, ignores: Mapping[str, str], service: str, packages: int
) -> tuple[int, list[str]]:
    """The exit status and the lines to print for one audit."""
    lines = [f"dependency audit ({service}): {report.audited} of {packages} packages audited"]
    if report.skipped:
        names = ", ".join(sorted(report.skipped))
        lines.append(f"  not audited ({len(report.skipped)}): {names}")
    explained = [v for v in report.vulnerabilities if v.names() & ignores.keys()]
    for vulnerability in explained:
        advisory = next(a for a in ignores if a in vulnerability.names())
        lines.append(f"  explained: {vulnerability} ({ignores[advisory]})")
    for advisory in stale(report, ignores):
        lines.append(f"  {advisory} is in the ignore file but no longer reported: remove it?")
    found = unexplained(report, ignores)
    if not found:
        lines.append("  no unexplained known vulnerability")
        return 0, lines
    lines.append(f"  {len(found)} known vulnerabilities not explained in {IGNORE_FILE.name}:")
    lines += [f"    {v}" for v in found]
    lines.append(
        f"  upgrade the package (uv lock --upgrade-package NAME), or add the id with its reason"
        f" to {IGNORE_FILE}"
    )
    return 1, lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="pip-audit of the locked requirements")
    parser.add_argument("requirements", type=Path)
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    parser.add_argument(
        "--pip-audit",
        default=f"{shlex.quote(sys.executable)} -m pip_audit",
        help="the pip-audit command (default: this Python's pip_audit module)",
    )
    args = parser.parse_args(argv)
    try:
        ignores = read_ignores(args.ignore_file.read_text())
    except ValueError as error:
        print(f"{args.ignore_file}: {error}", file=sys.stderr)
        return 1
    status, lines = audit(args.requirements, ignores, shlex.split(args.pip_audit))
    print("\n".join(lines), file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
