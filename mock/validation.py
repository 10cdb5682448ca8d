"""Request validation from the spec, tightened where Connexion 3.3 falls short (G-12).

Measured on a bare Connexion 3.3 app: a body that is not UTF-8 raised inside its JSON validator
(500); `format: uuid` (and `date`) are not checked, because it uses the draft-4 format checker;
and every request compiled its JSON Schema validators anew. These subclasses fix the first two
and compile each schema once. Body violations are 422 `validation_failed` with one
`{field, message}` per error (G-6); parameter violations are 400 `invalid_parameter`.

Multipart (the upload, ATT-1) is parsed here once, as it streams in: Connexion 3.3's validator
keeps every received message to replay it to the handler (the whole body in memory), and the
handler then parses it a second time. `StrictMultiPartValidator` instead spools the file part to
disk, checks the form, and hands the parsed `Upload` to the handler through the operation's
context.
"""

from __future__ import annotations

import json
import re
import typing as t
import weakref
from contextlib import aclosing
from dataclasses import dataclass
from functools import partial

import jsonschema_rs
from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from jsonschema import FormatChecker, ValidationError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import Message, Receive, Scope

from mock.bodies import MISSING, body_of, buffer_body, recall_json, remember_json
from mock.errors import ApiProblem

# Every format jsonschema knows (uuid, date, date-time, …), not only draft 4's.
FORMATS = FormatChecker()
# The spec's pattern for every id (a pattern with words, below).
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# A UUID in that canonical form conforms to jsonschema's `uuid` (which parses it with `UUID()`
# and wants hyphens at 8, 13, 18, 23): the pattern says so in a tenth of the time (`fullmatch`:
# no final newline slips through `$`). Any other string is left to jsonschema's own check,
# which also takes a few odd forms.
_CANONICAL_UUID = re.compile(UUID_PATTERN)


def _uuid(value: str) -> bool:
    return bool(_CANONICAL_UUID.fullmatch(value)) or FORMATS.conforms(value, "uuid")


# The same checks for jsonschema_rs, whose own formats are looser (its uuid takes
# `urn:uuid:…` and 32 bare digits): a format means what it means to jsonschema, in both.
_RS_FORMATS: dict[str, t.Callable[..., bool]] = {
    **{name: partial(FORMATS.conforms, format=name) for name in FORMATS.checkers},
    "uuid": _uuid}


class Compiled:
    """One schema, compiled twice: jsonschema_rs (Rust) answers "valid" for the common case in
    a few microseconds (a settle's body: 5 µs against 44 µs); jsonschema, with Connexion's
    draft-4 request rules (`nullable`), has the last word whenever Rust says no — so a request
    is refused only by jsonschema, with its errors and their words. Rust never makes a verdict
    looser: where the two differ it is the stricter (no `nullable`; `$` does not match before
    a final newline), and the Python check then decides."""

    def __init__(self, schema: dict[str, t.Any]) -> None:
        self.python = Draft4RequestValidator(schema, format_checker=FORMATS)
        try:
            self.fast: t.Any = jsonschema_rs.Draft4Validator(
                schema, validate_formats=True, formats=_RS_FORMATS)
        except (ValueError, jsonschema_rs.ValidationError):  # a schema Rust cannot compile
            self.fast = None

    def iter_errors(self, instance: t.Any) -> t.Iterator[ValidationError]:
        if self.fast is not None:
            try:
                if self.fast.is_valid(instance):
                    return iter(())
            except (ValueError, TypeError, OverflowError):  # a value Rust cannot take in
                pass
        return iter(self.python.iter_errors(instance))


_COMPILED: dict[int, Compiled] = {}


def compiled(schema: dict[str, t.Any]) -> Compiled:
    """One validator per schema object for the life of the process. Keying by `id()` is safe:
    the cached validator holds its schema, so that id cannot be reused by another object."""
    key = id(schema)
    validator = _COMPILED.get(key)
    if validator is None:
        validator = _COMPILED[key] = Compiled(schema)
    return validator


# The spec's patterns, in words (a raw regex helps no one reading a 422). A pattern missing
# here is shown as the regex itself, with the spec's example when it has one.
PATTERN_WORDS: dict[str, str] = {
    UUID_PATTERN: "must be a UUID",
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date (YYYY-MM-DD)",
    r"^([0-9]{14}|[0-9]{2}\.[0-9]{3}\.[0-9]{3}/[0-9]{4}-[0-9]{2})$":
        "must match 12.345.678/0001-90 or 14 digits",
    r"^[0-9]{14}$": "must be 14 digits",
    r"^([0-9]{11}|[0-9]{14})$": "must be 11 digits (a CPF) or 14 digits (a CNPJ)",
    r"^(|[0-9]{11}|[0-9]{14}|[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}|"
    r"[0-9]{2}\.[0-9]{3}\.[0-9]{3}/[0-9]{4}-[0-9]{2})$":
        "must match 123.456.789-09 or 12.345.678/0001-90, be 11 or 14 digits, or be empty",
    r"^-?[0-9]+\.[0-9]{2}$": "must be an amount with two decimal places, such as 1500.00",
    r"^[0-9]{1,13}(\.[0-9]{1,2})?$":
        "must be an amount of at least 0 with at most two decimal places, such as 1500.00",
    r"^(?!0+(\.0{1,2})?$)[0-9]{1,13}(\.[0-9]{1,2})?$":
        "must be an amount greater than 0 with at most two decimal places, such as 1500.00",
    r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$":
        "must be an amount with at most two decimal places, such as -150.00",
    r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$":
        "must be a percentage from 0 to 100 with at most two decimal places",
    r"^[0-9]{1,3}\.[0-9]{2}$": "must be a percentage with two decimal places, such as 12.50",
    r"^[0-9a-f]{64}$": "must be 64 lowercase hexadecimal digits (a SHA-256)",
    r"^[\x21-\x7E]+$": "must be printable ASCII characters without spaces",
    r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$": "must be a MIME type, such as "
                                                      "application/pdf",
}
FORMAT_WORDS = {
    "uuid": "must be a UUID",
    "date": "must be a date (YYYY-MM-DD)",
    "date-time": "must be a date-time (RFC 3339, such as 2026-01-31T12:00:00Z)",
    "email": "must be an email address",
    "uri": "must be a URI",
}
TYPE_WORDS = {
    "string": "a string", "integer": "an integer", "number": "a number",
    "boolean": "true or false", "object": "an object", "array": "an array", "null": "null",
}


def _number(value: t.Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _types(value: t.Any) -> str:
    names = [value] if isinstance(value, str) else list(value)
    return " or ".join(TYPE_WORDS.get(n, n) for n in names)


def _branch_error(error: ValidationError) -> ValidationError:
    """For a oneOf/anyOf that nothing matched, the failure of the branch meant for this kind
    of value (`-5` against "a string, or a number > 0" failed the number's minimum, not the
    string's type); the first branch's when every branch wanted another type."""
    context = list(error.context or ())
    relevant = [e for e in context if e.validator != "type" or e.relative_path]
    if relevant:
        deepest = max(len(e.relative_path) for e in relevant)
        return next(e for e in relevant if len(e.relative_path) == deepest)
    return error


def words(error: ValidationError) -> str:
    """What is wrong with one value, in words ("must be a UUID", "must be greater than 0")."""
    kind, schema = error.validator, error.schema
    limit: t.Any = error.validator_value
    if kind in ("oneOf", "anyOf") and error.context:
        branch = _branch_error(error)
        if branch is not error:
            return words(branch)
        types = [e.validator_value for e in error.context if e.validator == "type"]
        if types:
            return f"must be {' or '.join(_types(x) for x in types)}"
    if kind == "required":
        return "is required"
    if kind == "type":
        return f"must be {_types(limit)}"
    if kind == "format":
        return FORMAT_WORDS.get(str(limit), f"must be a valid {limit}")
    if kind == "pattern":
        if limit in PATTERN_WORDS:
            return PATTERN_WORDS[limit]
        example = schema.get("example") if isinstance(schema, dict) else None
        shown = f" (such as {example})" if example is not None else ""
        return f"must match the pattern {limit}{shown}"
    if kind == "enum":
        return "must be one of: " + ", ".join(str(v) for v in limit)
    if kind == "minimum":
        exclusive = isinstance(schema, dict) and schema.get("exclusiveMinimum") is True
        return f"must be {'greater than' if exclusive else 'at least'} {_number(limit)}"
    if kind == "maximum":
        exclusive = isinstance(schema, dict) and schema.get("exclusiveMaximum") is True
        return f"must be {'less than' if exclusive else 'at most'} {_number(limit)}"
    if kind == "exclusiveMinimum" and not isinstance(limit, bool):
        return f"must be greater than {_number(limit)}"
    if kind == "exclusiveMaximum" and not isinstance(limit, bool):
        return f"must be less than {_number(limit)}"
    if kind == "minLength":
        return "must not be empty" if limit == 1 else f"must be at least {limit} characters long"
    if kind == "maxLength":
        return f"must be at most {limit} characters long"
    if kind == "minItems":
        return "must not be empty" if limit == 1 else f"must have at least {limit} items"
    if kind == "maxItems":
        return f"must have at most {limit} items"
    if kind == "uniqueItems":
        return "must not repeat an item"
    if kind == "multipleOf":
        return f"must be a multiple of {_number(limit)}"
    return str(error.message)


def _field(error: ValidationError, prefix: str = "") -> str:
    parts = [str(p) for p in error.absolute_path]
    return prefix + ".".join(p for p in parts if p) if parts else (prefix.rstrip(".") or "body")


def body_errors(errors: t.Iterable[ValidationError]) -> list[dict[str, str]]:
    """One `{field, message}` per faulty field, in field order: each missing required field
    named (jsonschema yields one `required` error per missing field, all at the object's
    path), and a field that failed two ways (a UUID's format and pattern) reported once."""
    out: dict[str, str] = {}
    missing_named: dict[tuple[str, ...], int] = {}
    for error in errors:
        if error.validator == "required" and isinstance(error.instance, dict):
            at = tuple(str(p) for p in error.absolute_path)
            required: t.Any = error.validator_value
            missing = [r for r in required if r not in error.instance]
            index = missing_named.get(at, 0)
            missing_named[at] = index + 1
            name = missing[index] if index < len(missing) else ""
            field = ".".join(p for p in (*at, name) if p) or "body"
        else:
            field = _field(error)
        out.setdefault(field, words(error))
    return [{"field": f, "message": m} for f, m in sorted(out.items())]


class StrictParameterValidator(ParameterValidator):
    """Parameters checked with compiled validators and every format; 400 names the field.
    What depends only on the operation (its query names, each parameter's source key and
    compiled schema) is worked out once, when the validator is made."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.query_names = frozenset(p["name"] for p in self.parameters.get("query", []))
        # (location, name, key to read it by, required, compiled schema), in Connexion's order.
        self.checks = [
            (location, p["name"], p["name"].replace("-", "_") if location == "path"
             else p["name"], bool(p.get("required")), compiled(p.get("schema", {})))
            for location in ("query", "path", "header")
            for p in self.parameters.get(location, [])]

    def validate_request(self, request: t.Any) -> None:
        if self.strict_validation and not self.query_names.issuperset(request.query_params):
            # Unknown query parameters are refused, naming them, rather than silently ignored
            # (a misspelt filter would otherwise list everything).
            unknown = sorted(set(request.query_params) - self.query_names)
            raise ApiProblem(400, "invalid_parameter",
                             f"Unknown query parameter(s): {', '.join(unknown)}.",
                             errors=[{"field": name, "message": "is not a parameter of this "
                                      "operation"} for name in unknown])
        sources = {"query": request.query_params, "path": request.path_params,
                   "header": request.headers}
        for location, name, key, required, schema in self.checks:
            value = sources[location].get(key)
            if value is None:
                if required:
                    raise ApiProblem(400, "invalid_parameter",
                                     f"Missing {location} parameter '{name}'.",
                                     errors=[{"field": name, "message": "is required"}])
                continue
            error = next(iter(schema.iter_errors(value)), None)
            if error is not None:
                said = words(error)
                raise ApiProblem(
                    400, "invalid_parameter",
                    f"Invalid {location} parameter '{name}': it {said}.",
                    errors=[{"field": name, "message": said}],
                )


def _body_errors(validator: t.Any, body: t.Any) -> None:
    errors = body_errors(validator.iter_errors(body))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ApiProblem(
            422, "validation_failed",
            f"The request body is invalid: {first['field']} {first['message']}{more}.",
            errors=errors[:50],
        )


def _refuse_constant(name: str) -> t.NoReturn:
    raise ValueError(f"{name} is not valid JSON")


class StrictJSONBodyValidator(JSONRequestBodyValidator):
    """JSON bodies: strict UTF-8 and RFC 8259 JSON (no NaN), then schema → 422 with fields."""

    @property
    def _validator(self) -> t.Any:
        return compiled(self._schema)

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: Scope) -> t.Any:
        return self._read(b"".join([chunk async for chunk in stream]), scope)

    def _read(self, raw: bytes, scope: Scope) -> t.Any:
        if not raw.strip():
            return None
        body = recall_json(scope, raw)  # the front door's strict parse of these bytes
        if body is MISSING:
            try:
                body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
            except UnicodeDecodeError:
                raise ApiProblem(400, "malformed_body", "The body is not valid UTF-8.") from None
            except ValueError as exc:
                raise ApiProblem(400, "malformed_body",
                                 f"The body is not valid JSON: {exc}") from None
            remember_json(scope, raw, body)
        return body

    def _validate(self, body: t.Any) -> dict[str, t.Any] | None:
        if body is None and not self._nullable:
            raise ApiProblem(400, "malformed_body", "The request body must not be empty.")
        _body_errors(self._validator, body)
        return None

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        """Connexion's, with the body read whole first (`buffer_body`) instead of through an
        async generator, and a chunked body (Transfer-Encoding), which Connexion takes for no
        body at all, read like any other. A request that sends no body goes to Connexion's own
        (the schema's default, or "required")."""
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if (length is None and "transfer-encoding" not in headers) or (
                length is not None and not int(length)):  # the front door vetted the number
            return await super().wrap_receive(receive, scope=scope)
        messages = await buffer_body(receive)
        body = self._read(body_of(messages), scope)
        if not (body is None and self._nullable):  # as Connexion's
            self._validate(body)
        return self._insert_messages(receive, messages=messages), scope


class StrictFormDataValidator(FormDataValidator):
    """Form bodies: compiled schema and 422 with fields, like JSON bodies."""

    @property
    def _validator(self) -> t.Any:
        return compiled(self._schema)

    def _validate(self, body: t.Any) -> dict[str, t.Any] | None:
        _body_errors(self._validator, body)
        return None


# Multipart limits (ATT-1). The body as a whole is capped by `mock.frontdoor` as it streams.
UPLOAD_CONTEXT_KEY = "multipart"  # the handler argument; Connexion passes context entries by name
MULTIPART_MAX_FILES = 1
MULTIPART_MAX_FIELDS = 16
MULTIPART_MAX_FIELD_BYTES = 64 * 1024  # a text part (the title is ≤ 255 characters)
MULTIPART_SPOOL_BYTES = 1024 * 1024  # a file part past this lives in a temporary file on disk


@dataclass(eq=False)
class Upload:
    """A parsed upload: its one file part (spooled) and its text parts. The handler closes
    the file; if it never runs, the file is closed when this object is collected."""

    file: UploadFile
    fields: dict[str, str]


class _SpoolingParser(MultiPartParser):
    """Starlette's parser, spooling file parts to disk, and strict about text parts: they must
    be UTF-8 without NUL (Starlette would fall back to Latin-1 and store what it got, a lone
    surrogate's bytes included). The JSON bodies' rule (`mock.strictjson`), for forms."""

    spool_max_size = MULTIPART_SPOOL_BYTES

    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            try:
                text = bytes(part.data).decode("utf-8")
            except UnicodeDecodeError:
                raise _upload_refused(part.field_name or "part",
                                      "must be UTF-8 text") from None
            if "\x00" in text:
                raise _upload_refused(part.field_name or "part",
                                      "must not contain NUL characters (\\u0000)")
        elif part.file.filename is not None and "\x00" in part.file.filename:
            raise _upload_refused(part.field_name or "file",
                                  "must have a file name without NUL characters (\\u0000)")
        super().on_part_end()


def _upload_refused(field: str, message: str) -> ApiProblem:
    return ApiProblem(422, "validation_failed", f"The upload is invalid: {field} {message}.",
                      errors=[{"field": field, "message": message}])


async def _parse_multipart(headers: Headers, receive: Receive) -> FormData:
    async def stream() -> t.AsyncGenerator[bytes, None]:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ApiProblem(400, "malformed_body", "The client went away mid-body.")
            yield message.get("body", b"")
            if not message.get("more_body", False):
                return

    async with aclosing(stream()) as chunks:
        parser = _SpoolingParser(headers, chunks, max_files=MULTIPART_MAX_FILES,
                                 max_fields=MULTIPART_MAX_FIELDS,
                                 max_part_size=MULTIPART_MAX_FIELD_BYTES)
        try:
            return await parser.parse()  # on any error it has closed its temporary files
        except MultiPartException as exc:
            if exc.message.startswith("Too many files"):
                raise _upload_refused("file", "must be the only file part, sent once"
                                      ) from None
            raise ApiProblem(400, "malformed_body",
                             f"The multipart body is malformed: {exc.message}") from None


class StrictMultiPartValidator(StrictFormDataValidator, MultiPartFormDataValidator):
    """Multipart bodies (uploads): parsed once as they stream in, the file part spooled to disk
    past `MULTIPART_SPOOL_BYTES`, parts and fields limited; then checked like a form (422
    with fields) and handed to the handler as `Upload` — the body is not replayed."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        headers = Headers(scope=scope)
        _, params = parse_options_header(headers.get("content-type"))
        if not params.get(b"boundary"):
            raise ApiProblem(400, "malformed_body",
                             "multipart/form-data needs a boundary in its Content-Type.")
        form = await _parse_multipart(headers, receive)
        try:
            upload = self._upload(form)
        except BaseException:
            await form.close()
            raise
        weakref.finalize(upload, upload.file.file.close)
        scope.setdefault("extensions", {}).setdefault("connexion_context", {})[
            UPLOAD_CONTEXT_KEY] = upload
        return _drained(receive), scope

    def _upload(self, form: FormData) -> Upload:
        files = [(name, v) for name, v in form.multi_items() if isinstance(v, UploadFile)]
        texts = [(name, v) for name, v in form.multi_items() if isinstance(v, str)]
        for name, _ in files:
            if name != "file":
                raise _upload_refused(name, "must be a text part, not a file")
        if any(name == "file" for name, _ in texts):
            raise _upload_refused("file", "must be a file part (Content-Disposition with a "
                                          "filename)")
        if not files:
            raise _upload_refused("file", "is required")
        fields: dict[str, str] = {}
        for name, value in texts:
            if name in fields:
                raise _upload_refused(name, "must be sent at most once")
            fields[name] = value
        _body_errors(self._validator, {**fields, "file": ""})
        return Upload(file=files[0][1], fields=fields)


def _drained(receive: Receive) -> Receive:
    """The receive channel after the body was consumed: an empty end of body, then whatever the
    server sends next (a disconnect)."""
    done = False

    async def receive_() -> Message:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return receive_


# Replaces Connexion's map whole (its `validator_map` option updates the top-level keys).
VALIDATOR_MAP = {
    "parameter": StrictParameterValidator,
    "body": MediaTypeDict({
        "*/*json": StrictJSONBodyValidator,
        "application/x-www-form-urlencoded": StrictFormDataValidator,
        "multipart/form-data": StrictMultiPartValidator,
    }),
}
