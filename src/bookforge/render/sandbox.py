"""The Jinja environment layouts run in: Jinja's immutable sandbox, with a bound on everything one template can make
(ranges, repeated and joined text, numbers, nested macro calls, output). Time and memory are bounded by the caller
(bookforge.budget)."""

from __future__ import annotations

import functools
import inspect
import re
import string
import threading
import types
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

MAX_RANGE = 10_000
"""Items in one `range()`."""
MAX_STEPS = 1_000_000
"""Items of every `range()` of one render together: nested loops over ranges stop here."""
MAX_TEXT = 16_000_000
"""Characters in any one value a template makes (a string, or what a list or mapping holds once written out)."""
MAX_OUTPUT = 64_000_000
"""Characters one template renders (the whole book as one HTML document is ~1-2 MB for a 300-page novel)."""
MAX_NUMBER_BITS = 4_096
"""Binary digits of an integer a template computes (10**1233)."""
MAX_WIDTH = 10_000
"""A field width or precision in a format string, a `center`/`ljust` width, a `batch`/`slice` count."""
MAX_CALL_DEPTH = 100
"""Macros (and recursive loops) called inside each other."""


class TemplateLimit(jinja2.exceptions.TemplateRuntimeError):
    """A template asked for more than a book needs; the message says which limit."""


_counts = threading.local()


def reset_counts() -> None:
    """Start a render: the `range()` steps and call depth count from zero (per thread)."""
    _counts.steps = 0
    _counts.depth = 0


def weight(value: Any, limit: int = MAX_TEXT) -> int:
    """About how many characters `value` makes once written out (strings, numbers, and what lists, tuples, sets,
    mappings and namespaces hold, each time they hold it); counting stops once past `limit`."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += 2 + 2 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, Namespace):
            stack.append(dict(item._Namespace__attrs))  # type: ignore[attr-defined]
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 1
        else:
            total += 1
        if total > limit:
            break
    return total


def _refuse(what: str) -> TemplateLimit:
    return TemplateLimit(f"{what}; a book's templates never need that much")


def _check_weight(value: Any, what: str = "a value") -> None:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise _refuse(f"{what} of {len(value):,} characters, more than {MAX_TEXT:,}")
    elif weight(value) > MAX_TEXT:
        raise _refuse(f"{what} that would be more than {MAX_TEXT:,} characters written out")


def _check_width(number: Any, what: str) -> None:
    if isinstance(number, int) and not isinstance(number, bool) and number > MAX_WIDTH:
        raise _refuse(f"{what} of {number:,}, more than {MAX_WIDTH:,}")


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent_format(template: str) -> None:
    for match in _PERCENT_FIELD.finditer(template):
        for field in match.groups():
            if field == "*":
                raise _refuse("a `*` width in a format string")
            if field is not None and int(field) > MAX_WIDTH:
                raise _refuse(f"a field width of {int(field):,} in a format string, more than {MAX_WIDTH:,}")


def _check_brace_format(template: str, depth: int = 0) -> None:
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # str.format raises its own error
    for _, _, spec, _ in fields:
        if not spec:
            continue
        if "{" in spec:
            raise _refuse("a field width taken from an argument in a format string")
        for number in re.findall(r"\d+", spec):
            if int(number) > MAX_WIDTH:
                raise _refuse(f"a field width of {int(number):,} in a format string, more than {MAX_WIDTH:,}")


def _check_replace(text: str, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        times = text.count(old) if old else len(text) + 1
        if len(text) + times * (len(new) - len(old)) > MAX_TEXT:
            raise _refuse(f"a replacement making more than {MAX_TEXT:,} characters")


def _check_string_method(method: Any, args: tuple, kwargs: dict) -> tuple:
    """Before a str method is called from a template: refuse the calls that would make far too much text; returns
    the arguments to call it with (an iterable to join is read once, here)."""
    text, name = method.__self__, method.__name__
    if name in ("center", "ljust", "rjust", "zfill") and args:
        _check_width(args[0], f"`{name}` to a width")
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int) and len(text) + text.count("\t") * size > MAX_TEXT:
            raise _refuse("tabs expanded to more than the text limit")
    elif name == "replace" and len(args) >= 2:
        _check_replace(text, args[0], args[1])
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((weight(value) for value in args[0].values()), default=0)
        if len(text) * longest > MAX_TEXT:
            raise _refuse(f"a translation making more than {MAX_TEXT:,} characters")
    elif name == "join" and args:
        args = (_joined_items(args[0], text), *args[1:])
    return args


def _joined_items(items: Any, separator: Any) -> list:
    """The items to join, read once (they may come from a generator), refused as soon as they pass MAX_TEXT."""
    size = len(separator) if isinstance(separator, (str, bytes)) else 0
    found, total = [], 0
    for item in items:
        total += weight(item) + size
        if total > MAX_TEXT:
            raise _refuse(f"a join of more than {MAX_TEXT:,} characters")
        found.append(item)
    return found


def checked_filter(name: str, function: Callable) -> Callable:
    """A built-in filter with the same behaviour, refusing what would make far too much."""
    signature = inspect.signature(function)
    amplifier = name in ("center", "indent", "replace", "format", "join", "wordwrap", "batch", "slice", "tojson")

    @functools.wraps(function)
    def checked(*args, **kwargs):
        for value in (*args, *kwargs.values()):
            if isinstance(value, (str, list, tuple, dict, set, Namespace)):
                _check_weight(value, f"the `{name}` filter given a value")
        if amplifier:
            bound = signature.bind(*args, **kwargs).arguments
            _check_filter(name, bound)
            if name == "join":
                items = _joined_items(bound["value"], bound.get("d", ""))
                arguments = signature.bind(*args, **kwargs)
                arguments.arguments["value"] = items
                args, kwargs = arguments.args, arguments.kwargs
        result = function(*args, **kwargs)
        if isinstance(result, (str, list)):
            _check_weight(result, f"the `{name}` filter making a value")
        return result

    return checked


def _check_filter(name: str, bound: dict) -> None:
    if name == "center":
        _check_width(bound.get("width"), "`center` to a width")
    elif name == "tojson":
        _check_width(bound.get("indent"), "`tojson` with an indent")
    elif name in ("batch", "slice"):
        _check_width(bound.get("linecount", bound.get("slices")), f"`{name}` into a count")
    elif name == "replace":
        _check_replace(bound.get("s"), bound.get("old"), bound.get("new"))
    elif name == "format" and isinstance(bound.get("value"), str):
        _check_percent_format(bound["value"])
    elif name == "indent":
        text, width = str(bound.get("s", "")), bound.get("width", 4)
        extra = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        if len(text) + (text.count("\n") + 1) * extra > MAX_TEXT:
            raise _refuse(f"indenting to more than {MAX_TEXT:,} characters")
    elif name == "wordwrap":
        text, wrap = str(bound.get("s", "")), bound.get("wrapstring") or "\n"
        if len(text) * (1 + len(str(wrap))) > MAX_TEXT:
            raise _refuse(f"wrapping to more than {MAX_TEXT:,} characters")


class _CheckedConcat(CodeGenerator):
    """`a ~ b` goes through the environment's `concat_checked`, which refuses text over the limit."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concat_checked(")
        self.write("(markup_join if context.eval_ctx.volatile else str_join)" if frame.eval_ctx.volatile else
                   "markup_join" if frame.eval_ctx.autoescape else "str_join")
        self.write(", (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


MAX_COMPILED = 512
"""Compiled templates a process keeps (BookSandbox.compile); past it, they are compiled again as needed."""
_COMPILED: dict[tuple, types.CodeType] = {}


class BookSandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (no attribute tricks, no changing lists or mappings) with bounds on what a template makes."""

    intercepted_binops = frozenset({"*", "+", "**", "%"})
    code_generator_class = _CheckedConcat

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=self._finalize, **options)
        self.globals["range"] = self._range
        del self.globals["lipsum"]  # placeholder text on demand (up to any size): no book needs it
        self.filters = {name: checked_filter(name, function) for name, function in self.filters.items()}

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        """Jinja's compile, kept in this process by the source and whatever of the environment the code depends on:
        an edition and its cover, and each rebuild of the preview, compile a layout's templates once."""
        if not isinstance(source, str) or raw or callable(self.autoescape):
            return super().compile(source, name, filename, raw, defer_init)
        key = (source, name, filename, defer_init, self.autoescape, self.lexer, self.optimized, self.is_async,
               tuple(self.filters), tuple(self.tests), tuple(self.extensions))
        code = _COMPILED.get(key)
        if code is None:
            if len(_COMPILED) >= MAX_COMPILED:
                _COMPILED.clear()
            code = _COMPILED[key] = super().compile(source, name, filename, raw, defer_init)
        return code

    @staticmethod
    def _range(*args: int) -> range:
        numbers = range(*args)
        if len(numbers) > MAX_RANGE:
            raise _refuse(f"a `range` of {len(numbers):,} items, more than {MAX_RANGE:,}")
        _counts.steps = getattr(_counts, "steps", 0) + len(numbers)
        if _counts.steps > MAX_STEPS:
            raise _refuse(f"more than {MAX_STEPS:,} steps of `range` in one rendering (loops inside loops?)")
        return numbers

    @staticmethod
    def _finalize(value: Any) -> Any:
        if not isinstance(value, str):
            _check_weight(value, "a value to write out")
        return value

    @staticmethod
    def concat_checked(join: Callable, items: tuple) -> str:
        if sum(weight(item) for item in items) > MAX_TEXT:
            raise _refuse(f"joining text with `~` into more than {MAX_TEXT:,} characters")
        return join(items)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        numbers = all(isinstance(x, int) and not isinstance(x, bool) for x in (left, right))
        if operator == "*":
            if numbers:
                if left.bit_length() + right.bit_length() > MAX_NUMBER_BITS:
                    raise _refuse(f"a number of more than {MAX_NUMBER_BITS:,} binary digits")
            elif isinstance(right, int) and isinstance(left, (str, list, tuple, bytes)):
                _check_weight_times(left, right)
            elif isinstance(left, int) and isinstance(right, (str, list, tuple, bytes)):
                _check_weight_times(right, left)
        elif operator == "**":
            if numbers and right > 0 and max(left.bit_length(), 1) * right > MAX_NUMBER_BITS:
                raise _refuse(f"a number of more than {MAX_NUMBER_BITS:,} binary digits")
        elif operator == "+":
            if (isinstance(left, (str, list, tuple, bytes)) and isinstance(right, (str, list, tuple, bytes))
                    and weight(left) + weight(right) > MAX_TEXT):
                raise _refuse(f"joining text or lists with `+` into more than {MAX_TEXT:,} characters")
        elif operator == "%" and isinstance(left, str):
            _check_percent_format(left)
            _check_weight(right, "a value to format")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's own signature
        nested = isinstance(__obj, (Macro, LoopContext))
        wrapped = getattr(__obj, "__wrapped__", None)
        if isinstance(__obj, types.BuiltinMethodType) and isinstance(getattr(__obj, "__self__", None), (str, bytes)):
            args = _check_string_method(__obj, args, kwargs)
        elif wrapped is not None and getattr(wrapped, "__name__", "") in ("format", "format_map") \
                and isinstance(getattr(wrapped, "__self__", None), str):
            _check_brace_format(wrapped.__self__)
            _check_weight([args, kwargs], "values to format")
        if nested:
            depth = getattr(_counts, "depth", 0) + 1
            if depth > MAX_CALL_DEPTH:
                raise _refuse(f"macros (or a recursive loop) called inside each other more than {MAX_CALL_DEPTH} "
                              "deep")
            _counts.depth = depth
        try:
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            if nested:
                _counts.depth -= 1
        if isinstance(result, (str, list, tuple, dict)):
            _check_weight(result, "a call making a value")
        return result


def _check_weight_times(value: Any, times: int) -> None:
    if times > 0 and weight(value) * times > MAX_TEXT:
        raise _refuse(f"repeating a value {times:,} times, more than {MAX_TEXT:,} characters")


def render_capped(template: jinja2.Template, context: dict[str, Any]) -> str:
    """The template rendered, refused as soon as its output passes MAX_OUTPUT characters."""
    size, pieces = 0, []
    for piece in template.generate(context):
        size += len(piece)
        if size > MAX_OUTPUT:
            raise _refuse(f"more than {MAX_OUTPUT:,} characters of output")
        pieces.append(piece)
    return "".join(pieces)
