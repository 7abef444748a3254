"""YAML from files this package did not write (specs, cassettes): safe tags only, no aliases.

An alias (`*name`) repeats the node anchored as `&name` by reference, so a few hundred bytes
of nested aliases ("billion laughs") stand for billions of values. PyYAML builds them shared
and quickly, but anything that later walks the result (translating a schema, printing a
header) runs for minutes and runs out of memory. Stripe's specs and vcrpy's cassettes use no
aliases, so the loaders here refuse the first one, and `dump` never writes one.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

import yaml

from stripe_contracts._json import MAX_DEPTH

__all__ = [
    "AliasRefused",
    "Loader",
    "TooDeep",
    "check_depth",
    "dump",
    "load",
    "refusing_aliases",
    "writing_no_aliases",
]

L = TypeVar("L", bound=type[yaml.constructor.SafeConstructor])
D = TypeVar("D", bound=type[yaml.representer.BaseRepresenter])


class AliasRefused(yaml.YAMLError):
    """The document uses an alias; callers report it as their own error, naming the file."""

    def __init__(self, mark: yaml.Mark | None) -> None:
        where = f" (the node at line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        super().__init__(
            f"YAML aliases are not allowed{where}: an alias (*name) repeats an anchored "
            "(&name) node, and nested ones can expand exponentially; write the value out in full"
        )


class TooDeep(yaml.YAMLError):
    """The document nests deeper than `MAX_DEPTH`: libyaml builds nodes recursively in C, so
    a document nested some 100,000 levels deep crashes the interpreter instead of raising."""

    def __init__(self, mark: Any) -> None:
        where = f" (at line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        super().__init__(f"nested more than {MAX_DEPTH} levels deep{where}")


def check_depth(text: str | bytes, loader: type[Any] | None = None) -> None:
    """Raise `TooDeep` if `text` nests deeper than `MAX_DEPTH`, from the parser's event
    stream (a loop, not a recursion: no node is built)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader or Loader):
            if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise TooDeep(event.start_mark)
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # PyYAML from 6.0.4 on stops flow collections nested over 1,000 deep in its scanner,
        # before any event reaches this loop: the same refusal, said the same way
        if "nesting depth" in str(exc.problem):
            raise TooDeep(exc.problem_mark) from None
        raise


def refusing_aliases(loader: L) -> L:
    """A subclass of the PyYAML `loader` (pure Python or libyaml) that refuses aliases.

    An alias hands the constructor a node it has already built (or is building): that is
    the one way a node is constructed twice, so that is where it is refused.
    """

    def construct_object(self: Any, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise AliasRefused(node.start_mark)
        return loader.construct_object(self, node, deep)

    name = f"AliasRefusing{loader.__name__}"
    return cast(L, type(name, (loader,), {"construct_object": construct_object}))


Loader = refusing_aliases(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load(text: str | bytes) -> Any:
    """Parse one YAML document with safe tags only; `AliasRefused` (a `yaml.YAMLError`) on an
    alias, `TooDeep` on nesting deeper than `MAX_DEPTH`, other `yaml.YAMLError`s on invalid
    YAML."""
    check_depth(text)
    return yaml.load(text, Loader=Loader)  # a SafeLoader subclass


def writing_no_aliases(dumper: D) -> D:
    """A subclass of the PyYAML `dumper` that writes shared objects out in full, never as
    anchor and alias: what it writes, the loaders here read."""

    def ignore_aliases(self: Any, data: Any) -> bool:
        return True

    name = f"AliasFree{dumper.__name__}"
    return cast(D, type(name, (dumper,), {"ignore_aliases": ignore_aliases}))


_Dumper = writing_no_aliases(yaml.SafeDumper)


def dump(data: Any, **options: Any) -> str:
    """YAML text for `data` (safe tags, no aliases); `options` as for `yaml.dump`."""
    return str(yaml.dump(data, Dumper=_Dumper, **options))
