"""Shared fixtures: the sample project (a copy per test, one build per session), the command line, EPUBCheck, a
loopback server; and the rule that a build's unexpected bookforge warning fails the test that caused it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.books import REPO, SOURCE_DATE_EPOCH


def copy_project(source: Path, target: Path) -> Path:
    """A book project (manuscript, layouts, assets) copied without its build outputs."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("manuscript", "layouts", "assets"):
        if (source / name).exists():
            shutil.copytree(source / name, target / name)
    return target


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current templates instead of comparing (`make golden`)")


@pytest.fixture(scope="session", autouse=True)
def _users_cache(tmp_path_factory):
    """The user's cache key, and the shared store beside it (drawn ebook covers, font maps), one per test session:
    what the tests find there is what their own builds put there."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOOKFORGE_CACHE_KEY_FILE", str(tmp_path_factory.mktemp("user-cache") / "cache.key"))
        yield


@pytest.fixture(autouse=True)
def _reproducible_dates(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)


# -- warnings ---------------------------------------------------------------------------------------------------------
# Every build ends in a BuildReport, which carries each edition's warnings (bad CSS WeasyPrint skipped, a font
# fallback): a test fails when its builds warn, unless it says which codes it expects with
# `@pytest.mark.expect_warnings("pdf-render")`, as WeasyPrint's own tests fail on any log they did not capture.

@pytest.fixture(scope="session", autouse=True)
def _build_warnings():
    """The warnings of the builds since the last test ended (a test's module fixtures build in its setup)."""
    from bookforge.build.report import BuildReport

    seen: list = []
    report_init = BuildReport.__init__

    def observed(self, editions, *args, **kwargs):
        report_init(self, editions, *args, **kwargs)
        seen.extend(warning for result in editions for warning in result.warnings if warning.severity == "warning")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BuildReport, "__init__", observed)
        yield seen


@pytest.fixture(autouse=True)
def _no_unexpected_warnings(request, _build_warnings):
    yield
    marker = request.node.get_closest_marker("expect_warnings")
    expected = set(marker.args) if marker else set()
    found = list(_build_warnings)
    _build_warnings.clear()
    unexpected = [str(warning) for warning in found if warning.code not in expected]
    never = sorted(expected - {warning.code for warning in found})
    if unexpected:
        pytest.fail("bookforge warned, and the test does not expect it (mark it "
                    "@pytest.mark.expect_warnings(CODE) if it should):\n" + "\n".join(unexpected), pytrace=False)
    if never:
        pytest.fail(f"the test expects warnings that never came: {', '.join(never)}", pytrace=False)


@pytest.fixture
def cli():
    """The command line, run in this process: `cli("build", "-C", folder)` -> click's Result. It must not crash."""
    from click.testing import CliRunner

    from bookforge.cli import main

    def run(*args: str | Path):
        result = CliRunner().invoke(main, [str(arg) for arg in args])
        assert "Traceback" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result

    return run


@pytest.fixture
def sample_project(tmp_path) -> Path:
    """A fresh, writable copy of the repository's sample book for one test."""
    return copy_project(REPO, tmp_path / "sample")


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory):
    """The sample book built once per test session: {edition name: EditionResult}."""
    from bookforge.build.orchestrate import build

    project = copy_project(REPO, tmp_path_factory.mktemp("built") / "sample")
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    try:
        results = build(project)
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    return {result.name: result for result in results}


@pytest.fixture(scope="session")
def epubcheck():
    """The W3C EPUBCheck, run as `bookforge check` runs it: an EPUB's errors and warnings (cached per path)."""
    from bookforge.check import epubcheck as run_epubcheck

    cache: dict[Path, list[str]] = {}

    def run(path: Path) -> list[str]:
        assert path.is_file(), f"no EPUB at {path}"
        if path not in cache:
            result = run_epubcheck(path)
            if result.skipped:
                pytest.fail(f"EPUBCheck did not run ({result.skipped}): run `make test`, which installs it")
            cache[path] = [*result.errors, *result.warnings]
        return cache[path]

    return run


@pytest.fixture
def loopback_server():
    """A web server on 127.0.0.1 that records the requests it gets (`.url`, `.requests`): a book must make none."""
    import http.server
    import threading
    from types import SimpleNamespace

    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}", requests=requests)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def catalogue_environment():
    """What a catalogue's tasks read from the environment, for a module of tests that start Dask workers (which
    inherit it): the build date and the shared store's key."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        patch.setenv("BOOKFORGE_STORE_KEY", "the tests' key")
        yield


@pytest.fixture(scope="module")
def cluster(catalogue_environment):
    """A real Dask LocalCluster of two worker processes, one thread each."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as running:
        yield running
