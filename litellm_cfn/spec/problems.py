"""pydantic's validation errors as located, readable problems: `FILE:LINE:COL: path: message`."""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from litellm_cfn.errors import Problem, in_file_order, shown
from litellm_cfn.spec.source import SourceMap, SpecPath

_YAML_TYPES = {
    type(None): "null",
    bool: "true/false",
    int: "an integer",
    float: "a number",
    str: "a string",
    dict: "a mapping",
    list: "a list",
}
_EXPECTED = {
    "int_type": "an integer",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "string_type": "a string",
    "float_type": "a number",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "tuple_type": "a list",
    "list_type": "a list",
    "invalid_key": "a string",
}
_BOUNDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}


def problems_from(
    error: ValidationError, where: SourceMap, root: type[BaseModel] | None = None
) -> list[Problem]:
    """Every error of a failed validation of `root` (default PlatformSpec), in file order;
    an unknown key's "did you mean" looks among the keys `root` has at its place."""
    problems: list[Problem] = []
    for detail in error.errors(include_url=False):
        loc: SpecPath = tuple(detail["loc"])
        key_error = bool(loc) and loc[-1] == "[key]"
        if key_error:
            loc = loc[:-1]
        elif detail["type"] == "invalid_key":
            # pydantic names a non-string key by its str(); the source map knows it by its value.
            loc, key_error = (*loc[:-1], detail["input"]), True
        if detail["type"] == "rules":
            for field, message in detail.get("ctx", {})["violations"]:
                path = (*loc, *(field.split(".") if isinstance(field, str) else field))
                problems.append(where.problem(path, message))
            continue
        message = _message(detail, loc, root)
        problems.append(where.problem(loc, f"key: {message}" if key_error else message))
    return in_file_order(problems)


def _message(detail: ErrorDetails, loc: SpecPath, root: type[BaseModel] | None) -> str:
    kind = detail["type"]
    ctx = detail.get("ctx", {})
    value = detail["input"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return _unknown_key(loc, root)
    if not loc and root is None and kind in ("model_type", "model_attributes_type"):
        return f"the spec must be a mapping of keys such as `name:`, got {_yaml_type(value)}"
    if kind in _EXPECTED:
        return f"must be {_EXPECTED[kind]}, got {_yaml_type(value)}"
    if kind in _BOUNDS:
        symbol, bound = _BOUNDS[kind]
        return f"must be {symbol} {ctx[bound]}, got {shown(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}, got {shown(value)}"
    if kind == "too_short":
        least = ctx["min_length"]
        return "must not be empty" if least == 1 else f"needs at least {least} entries"
    if kind == "too_long":
        return f"allows at most {ctx['max_length']} items, got {ctx['actual_length']}"
    if kind == "invalid":
        return detail["msg"]
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    return detail["msg"][0].lower() + detail["msg"][1:] if detail["msg"] else kind


def _unknown_key(loc: SpecPath, root: type[BaseModel] | None) -> str:
    known = known_keys(loc[:-1], root)
    if not known:
        return "unknown key"
    guess = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if guess:
        return f"unknown key; did you mean '{guess[0]}'?"
    return f"unknown key; expected one of: {', '.join(known)}"


def known_keys(path: SpecPath, root: type[BaseModel] | None = None) -> list[str]:
    """Field names of the model found at `path` below `root` (default PlatformSpec), if a
    model is there."""
    if root is None:
        from litellm_cfn.spec import PlatformSpec

        root = PlatformSpec
    current: Any = root
    keys = list(path)
    while keys:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(keys.pop(0)))
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) in (dict, tuple):
            keys.pop(0)
            current = get_args(current)[-1 if get_origin(current) is dict else 0]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional wrappers."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


def _yaml_type(value: object) -> str:
    name = _YAML_TYPES.get(type(value), type(value).__name__)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return f"{name} ({shown(value)})"
    return name
