"""The endpoint catalogue: one source of truth for paths, security, weights and parameters.

(Stub: the catalogue issue fills this in.) Contract used by the REST session:

- ``lookup(method, path) -> Endpoint | None``: path without query; templates like
  ``/followers/{followerUserId}`` match concrete paths.
- ``Endpoint.security`` (str), ``.signed`` (bool), ``.needs_api_key`` (bool),
  ``.charges(params) -> tuple[tuple[str, int], ...]``: (limiter pool, weight) pairs.
"""

from __future__ import annotations

from typing import Any


def lookup(method: str, path: str) -> Any:
    """The catalogue entry for a method and path, or None."""
    return None
