"""The two JSON Schema engines behind validation, reduced to one error shape.

`rust` (jsonschema-rs) is the hot path: compiled once per schema, microseconds per object.
`python` (jsonschema) is the reference the differential tests compare against. Both report
`RawError`s, so messages are built by one piece of code whichever engine found the problem.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

JSON = Any
Engine = Literal["rust", "python"]
ENGINES: tuple[Engine, ...] = ("rust", "python")


@dataclass
class RawError:
    path: tuple[str | int, ...]
    keyword: str
    schema: JSON  # the schema node that holds `keyword`
    instance: JSON
    branches: list[tuple[int, list[RawError]]] = field(default_factory=list)


class Compiled(Protocol):
    def is_valid(self, instance: JSON) -> bool: ...

    def errors(self, instance: JSON) -> Iterator[RawError]: ...


def _is_unix_time(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or value >= 0


def _is_decimal(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return decimal.Decimal(value).is_finite()
    except decimal.InvalidOperation:
        return False


FORMATS = {"unix-time": _is_unix_time, "decimal": _is_decimal}


def compile_schema(root: JSON, engine: Engine) -> Compiled:
    """Compile `root` (a document whose top level is a `$ref` into its own components)."""
    if engine == "rust":
        return _RustCompiled(root)
    assert engine == "python", engine
    return _PythonCompiled(root)


class _RustCompiled:
    def __init__(self, root: JSON) -> None:
        import jsonschema_rs

        self._root = root
        self._validator = jsonschema_rs.Draft4Validator(
            root, formats=FORMATS, validate_formats=True
        )
        self.is_valid = self._validator.is_valid  # no wrapper on the hot path

    def errors(self, instance: JSON) -> Iterator[RawError]:
        for error in self._validator.iter_errors(instance):
            yield self._convert(error)

    def _convert(self, error: Any) -> RawError:
        *node_path, keyword = list(error.schema_path)
        node = self._root
        for part in node_path:
            node = node[int(part)] if isinstance(node, list) else node[part]
        branches: list[tuple[int, list[RawError]]] = []
        if keyword in ("anyOf", "oneOf"):
            context = getattr(error.kind, "context", None) or []
            branches = [
                (index, [self._convert(sub) for sub in errors])
                for index, errors in enumerate(context)
            ]
        return RawError(
            path=tuple(error.instance_path),
            keyword=keyword,
            schema=node,
            instance=error.instance,
            branches=branches,
        )


class _PythonCompiled:
    def __init__(self, root: JSON) -> None:
        import jsonschema

        checker = jsonschema.FormatChecker(formats=())
        for name, check in FORMATS.items():
            checker.checks(name)(check)
        self._validator = jsonschema.Draft4Validator(root, format_checker=checker)

    def is_valid(self, instance: JSON) -> bool:
        return bool(self._validator.is_valid(instance))

    def errors(self, instance: JSON) -> Iterator[RawError]:
        for error in self._validator.iter_errors(instance):
            yield self._convert(error)

    def _convert(self, error: Any) -> RawError:
        branches: dict[int, list[RawError]] = {}
        for sub in error.context or ():
            branches.setdefault(int(sub.relative_schema_path[0]), []).append(self._convert(sub))
        return RawError(
            path=tuple(error.absolute_path),
            keyword=str(error.validator),
            schema=error.schema,
            instance=error.instance,
            branches=sorted(branches.items()),
        )
