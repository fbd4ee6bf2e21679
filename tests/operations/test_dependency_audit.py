"""The dependency audit (``make audit``): only advisories explained in the ignore file pass, and an
audit that could not reach the vulnerability database says NOT RUN and does not fail.

The real pip-audit runs against a local stand-in of OSV's query API (``--osv-url``), so these
tests need no network and still catch a change in how pip-audit reports a finding or a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

from credit_assets import settings


def _load_audit() -> ModuleType:
    path = settings.PROJECT_ROOT / "security" / "audit.py"
    spec = importlib.util.spec_from_file_location("security_audit", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = _load_audit()

REQUIREMENTS = "a2wsgi==1.10.10\n    # via bentoml\njinja2==3.1.2\n    # via mlflow\n"
JINJA_ADVISORY = {
    "id": "GHSA-h5c8-rqwp-cp95",
    "aliases": ["CVE-2024-22195"],
    "summary": "Jinja vulnerable to HTML attribute injection",
    "affected": [
        {
            "package": {"name": "jinja2", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.1.3"}]}],
        }
    ],
}


class _Osv(BaseHTTPRequestHandler):
    """OSV's ``POST /v1/query``: Jinja 3.1.2 has one advisory, every other package none."""

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = {"vulns": [JINJA_ADVISORY]} if query["package"]["name"] == "jinja2" else {}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: pytest shows the audit's own output."""


@pytest.fixture(scope="module")
def osv() -> Iterator[str]:
    """The query address of a local OSV stand-in."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Osv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    thread.join()


def run(tmp_path: Path, osv_url: str, ignores: str = "") -> tuple[int, str, str]:
    """``security/audit.py`` around the real pip-audit, as the Makefile runs it (OSV at
    ``osv_url``); exit status, standard output and standard error."""
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    (tmp_path / "ignore.txt").write_text(ignores)
    pip_audit = [
        *(sys.executable, "-m", "pip_audit", "--requirement", str(tmp_path / "requirements.txt")),
        *("--no-deps", "--disable-pip", "--strict", "--progress-spinner", "off"),
        *("-s", "osv", "--osv-url", osv_url, "--cache-dir", str(tmp_path / "cache")),
    ]
    done = subprocess.run(
        [
            *(sys.executable, str(settings.PROJECT_ROOT / "security" / "audit.py")),
            *("--ignore-file", str(tmp_path / "ignore.txt"), "--", *pip_audit),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"},
    )
    return done.returncode, done.stdout, done.stderr


def test_an_unexplained_vulnerability_fails_the_audit(tmp_path: Path, osv: str) -> None:
    status, out, err = run(tmp_path, osv)
    assert status == 1
    assert "jinja2 3.1.2   CVE-2024-22195 3.1.3" in out
    assert "Found 1 known vulnerability in 1 package" in err
    assert "NOT RUN" not in out + err


@pytest.mark.parametrize("listed", ["GHSA-h5c8-rqwp-cp95", "CVE-2024-22195"])
def test_a_vulnerability_explained_by_id_or_alias_passes(
    tmp_path: Path, osv: str, listed: str
) -> None:
    ignores = f"# comment\n{listed}  jinja2==3.1.2  only the sandboxed templates are affected\n"
    status, out, err = run(tmp_path, osv, ignores)
    assert status == 0, out + err
    assert "No known vulnerabilities found, 1 ignored" in err


def test_an_unreachable_database_is_reported_as_not_run(tmp_path: Path) -> None:
    # Port 9 (discard) on the loopback: nothing listens there, the connection is refused.
    status, out, err = run(tmp_path, "http://127.0.0.1:9/v1/query")
    assert status == 0, out + err
    assert out.startswith("dependency audit: NOT RUN") and len(out.splitlines()) == 1
    assert "ConnectionError" in out
    assert "No known vulnerabilities" not in out + err


@pytest.mark.parametrize(
    ("stderr", "cause"),
    [
        (
            "WARNING:pip_audit._cli:--no-deps is supported\nERROR:pip_audit._cli:a2wsgi: "
            "Dependency not found on PyPI and could not be audited: a2wsgi (1.10.10)\n",
            "Dependency not found on PyPI and could not be audited: a2wsgi (1.10.10)",
        ),
        (
            "ERROR:pip_audit._cli:Could not connect to PyPI's vulnerability feed\n"
            "ERROR:pip_audit._cli:Tip: your network may be blocking this service.\n",
            "Could not connect to PyPI's vulnerability feed",
        ),
        ("Found 1 known vulnerability in 1 package\n", None),
        ("ERROR:pip_audit._cli:requirement file is not pinned: jinja2\n", None),
    ],
)
def test_only_an_unreachable_database_counts_as_not_run(stderr: str, cause: str | None) -> None:
    assert audit.unreachable(stderr) == cause


def test_an_ignore_entry_without_a_reason_fails_before_auditing(tmp_path: Path) -> None:
    (tmp_path / "ignore.txt").write_text("GHSA-h5c8-rqwp-cp95 jinja2==3.1.2\n")
    marker = tmp_path / "pip-audit-ran"
    status = audit.main(
        [
            *("--ignore-file", str(tmp_path / "ignore.txt"), "--"),
            *(sys.executable, "-c", f"open({str(marker)!r}, 'w')"),
        ]
    )
    assert status == 1 and not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("jinja2 is fine\n", "'jinja2' is not an advisory id"),
        ("PYSEC-1-2 reason one\nPYSEC-1-2 reason two\n", "line 2: PYSEC-1-2 is listed twice"),
        ("\n# note\nCVE-2024-1\n", "line 3: CVE-2024-1 has no reason"),
    ],
)
def test_malformed_ignore_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        audit.read_ignores(text)


def test_ignore_entries_keep_their_reasons() -> None:
    text = "# header\n\nPYSEC-2024-1  numpy==1.0  not reachable: no pickle input\nGHSA-x-y z\n"
    assert audit.read_ignores(text) == {
        "PYSEC-2024-1": "not reachable: no pickle input",
        "GHSA-x-y": "z",
    }


def test_the_project_ignore_file_is_valid() -> None:
    ignores = audit.read_ignores(audit.IGNORE_FILE.read_text())
    assert all(reason.strip() for reason in ignores.values())


def test_make_test_audits_the_lock_strictly() -> None:
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "test"],
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "export --frozen" in done.stdout and "security/audit.py" in done.stdout
    # Without --strict, a database that knows none of the packages reads as a clean audit.
    assert "pip-audit" in done.stdout and "--strict" in done.stdout
