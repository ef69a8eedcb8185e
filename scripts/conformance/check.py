#!/usr/bin/env python3
"""Check recorded sandbox traffic against Render's official OpenAPI spec.

Usage: python3 scripts/conformance/check.py RECORD.jsonl [--spec PATH] [--quiet]

RECORD is what `ballast sandbox serve --record FILE` writes: one JSON object per line with method, path,
query, request_headers, request_body, status, response_headers, response_body. Every /v1 request and
response is validated with openapi-core against ../shared/render-api/openapi.json (relative to the
repository root). Lines outside /v1 (the sandbox's own /_sandbox endpoints) and cut connections
(status null) are skipped.

The spec's oneOfs overlap (a web service's details also match the worker shape, and nothing
discriminates them), so a strict validator rejects true responses with "valid under each of"; as
../shared/render-api/NOTES.md advises, every oneOf is read as anyOf.

Exit status: 0 no violations, 1 violations, 2 cannot run (missing openapi-core, unreadable files).
"""

import argparse
import json
import pathlib
import sys
from urllib.parse import parse_qsl

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "render-api" / "openapi.json"
HOST_URL = "https://api.render.com"


def fail_setup(message):
    print(f"conformance: {message}", file=sys.stderr)
    sys.exit(2)


try:
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest, MockResponse
except ImportError as error:  # pragma: no cover - depends on the machine
    fail_setup(f"openapi-core is not installed ({error}); run: python3 -m pip install -r scripts/requirements.txt")


def one_of_as_any_of(node):
    """Rename every oneOf to anyOf, in keys and in $ref pointers."""
    if isinstance(node, dict):
        result = {}
        for key, value in node.items():
            if key == "oneOf":
                key = "anyOf"
            if key == "$ref" and isinstance(value, str):
                value = value.replace("/oneOf/", "/anyOf/")
            result[key] = one_of_as_any_of(value)
        return result
    if isinstance(node, list):
        return [one_of_as_any_of(item) for item in node]
    return node


def describe(error):
    """An openapi-core error with its causes and schema errors, on one line."""
    parts = [f"{type(error).__name__}: {error}"]
    seen = {id(error)}
    current = error
    while True:
        for schema_error in getattr(current, "schema_errors", None) or []:
            location = "/".join(str(p) for p in getattr(schema_error, "absolute_path", []) or [])
            parts.append(f"at /{location}: {getattr(schema_error, 'message', schema_error)}")
        cause = current.__cause__ or current.__context__
        if cause is None or id(cause) in seen:
            break
        seen.add(id(cause))
        parts.append(f"{type(cause).__name__}: {cause}")
        current = cause
    return " | ".join(parts)


def body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def media_type(headers):
    value = headers.get("content-type", "application/json")
    return value.split(";")[0].strip() or "application/json"


def check_entry(openapi, entry):
    """Problems with one recorded exchange (an empty list when it conforms)."""
    problems = []
    request_headers = {k: v for k, v in (entry.get("request_headers") or {}).items()}
    query = entry.get("query") or ""
    request = MockRequest(
        HOST_URL,
        entry["method"],
        entry["path"],
        args=parse_qsl(query, keep_blank_values=True),
        headers=request_headers,
        data=body_bytes(entry.get("request_body")),
        content_type=media_type(request_headers),
    )
    try:
        openapi.validate_request(request)
    except Exception as error:  # openapi-core raises a family of errors
        problems.append("request: " + describe(error))
    response_headers = entry.get("response_headers") or {}
    response = MockResponse(
        body_bytes(entry.get("response_body")),
        status_code=int(entry["status"]),
        headers=response_headers,
        content_type=media_type(response_headers),
    )
    try:
        openapi.validate_response(request, response)
    except Exception as error:
        problems.append("response: " + describe(error))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", help="JSON lines written by `ballast sandbox serve --record FILE`")
    parser.add_argument("--spec", default=str(DEFAULT_SPEC), help="OpenAPI spec (default: ../shared/render-api/openapi.json)")
    parser.add_argument("--quiet", action="store_true", help="print only violations and the summary")
    arguments = parser.parse_args()

    try:
        spec = json.loads(pathlib.Path(arguments.spec).read_text())
    except (OSError, ValueError) as error:
        fail_setup(f"cannot read the spec {arguments.spec}: {error}")
    openapi = OpenAPI.from_dict(one_of_as_any_of(spec))

    try:
        lines = pathlib.Path(arguments.record).read_text().splitlines()
    except OSError as error:
        fail_setup(f"cannot read the record {arguments.record}: {error}")

    checked = skipped = 0
    violations = []
    operations = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as error:
            violations.append(f"line {number}: not JSON: {error}")
            continue
        path = entry.get("path", "")
        if not path.startswith("/v1/") or entry.get("status") is None:
            skipped += 1
            continue
        checked += 1
        operations.add(f"{entry['method']} {path}")
        for problem in check_entry(openapi, entry):
            violations.append(f"line {number}: {entry['method']} {path} -> {entry['status']}: {problem}")

    for violation in violations:
        print(violation)
    print(f"conformance: {checked} exchanges checked, {skipped} skipped, {len(violations)} violations")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
