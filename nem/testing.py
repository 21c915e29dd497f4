"""Helpers for the test suites of every app (imported by tests only)."""

from __future__ import annotations


class ProblemDocuments:
    """The problem documents a test expects, built from the titles the test itself states (slug -> title), so a
    changed title fails the test instead of following the code.

    ``problems(slug, status, detail, instance, errors=[...])`` is the full expected document;
    ``problems.assert_response(response, status)`` checks that a response is one, of the kind it names, for the
    path asked, and returns its body."""

    def __init__(self, titles: dict[str, str]):
        self.titles = titles

    def __call__(self, slug: str, status: int, detail: str, instance: str, **extra) -> dict:
        return {
            "type": f"/problems/{slug}",
            "code": slug.replace("-", "_"),
            "title": self.titles[slug],
            "status": status,
            "detail": detail,
            "instance": instance,
            **extra,
        }

    def assert_response(self, response, status: int) -> dict:
        assert response.status_code == status, response.content
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        slug = body["type"].removeprefix("/problems/")
        extra = {"errors": body["errors"]} if status == 422 else {}
        assert body == self(slug, status, body["detail"], response.wsgi_request.path, **extra)
        return body
