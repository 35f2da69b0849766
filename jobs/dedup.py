"""Near-duplicate clustering of the corpus: the same engine for the flow and `zhcorpus dedup`.

The engine's index lives in corpus.db (`dedup_signatures`, `dedup_bands`, `dedup_anchors`, `dedup_host_anchors`:
db/dedup_index.py), so a nightly run places new and changed documents against the whole corpus reading only
the buckets and rows they touch (time and memory in proportion to the new documents, not the corpus). What
still needs placing is found by a query (documents without a signature, or whose text changed), so an
interrupted run is completed by the next one. A run may also move earlier documents: a splice that joined a
notice's cluster (or founded the cluster a notice joined) before its second notice arrived leaves it; their
rows, links and both clusters are rewritten in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cleaning.dedup.engine import Assignment, DedupEngine, Placed
from cleaning.dedup.index import INDEX_VERSION, ClusterInfo, SignatureIndex
from cleaning.dedup.signatures import DocInput
from crawlers.sites import Registry
from db.corpus import CorpusStore
from jobs.config import DataPaths


@dataclass
class DedupSummary:
    """What one dedup run did."""

    placed: int = 0
    moved: int = 0  # earlier documents that left their cluster (splices found out by a new notice)
    removed: int = 0
    clusters_touched: int = 0
    joined_existing: int = 0  # documents that joined a cluster founded by another document
    rebuilt: bool = False  # the stored index was of another engine version and was rebuilt
    links: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Return plain JSON-able figures."""
        return dict(self.__dict__)


def is_authority_site(site_name: str | None, issuer: str | None) -> bool:
    """True when a document is published by its issuer on the issuer's own site (names contain each other)."""
    if not site_name or not issuer:
        return False
    return site_name in issuer or issuer in site_name


def doc_input(row: dict, registry: Registry | None = None) -> DocInput:
    """Build the engine's input from a document row (or a JSONL object with at least id and text)."""
    site = registry.sites_by_id.get(row.get("site_id", "")) if registry else None
    authority = row.get("is_authority_site")
    if authority is None:
        authority = is_authority_site(site.name if site else None, row.get("issuer"))
    return DocInput(
        id=str(row["id"]),
        text=row["text"],
        site_id=row.get("site_id") or "",
        published_at=row.get("published_at"),
        issuer=row.get("issuer"),
        doc_number=row.get("doc_number"),
        is_authority_site=bool(authority),
        title=row.get("title") or "",
    )


def place(
    engine: DedupEngine, docs: Sequence[DocInput], index: SignatureIndex
) -> tuple[list[Assignment], dict[str, ClusterInfo]]:
    """Place documents (in arrival order) into the index; return assignments (the documents', then those of
    earlier documents that moved) and the clusters they touched, by id."""
    assignments = engine.assign(list(docs), index)
    clusters = {c.cluster_id: c for c in engine.touched_clusters(assignments, index)}
    return assignments, clusters


def link_rows(assignments: Sequence[Assignment]) -> list[dict]:
    """Return document_links rows; `contained_in` is stored as the other document's `contains`."""
    rows = {}
    for a in assignments:
        for link in a.links:
            if link.relation == "contained_in":
                key = (link.other_id, a.id, "contains")
            else:
                key = (a.id, link.other_id, link.relation)
            rows[key] = {
                "from_id": key[0],
                "to_id": key[1],
                "relation": key[2],
                "similarity": round(float(link.similarity), 4),
            }
    return list(rows.values())


def dedup_corpus(paths: DataPaths, registry: Registry, engine: DedupEngine | None = None) -> DedupSummary:
    """Cluster new and changed documents against the whole corpus and store the result in one transaction."""
    engine = engine or DedupEngine()
    corpus = CorpusStore(paths.corpus_db)
    summary = DedupSummary()
    try:
        stored = corpus.dedup_index_version()
        if stored is not None and stored != INDEX_VERSION:
            # Rows of another engine version mean something else: rebuild the index from the documents.
            corpus.reset_dedup()
            summary.rebuilt = True
        orphans = corpus.signatures_without_document()
        store = corpus.dedup_store()
        # an empty store (a first run, or a rebuild): placing in memory is faster; its rows are all written
        index = engine.new_index(store=store if store.next_seq() else None)
        removed = [row["id"] for row in orphans]
        index.remove(removed)
        placed = Placed()
        for batch in corpus.iter_documents_needing_dedup(engine.chunk_size):
            engine.place([doc_input(row, registry) for row in batch], index, placed)
        if not placed.ids and not orphans:
            return summary
        assignments = engine.assignments(placed, index)
        clusters = {c.cluster_id: c for c in engine.touched_clusters(assignments, index)}
        for row in orphans:  # clusters that lost a member may need a new canonical document
            clusters.setdefault(row["cluster_id"], index.cluster(row["cluster_id"]))
        links = link_rows(assignments)
        corpus.apply_dedup(
            index.changes(),
            removed,
            links,
            [a.id for a in assignments],
            [
                {
                    "cluster_id": c.cluster_id,
                    "canonical_id": c.canonical_id,
                    "canonical_reason": c.canonical_reason,
                    "size": len(c.member_ids),
                    "member_ids": list(c.member_ids),
                }
                for c in clusters.values()
                if c.member_ids
            ],
            INDEX_VERSION,
            index.next_pos,
        )
        new = set(placed.ids)
        summary.placed = sum(1 for a in assignments if a.id in new)
        summary.moved = len(assignments) - summary.placed
        summary.removed = len(removed)
        summary.clusters_touched = len(clusters)
        summary.joined_existing = sum(1 for a in assignments if a.id in new and a.cluster_id != a.id)
        for link in links:
            summary.links[link["relation"]] = summary.links.get(link["relation"], 0) + 1
    finally:
        corpus.close()
    return summary
