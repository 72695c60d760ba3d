"""The Merkle tree a checkpoint signs: one leaf per shard, naming the shard's last entry and its hash.

A leaf is the canonical JSON of ``{"shard": K, "seq": N, "hash": H}`` (``audit.canonical``). The tree is RFC 6962's
(Certificate Transparency, section 2.1): a leaf's hash is SHA-256 of ``0x00`` and the leaf's bytes, an inner node's
SHA-256 of ``0x01`` and its two children's hashes, and ``n`` leaves split at the largest power of two below ``n``.
The prefixes keep a leaf from passing for an inner node, so a root can only be recomputed from the leaves it was
made of. Leaves are ordered by shard and name each shard once: a checkpoint's root then fixes every shard's head,
and no shard can be left out of it or counted twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from audit.canonical import canonical_json

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True, slots=True)
class Leaf:
    shard: int
    seq: int  # the shard's last entry's position in the shard (its ``shard_seq``)
    hash: str  # that entry's hash

    def to_document(self) -> dict[str, object]:
        return {"shard": self.shard, "seq": self.seq, "hash": self.hash}

    def encoded(self) -> bytes:
        return canonical_json(self.to_document(), prepared=True).encode("ascii")


def leaf_hash(leaf: Leaf) -> bytes:
    return hashlib.sha256(b"\x00" + leaf.encoded()).digest()


def _subtree(hashes: Sequence[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << ((len(hashes) - 1).bit_length() - 1)  # the largest power of two below len(hashes)
    return hashlib.sha256(b"\x01" + _subtree(hashes[:split]) + _subtree(hashes[split:])).digest()


def merkle_root(leaves: Sequence[Leaf]) -> str:
    """The lowercase hex root of ``leaves`` in the order given (callers order them by shard)."""
    if not leaves:
        return EMPTY_ROOT
    return _subtree([leaf_hash(leaf) for leaf in leaves]).hex()


def leaves_json(leaves: Sequence[Leaf]) -> str:
    return canonical_json([leaf.to_document() for leaf in leaves], prepared=True)


def parse_leaves(value: object) -> tuple[Leaf, ...]:
    """Leaves from stored JSON text or a parsed list; ValueError unless each is well-formed, ordered by shard and
    names a shard once (a root over anything else would not fix one head per shard)."""
    documents = json.loads(value) if isinstance(value, str) else value
    if not isinstance(documents, list):
        raise ValueError("the leaves are not a list")
    leaves = []
    for document in documents:
        if not isinstance(document, dict) or set(document) != {"shard", "seq", "hash"}:
            raise ValueError("a leaf is not {shard, seq, hash}")
        shard, seq, hash_ = document["shard"], document["seq"], document["hash"]
        if not (isinstance(shard, int) and isinstance(seq, int) and isinstance(hash_, str)) or shard < 0 or seq < 1:
            raise ValueError("a leaf has a malformed shard, seq or hash")
        leaves.append(Leaf(shard, seq, hash_))
    if any(after.shard <= before.shard for before, after in zip(leaves, leaves[1:], strict=False)):
        raise ValueError("the leaves are not ordered by shard, or name a shard twice")
    return tuple(leaves)
