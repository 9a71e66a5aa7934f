"""WeasyPrint fetches only the book's own resources: a stylesheet cannot make it read a file or fetch a URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.books import tiny_project, write_layout


@pytest.mark.parametrize("reference", ["file:///etc/passwd", "{server}/x.css", "../../secret.css", "{secret}"])
def test_a_stylesheet_cannot_make_weasyprint_read_a_file_or_fetch_a_url(tmp_path: Path, cli, loopback_server,
                                                                         reference: str):
    secret = tmp_path / "project" / "secret.css"
    root = tiny_project(tmp_path / "project", print_layout="hostile")
    secret.write_text("body { color: green }", encoding="utf-8")
    reference = reference.format(server=loopback_server.url, secret=secret.as_uri())
    write_layout(root, "hostile", "extends: print\n",
                 {"styles/hostile.css": f'@import url("{reference}");\nbody {{ background: url("{reference}") }}\n'})

    result = cli("build", "-C", root, "-j", "1", "paperback")

    assert result.exit_code == 1, result.stderr
    assert "layouts/hostile" in result.stderr and "error[unsafe-css]" in result.stderr
    assert loopback_server.requests == []
    assert not (root / "build").exists() or not list((root / "build").rglob("*.pdf"))
