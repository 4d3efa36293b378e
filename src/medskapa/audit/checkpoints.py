"""Signed checkpoints of the audit trail: one JSON line each, in a file kept off the database.

A line records, at one moment, the number of events and chains, the tree head (a SHA-256 over
every chain's subject, last seq and last hash, sorted: one value that stands for the whole
trail and can be published) and the heads of the chains that are new or longer since the line
before. Replaying the lines gives every chain's head at the last checkpoint, and ``verify``
holds the database to it: a chain that is missing now, shorter now, or has another event at the
checkpointed seq is named, even when it verifies on its own (rewritten by a holder of the key).

Each line is signed with the checkpoint key (audit/keys.py) and carries the signature of the
line before it, so an edited, inserted, removed or reordered line is named. Lines cut off the
end of the file cannot show in the file itself: keep a copy of each line elsewhere too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from collections.abc import Iterable
from pathlib import Path

import msgspec

FORMAT = 1
LOCK_KEY = 0x6175_6469_7463  # "auditc": one checkpoint writer at a time, in every process

ChainKey = tuple[str, str]
"""(subject type, subject id)"""


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    format: int
    trail: str
    """The audit trail's id (instance_secrets 'audit_trail_id'), so a file is never held
    against another installation's database."""
    at: dt.datetime
    events: int
    chains: int
    tree_head: str
    previous: str | None
    """The signature of the line before; None on the first line."""
    heads: list[tuple[str, str, int, str]]
    """(subject type, subject id, last seq, last hash) of each chain new or longer since the
    line before."""


class _Line(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # The signature covers the checkpoint's bytes exactly as they stand in the file.
    checkpoint: msgspec.Raw
    signature: str


class _When(msgspec.Struct, frozen=True):
    at: dt.datetime


class ChainHead(msgspec.Struct, frozen=True):
    seq: int
    hash: bytes
    line: int
    """The line (from 1) that recorded this head."""


class History(msgspec.Struct, kw_only=True):
    """What a checkpoint file says, as far as it can be trusted."""

    heads: dict[ChainKey, ChainHead] = msgspec.field(default_factory=dict)
    times: list[dt.datetime] = msgspec.field(default_factory=list)
    """Each trusted line's time, in file order."""
    signature: str | None = None
    """The last trusted line's signature."""
    problem: str | None = None
    """Why the file cannot be trusted from some line on; the lines before it still count."""

    @property
    def lines(self) -> int:
        return len(self.times)

    def when(self, line: int) -> str:
        return f"checkpoint {line} of {self.times[line - 1]:%Y-%m-%d %H:%M} UTC"


def tree_head(heads: Iterable[tuple[str, str, int, bytes]]) -> str:
    digest = hashlib.sha256()
    for subject_type, subject_id, seq, last_hash in sorted(heads):
        digest.update(msgspec.json.encode([subject_type, subject_id, seq, last_hash.hex()]))
        digest.update(b"\n")
    return digest.hexdigest()


def _sign(key: bytes, body: bytes) -> str:
    return hmac.digest(key, body, "sha256").hex()


def replay(data: bytes, key: bytes, trail: str) -> History:
    """Check every line of a checkpoint file and gather the chain heads it records."""
    history = History()
    tree: str | None = None
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            line = msgspec.json.decode(raw, type=_Line)
            signed = hmac.compare_digest(_sign(key, bytes(line.checkpoint)), line.signature)
        except (msgspec.DecodeError, TypeError):
            history.problem = f"line {number} is not a checkpoint line (cut short or edited)"
            return history
        if not signed:
            history.problem = (
                f"line {number} does not carry this installation's signature (edited, or "
                "written with another MEDSKAPA_SECRET_KEY)"
            )
            return history
        try:
            checkpoint = msgspec.json.decode(line.checkpoint, type=Checkpoint)
        except msgspec.DecodeError:
            history.problem = f"line {number} is in a format this version does not read"
            return history
        if checkpoint.trail != trail:
            history.problem = (
                f"line {number} is for another audit trail ({checkpoint.trail}, this database "
                f"has {trail})"
            )
            return history
        if checkpoint.previous != history.signature:
            history.problem = (
                f"line {number} does not follow the line before it (a line was removed, "
                "inserted or moved)"
            )
            return history
        for subject_type, subject_id, seq, last_hash in checkpoint.heads:
            known = history.heads.get((subject_type, subject_id))
            if known is not None and seq <= known.seq:
                history.problem = f"line {number} moves a chain back"
                return history
            history.heads[(subject_type, subject_id)] = ChainHead(
                seq, bytes.fromhex(last_hash), number
            )
        if len(history.heads) != checkpoint.chains:
            history.problem = f"line {number} counts other chains than the lines up to it hold"
            return history
        history.times.append(checkpoint.at)
        history.signature = line.signature
        tree = checkpoint.tree_head
    if tree is not None and tree != tree_head(
        (t, i, head.seq, head.hash) for (t, i), head in history.heads.items()
    ):
        history.problem = "the last line's tree head does not match the chains the file holds"
    return history


def read(path: Path, key: bytes, trail: str) -> History:
    """The file's history; an empty one when there is no file yet."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return History()
    return replay(data, key, trail)


def line(
    history: History,
    key: bytes,
    *,
    trail: str,
    at: dt.datetime,
    events: int,
    heads: list[tuple[str, str, int, bytes]],
) -> tuple[Checkpoint, bytes]:
    """The next line: ``heads`` are every chain's head now, which extend ``history``'s."""
    checkpoint = Checkpoint(
        format=FORMAT,
        trail=trail,
        at=at.astimezone(dt.UTC),
        events=events,
        chains=len(heads),
        tree_head=tree_head(heads),
        previous=history.signature,
        heads=[
            (subject_type, subject_id, seq, last_hash.hex())
            for subject_type, subject_id, seq, last_hash in heads
            if (known := history.heads.get((subject_type, subject_id))) is None or known.seq != seq
        ],
    )
    body = msgspec.json.encode(checkpoint)
    signed = msgspec.json.encode(_Line(checkpoint=msgspec.Raw(body), signature=_sign(key, body)))
    return checkpoint, signed + b"\n"


def append(path: Path, data: bytes) -> None:
    """Add a line in one write, on disk before this returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def last_time(path: Path) -> dt.datetime | None:
    """When the file's last line was written (unchecked: only to tell whether one is due)."""
    try:
        with path.open("rb") as fh:
            end = fh.seek(0, os.SEEK_END)
            start, tail = end, b""
            # Read back until the start of the last line.
            while start > 0 and b"\n" not in tail.rstrip(b"\n"):
                step = min(start, 65536)
                start -= step
                fh.seek(start)
                tail = fh.read(step) + tail
    except FileNotFoundError:
        return None
    last = tail.rstrip(b"\n").rpartition(b"\n")[2]
    try:
        return msgspec.json.decode(msgspec.json.decode(last, type=_Line).checkpoint, type=_When).at
    except (msgspec.DecodeError, TypeError):
        return None
