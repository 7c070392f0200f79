"""veraPDF, the PDF/A validator, run on files by the tests (a command, not a server).

scripts/install-test-services.sh resolves it from Maven Central (tests/services/verapdf/pom.xml)
and writes its classpath under the cache; this module runs its command-line application,
``org.verapdf.apps.GreenfieldCliWrapper``, on a batch of files at once (one JVM start, ~1.5 s)
and reads its JSON report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ._base import ServiceError, cache_dir

MAIN = "org.verapdf.apps.GreenfieldCliWrapper"


@dataclass(frozen=True)
class Verdict:
    path: Path
    compliant: bool
    profile: str
    failures: tuple[str, ...]  # "clause-test: description (first error message)"


class VeraPdf:
    """``validate(paths, flavour="2b")`` -> one Verdict per file, in the order given."""

    def __init__(self, install_dir: Path | None = None, java: str | None = None):
        self.install_dir = install_dir or Path(
            os.environ.get("ARCHIVE_VERAPDF_HOME") or cache_dir() / "verapdf"
        )
        if not (self.install_dir / "classpath").is_file():
            raise ServiceError("veraPDF not installed: run scripts/install-test-services.sh")
        self.classpath = (self.install_dir / "classpath").read_text().strip()
        self.version = (self.install_dir / "version").read_text().strip()
        self.java = java or shutil.which("java") or "java"

    def validate(self, paths: list[Path], flavour: str = "2b") -> list[Verdict]:
        command = [self.java, "-Xmx1g", "-cp", self.classpath, MAIN, "--flavour", flavour,
                   "--format", "json", "--nonpdfext", *map(str, paths)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, timeout=600, check=False)
        try:
            report = json.loads(done.stdout)["report"]
        except (ValueError, KeyError) as exc:
            tail = done.stderr.decode("utf-8", "replace")[-2000:]
            raise ServiceError(f"veraPDF gave no report (exit {done.returncode}): {tail}") from exc
        by_name = {job["itemDetails"]["name"]: job for job in report["jobs"]}
        return [_verdict(Path(p), by_name.get(str(p))) for p in paths]


def _verdict(path: Path, job: dict | None) -> Verdict:
    if job is None or not job.get("validationResult"):
        return Verdict(path, False, "", ("not validated (unreadable or not a PDF)",))
    result = job["validationResult"]
    result = result[0] if isinstance(result, list) else result
    failures = tuple(
        f"{rule['clause']}-{rule['testNumber']}: {rule['description'][:160]}"
        f" ({rule['checks'][0]['errorMessage'][:160] if rule.get('checks') else ''})"
        for rule in result["details"].get("ruleSummaries", [])
        if rule.get("status") == "failed"
    )
    return Verdict(path, bool(result["compliant"]), result.get("profileName", ""), failures)
