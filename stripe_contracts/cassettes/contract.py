"""Contract-check recorded Stripe traffic against Stripe's OpenAPI spec.

Each interaction of a cassette is matched to its operation (method + path template), then

- its query and form parameters are decoded (`cassettes.form`), coerced to the types the
  operation declares, and validated strictly: a parameter the operation does not define is a
  violation;
- its response body is validated against the operation's response schema for the recorded
  status code (or `default`), strictly, as recorded traffic: an enum value Stripe marks
  `x-stripeBypassValidation` is a warning, not an error. Given a `VersionSet`, a property or
  enum value only a newer version defines is a note (Stripe sends them to older versions too);
  `strict=True` makes notes errors. Events in responses are checked through (`validation`).

The request's `Stripe-Version` header picks the spec when several are loaded. When no loaded
spec is for that version the interaction is reported as not checked - never validated against
the wrong version.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from stripe_contracts._json import load_json
from stripe_contracts.cassettes.files import Interaction, RecordedRequest, header, read_cassette
from stripe_contracts.cassettes.form import FormDecodeError, coerce, decode_form
from stripe_contracts.errors import StripeContractsError
from stripe_contracts.spec import Spec, VersionSet
from stripe_contracts.validation import Violation, validate_as, validate_schema

__all__ = [
    "CassetteReport",
    "InteractionReport",
    "Problem",
    "check_cassette",
    "check_interactions",
    "coerce_parameters",
    "find_operation",
    "format_text",
    "parameters_schema",
    "recorded_parameters",
]

JSON = Any
Part = Literal["request", "response"]
_REF_PREFIX: Final = "#/components/schemas/"
_FORM: Final = "application/x-www-form-urlencoded"
_METHODS: Final = ("get", "post", "delete", "put", "patch")


@dataclass(frozen=True)
class Problem:
    """A violation found in the request or the response of one interaction."""

    part: Part
    violation: Violation

    @property
    def severity(self) -> str:
        return self.violation.severity

    @property
    def message(self) -> str:
        return f"{self.part}: {self.violation.message}"

    def as_dict(self) -> dict[str, JSON]:
        return {"part": self.part, **self.violation.as_dict()}


@dataclass(frozen=True)
class InteractionReport:
    """What one recorded request/response pair was checked against and what was wrong."""

    index: int
    method: str
    path: str
    status: int
    recorded_version: str | None
    api_version: str | None = None  # of the spec it was checked against
    operation: str | None = None  # e.g. "POST /v1/customers/{customer}"
    problems: tuple[Problem, ...] = ()
    not_checked: str | None = None  # why, when no loaded spec fits the recorded version

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "note"]

    def as_dict(self) -> dict[str, JSON]:
        return {
            "index": self.index,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "recorded_version": self.recorded_version,
            "api_version": self.api_version,
            "operation": self.operation,
            "checked": self.not_checked is None,
            "not_checked": self.not_checked,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class CassetteReport:
    """The contract check of one cassette, interaction by interaction."""

    path: str
    interactions: tuple[InteractionReport, ...] = field(default=())

    @property
    def errors(self) -> list[Problem]:
        return [p for i in self.interactions for p in i.errors]

    @property
    def warnings(self) -> list[Problem]:
        return [p for i in self.interactions for p in i.warnings]

    @property
    def notes(self) -> list[Problem]:
        return [p for i in self.interactions for p in i.notes]

    @property
    def unchecked(self) -> list[InteractionReport]:
        return [i for i in self.interactions if i.not_checked is not None]

    @property
    def valid(self) -> bool:
        """No errors and every interaction checked (warnings are allowed)."""
        return not self.errors and not self.unchecked

    def as_dict(self) -> dict[str, JSON]:
        return {
            "path": self.path,
            "valid": self.valid,
            "interactions": [i.as_dict() for i in self.interactions],
        }


Specs = Spec | VersionSet


def check_cassette(
    path: str | os.PathLike[str],
    spec_or_specs: Specs | Sequence[Specs],
    *,
    strict: bool = False,
) -> CassetteReport:
    """Check every interaction of the cassette at `path`; `CassetteError` if unreadable.

    With `VersionSet`s, response properties only a newer version defines are notes unless
    `strict` (request parameters the operation does not define are always violations:
    Stripe rejects them).
    """
    return check_interactions(read_cassette(path), spec_or_specs, path=str(path), strict=strict)


def check_interactions(
    interactions: Sequence[Interaction],
    spec_or_specs: Specs | Sequence[Specs],
    *,
    path: str = "<cassette>",
    strict: bool = False,
) -> CassetteReport:
    """Check interactions already read (or built in memory, e.g. by a synthesizer)."""
    given = [spec_or_specs] if isinstance(spec_or_specs, Specs) else list(spec_or_specs)
    specs = [s if isinstance(s, VersionSet) else VersionSet(s) for s in given]
    if not specs:
        raise StripeContractsError(
            "check_interactions needs at least one spec", hint="pass a Spec or a list of them"
        )
    return CassetteReport(path, tuple(_check(i, specs, strict) for i in interactions))


def _check(interaction: Interaction, specs: list[VersionSet], strict: bool) -> InteractionReport:
    request, response = interaction.request, interaction.response
    url = urlsplit(request.uri)
    recorded = header(request.headers, "Stripe-Version")
    base = InteractionReport(
        index=interaction.index,
        method=request.method,
        path=url.path,
        status=response.status,
        recorded_version=recorded,
    )
    versions = _pick_spec(specs, recorded)
    if isinstance(versions, str):
        return replace(base, not_checked=versions)
    spec = versions.pinned
    base = replace(base, api_version=spec.api_version)
    found = find_operation(spec, request.method, url.path)
    if isinstance(found, Violation):
        return replace(base, problems=(Problem("request", found),))
    template, operation = found
    label = f"{request.method} {template}"
    problems = [
        *(Problem("request", v) for v in _check_request(interaction, operation, spec, label)),
        *(
            Problem("response", v)
            for v in _check_response(interaction, operation, versions, label, strict)
        ),
    ]
    return replace(base, operation=label, problems=tuple(problems))


# -- which spec --------------------------------------------------------------------------------


def _same_version(spec_version: str, recorded: str) -> bool:
    """'2024-09-30.acacia' matches '2024-09-30'; beta flags after ';' are ignored."""
    wanted = recorded.split(";")[0].strip()
    return spec_version == wanted or spec_version.split(".")[0] == wanted.split(".")[0]


def _pick_spec(specs: list[VersionSet], recorded: str | None) -> VersionSet | str:
    """The spec for the recorded Stripe-Version, or why none can be used."""
    loaded = ", ".join(s.pinned.api_version for s in specs)
    if recorded is None:
        if len(specs) == 1:
            return specs[0]
        return (
            "no Stripe-Version header was recorded, so it cannot tell which of the loaded "
            f"specs applies (loaded: {loaded}); pass only the spec of your account's "
            "default API version"
        )
    for spec in specs:
        if _same_version(spec.pinned.api_version, recorded):
            return spec
    return (
        f"recorded with Stripe API {recorded}, but no loaded spec is for that version "
        f"(loaded: {loaded}); add that version's spec3.json with --spec"
    )


# -- which operation ---------------------------------------------------------------------------

_compiled_paths: dict[str, list[tuple[int, re.Pattern[str], str]]] = {}


def _templates(spec: Spec) -> list[tuple[int, re.Pattern[str], str]]:
    """(literal characters, regex, template) for every path, most specific first."""
    found = _compiled_paths.get(spec.key)
    if found is None:
        found = []
        for template in spec.paths:
            pieces = re.split(r"(\{[^}/]+\})", template)
            regex = "".join(
                f"(?P<{_group(p)}>[^/]+)" if p.startswith("{") else re.escape(p) for p in pieces
            )
            literal = sum(len(p) for p in pieces if not p.startswith("{"))
            found.append((literal, re.compile(regex), template))
        found.sort(key=lambda entry: (-entry[0], entry[2]))
        _compiled_paths[spec.key] = found
    return found


def _group(piece: str) -> str:
    return "p_" + re.sub(r"\W", "_", piece[1:-1])


def find_operation(spec: Spec, method: str, path: str) -> tuple[str, JSON] | Violation:
    """The (path template, operation) that serves `method path`, or a violation saying why
    none does. Literal segments win over parameters (`/v1/customers/search` before
    `/v1/customers/{customer}`)."""
    verb = method.lower()
    allowed: list[str] = []
    for _literal, regex, template in _templates(spec):
        if not regex.fullmatch(path):
            continue
        item = spec.paths[template]
        if verb in item:
            return template, item[verb]
        allowed.extend(m.upper() for m in _METHODS if m in item and m.upper() not in allowed)
    if allowed:
        detail = f"{method} is not an operation of {path}; the spec allows {', '.join(allowed)}"
        rule = "method"
    else:
        detail = f"no operation of Stripe API {spec.api_version} has the path {path}"
        rule = "operation"
    return _violation(spec, f"{method} {path}", "", rule, detail)


def _violation(spec: Spec, label: str, pointer: str, rule: str, detail: str) -> Violation:
    return Violation(
        object_type=label,
        object_id=None,
        pointer=pointer,
        rule=rule,
        expected=None,
        actual=None,
        api_version=spec.api_version,
        detail=detail,
    )


# -- request -----------------------------------------------------------------------------------


def _check_request(
    interaction: Interaction, operation: JSON, spec: Spec, label: str
) -> list[Violation]:
    label = f"{label} params"
    try:
        raw = recorded_parameters(interaction.request)
    except FormDecodeError as exc:
        return [_violation(spec, label, "", "form", exc.message)]
    except _NotParameters as exc:
        return [_violation(spec, label, exc.pointer, exc.rule, exc.message)]
    schema = parameters_schema(operation)
    params = coerce_parameters(raw, schema, spec)
    return validate_schema(params, schema, spec, label=label, strict=True, recorded=True)


class _NotParameters(StripeContractsError):
    def __init__(self, message: str, *, rule: str, pointer: str = "") -> None:
        super().__init__(message)
        self.rule, self.pointer = rule, pointer


def recorded_parameters(request: RecordedRequest) -> dict[str, JSON]:
    """The parameters a recorded request sent, query string and body together, as decoded
    strings (`coerce_parameters` gives them their types). Raises `FormDecodeError` for a body
    that does not decode, and a `StripeContractsError` for one that is not parameters."""
    query = decode_form(urlsplit(request.uri).query)
    body = _request_body(request.body, header(request.headers, "Content-Type"))
    if body is None:  # multipart uploads and other bodies that are not parameters
        body = {}
    if not isinstance(body, dict):
        raise _NotParameters("the request body is not an object", rule="type")
    both = sorted(set(query) & set(body))
    if both:
        detail = f"parameter(s) {both} sent both in the query string and in the body"
        raise _NotParameters(detail, rule="duplicate", pointer=f"/{both[0]}")
    return {**query, **body}


def coerce_parameters(params: dict[str, JSON], schema: JSON, spec: Spec) -> JSON:
    """`params` with their string leaves read as the types `schema` (of `spec`) asks for."""
    return coerce(params, schema, _resolver(spec))


def _request_body(raw: str | bytes | None, content_type: str | None) -> JSON:
    if raw is None or raw in ("", b""):
        return {}
    kind = (content_type or _FORM).lower()
    if "multipart/" in kind:
        return None
    if "json" in kind:
        try:
            return load_json(raw)
        except ValueError as exc:
            raise FormDecodeError.undecodable(
                "(body)", f"the JSON body does not parse: {exc}"
            ) from None
    return decode_form(raw)


def parameters_schema(operation: JSON) -> JSON:
    """One object schema for everything the operation accepts: query parameters plus the
    properties of its form body (Stripe reads parameters from either)."""
    properties: dict[str, JSON] = {}
    required: list[str] = []
    for param in operation.get("parameters") or []:
        if param.get("in") == "query":
            properties[param["name"]] = param.get("schema") or {}
            if param.get("required"):
                required.append(param["name"])
    content = ((operation.get("requestBody") or {}).get("content")) or {}
    for kind in (_FORM, "application/json"):
        body = (content.get(kind) or {}).get("schema") or {}
        properties.update(body.get("properties") or {})
        required.extend(body.get("required") or [])
    schema: dict[str, JSON] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = sorted(set(required))
    return schema


def _resolver(spec: Spec) -> Any:
    def resolve(node: JSON) -> JSON:
        ref = node.get("$ref") if isinstance(node, dict) else None
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            return spec.schema(ref[len(_REF_PREFIX) :])
        return node

    return resolve


# -- response ----------------------------------------------------------------------------------


def _check_response(
    interaction: Interaction, operation: JSON, versions: VersionSet, label: str, strict: bool
) -> list[Violation]:
    spec = versions.pinned
    response = interaction.response
    responses: Mapping[str, JSON] = operation.get("responses") or {}
    declared = responses.get(str(response.status)) or responses.get("default")
    label = f"{label} {response.status} response"
    if declared is None:
        detail = f"status {response.status} is not a documented response of this operation"
        return [_violation(spec, label, "", "status", detail)]
    schema = ((declared.get("content") or {}).get("application/json") or {}).get("schema")
    if schema is None:
        return []
    raw = response.body
    try:
        body = load_json(raw) if raw not in (None, "", b"") else None
    except ValueError as exc:
        detail = f"the response body is not usable JSON: {exc}"
        return [_violation(spec, label, "", "json", detail)]
    if body is None:
        return [_violation(spec, label, "", "json", "the response body is not JSON")]
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX) and len(schema) == 1:
        return validate_as(body, ref[len(_REF_PREFIX) :], versions, strict=strict, recorded=True)
    return validate_schema(body, schema, versions, label=label, strict=strict, recorded=True)


# -- text --------------------------------------------------------------------------------------


def format_text(reports: Sequence[CassetteReport]) -> str:
    """A human-readable report: one line per interaction, problems indented below it."""
    lines: list[str] = []
    for report in reports:
        lines.append(report.path)
        for item in report.interactions:
            where = f"  #{item.index} {item.method} {item.path} -> {item.status}"
            if item.not_checked is not None:
                lines.append(f"{where}: NOT CHECKED: {item.not_checked}")
                continue
            verdict = (
                _counts(len(item.errors), len(item.warnings), len(item.notes))
                if item.problems
                else "ok"
            )
            operation = f"{item.operation}, " if item.operation else ""
            lines.append(f"{where} [{operation}Stripe API {item.api_version}]: {verdict}")
            lines.extend(f"      {p.message}" for p in item.problems)
    total = sum(len(r.interactions) for r in reports)
    errors = sum(len(r.errors) for r in reports)
    warnings = sum(len(r.warnings) for r in reports)
    notes = sum(len(r.notes) for r in reports)
    unchecked = sum(len(r.unchecked) for r in reports)
    summary = f"{total} interactions in {len(reports)} cassette{'s' * (len(reports) != 1)}: "
    if errors or warnings or notes:
        summary += _counts(errors, warnings, notes)
    else:
        summary += "no violations in those checked" if unchecked else "all valid"
    if unchecked:
        summary += f"; {unchecked} not checked (no spec for the recorded API version)"
    lines.append(summary)
    return "\n".join(lines)


def _counts(errors: int, warnings: int, notes: int = 0) -> str:
    parts = []
    if errors:
        parts.append(f"{errors} violation{'s' * (errors != 1)}")
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    if notes:
        parts.append(f"{notes} note{'s' * (notes != 1)}")
    return ", ".join(parts)
