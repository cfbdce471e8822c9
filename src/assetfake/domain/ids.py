"""Deterministic ids: a kind prefix, a tag derived from the seed, and a zero-padded sequence.

Sequence numbers grow with creation time, so ordering by id equals ordering by creation; the
lists rely on it (``created_at`` descending, ties by id descending, is sequence descending).
"""

from __future__ import annotations

import hashlib

RUN = "run"
MATERIALIZATION = "mat"
BACKFILL = "bf"


def seed_tag(seed: int) -> str:
    return hashlib.sha256(f"assetfake:{seed}".encode()).hexdigest()[:6]


def make_id(kind: str, tag: str, seq: int) -> str:
    return f"{kind}_{tag}{seq:010d}"


def data_version(run_id: str) -> str:
    return hashlib.sha256(f"data-version:{run_id}".encode()).hexdigest()[:16]
