"""A template's failure (a mistake, a sandbox limit, a budget run over) as a problem at the template file and line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jinja2

from bookforge.budget import OverBudget, exceeded
from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.layout.chain import Layout
from bookforge.render.sandbox import TemplateLimit, render_capped


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any], layout: Layout) -> str:
    """Template `name` of the layout rendered; any problem, a limit or a budget run over, is a located
    BookforgeError naming the template file (and line) where it happened."""
    try:
        return render_capped(env.get_template(name), context)
    except jinja2.TemplateError as exc:
        problem = template_problem(exc, template_location(exc, layout, name))
    except OverBudget as exc:
        reason = exceeded()
        problem = template_problem(exc, template_location(exc, layout, name), reason)
    except Exception as exc:  # 1/0, int("x"), a RecursionError: the template's own mistake, not bookforge's
        problem = template_problem(exc, template_location(exc, layout, name))
    raise BookforgeError([problem])


def render_source(env: jinja2.Environment, source: str, context: dict[str, Any], where: Location) -> str:
    """A template given as its text (a stylesheet): rendered, any problem located at `where`."""
    try:
        return render_capped(env.from_string(source), context)
    except jinja2.TemplateError as exc:
        problem = template_problem(exc, _line_in(exc, where))
    except OverBudget as exc:
        reason = exceeded()
        problem = template_problem(exc, where, reason)
    except Exception as exc:
        problem = template_problem(exc, _line_in(exc, where))
    raise BookforgeError([problem])


def _line_in(exc: BaseException, where: Location) -> Location:
    lines = [line for file, line in _frames(exc) if file == "<template>"]
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.lineno:
        lines = [exc.lineno]
    return Location(where.file, lines[-1], 1) if lines else where


def template_location(exc: BaseException, layout: Layout, fallback: str) -> Location:
    """Where in the layout's templates the error is: a syntax error knows; otherwise the innermost template frame."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Location(exc.filename, exc.lineno or 0, 1 if exc.lineno else 0)
    folders = tuple(f"{layer.folder}/templates/" for layer in layout.chain)
    inside = [(file, line) for file, line in _frames(exc) if file.startswith(folders)]
    if inside:
        file, line = inside[-1]
        return Location(file, line, 1)
    folder = next((layer.folder for layer in layout.chain if fallback in layer.templates), layout.name)
    return Location(f"{folder}/templates/{fallback}")


def _frames(exc: BaseException) -> Iterator[tuple[str, int]]:
    """(file, line) of each frame of the traceback, template lines for compiled templates."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        template = frame.f_globals.get("__jinja_template__")
        line = tb.tb_lineno
        if template is not None:  # a compiled template's own frame: Jinja maps its Python lines to template lines
            line = template.get_corresponding_lineno(line)
        yield frame.f_code.co_filename, line
        tb = tb.tb_next


def template_problem(exc: BaseException, where: Location, reason: str = "") -> Diagnostic:
    """A template's error in an author's words."""
    if isinstance(exc, jinja2.TemplateNotFound):
        return Diagnostic("template-missing", f"the template `{exc.name}` is in no layout of the chain", where)
    if isinstance(exc, jinja2.UndefinedError):
        found = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", exc.message or "")
        what = f"`{found[1] or found[2]}` is not defined here" if found else f"template error: {exc.message}"
        return Diagnostic("template-undefined", what, where,
                          "check the spelling of the variable; templates may use only what bookforge passes in")
    if isinstance(exc, TemplateLimit):
        return Diagnostic("template-limit", f"the template asks for {exc.message}", where,
                          "look for loops inside loops, macros calling themselves, or text repeated many times")
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return Diagnostic("template-unsafe", f"template tried something unsafe: {exc}", where)
    if isinstance(exc, OverBudget):
        return Diagnostic("template-budget", f"rendering the template {reason}", where,
                          "look for loops inside loops, or macros calling themselves")
    if isinstance(exc, RecursionError):
        return Diagnostic("template-limit", "templates include or call each other without end", where,
                          "look for a template that includes itself, or a macro that calls itself")
    if isinstance(exc, jinja2.TemplateError):
        return Diagnostic("template-error", f"template error: {exc.message}", where)
    return Diagnostic("template-error", f"template error: {type(exc).__name__}: {exc}", where)
