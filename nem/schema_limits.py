"""A drf-spectacular postprocessing hook: the answers every operation may give because of the
request-level rules (body size, API-key lockout), documented once instead of in every view.

- 413 on every operation that takes a body (over DATA_UPLOAD_MAX_MEMORY_SIZE);
- 429 on every operation that takes an API key (too many failed keys from the client's address).
"""

from __future__ import annotations

PROBLEM = "application/problem+json"
_ADDED = {
    "413": "Request body too large (problem+json)",
    "429": "Rate limit exceeded, or too many failed API keys from this address (problem+json, `Retry-After`)",
}


def document_request_limits(result, generator, request, public):
    problem = (
        {"$ref": "#/components/schemas/Problem"}
        if "Problem" in result.get("components", {}).get("schemas", {})
        else {"type": "object"}
    )
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete") or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            wanted = []
            if "requestBody" in operation:
                wanted.append("413")
            if operation.get("security") != [{}] and any("ApiKey" in str(s) for s in operation.get("security", [])):
                wanted.append("429")
            for code in wanted:
                responses.setdefault(code, {"description": _ADDED[code], "content": {PROBLEM: {"schema": problem}}})
    return result
