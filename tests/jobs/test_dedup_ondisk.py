"""The on-disk dedup index gives the clusters and links of the in-memory one (the 10k check is in bench/dedup)."""

import sqlite3

from bench.dedup.generate import generate
from bench.dedup.run import final_state, ondisk_runs, to_inputs
from cleaning.dedup.engine import DedupEngine


def test_ondisk_index_equals_in_memory_batch(tmp_path):
    docs = to_inputs(generate(1500, 5, chrome_share=0.3))
    engine = DedupEngine(chunk_size=400)
    batch = engine.assign(docs, engine.new_index())
    n = len(docs)
    parts = ondisk_runs(docs, [0, n // 3, n // 3 + 7, 2 * n // 3, n], tmp_path / "corpus.db", engine)
    clusters, links = final_state(parts)
    assert (clusters, links) == final_state(batch)
    assert len(set(clusters.values())) < n * 0.5, "the benchmark has reposts to cluster"
    conn = sqlite3.connect(tmp_path / "corpus.db")
    stored = dict(conn.execute("SELECT id, cluster_id FROM dedup_signatures"))
    assert stored == clusters
    # every document with a signature is in 32 buckets; each representative with anchors is posted
    with_sig = conn.execute("SELECT COUNT(*) FROM dedup_signatures WHERE signature IS NOT NULL").fetchone()[0]
    assert conn.execute("SELECT COUNT(*) FROM dedup_bands").fetchone()[0] == 32 * with_sig
    reps = conn.execute("SELECT COUNT(*) FROM dedup_signatures WHERE role = 1").fetchone()[0]
    assert 0 < reps <= len(set(clusters.values()))
    posted = conn.execute("SELECT COUNT(DISTINCT seq) FROM dedup_anchors").fetchone()[0]
    assert posted == reps


def test_ondisk_removal_equals_in_memory(tmp_path):
    """Documents removed in a later run (pages whose text changed or vanished) leave the same clusters."""
    from db.corpus import CorpusStore
    from db.dedup_index import apply_changes
    from db.store import transaction

    docs = to_inputs(generate(600, 6))
    engine = DedupEngine()
    memory = engine.new_index()
    engine.assign(docs[:400], memory)
    store = CorpusStore(tmp_path / "corpus.db")
    for part in (docs[:400], None):
        index = engine.new_index(store=store.dedup_store())
        if part is not None:
            engine.assign(part, index)
        else:  # the second run removes every tenth document, then places the rest
            gone = [d.id for d in docs[:400:10]]
            index.remove(gone)
            memory.remove(gone)
            engine.assign(docs[400:], index)
            engine.assign(docs[400:], memory)
        changes = index.changes()
        with transaction(store.db):
            apply_changes(store.db, changes, next_seq=index.next_pos)
    stored = dict(store.db.execute("SELECT id, cluster_id FROM dedup_signatures").fetchall())
    expected = {row[1]: row[2] for row in memory.to_rows()}
    assert stored == expected and not set(gone) & set(stored)
    # no posting points at a removed row
    for table in ("dedup_bands", "dedup_anchors", "dedup_host_anchors"):
        orphan = f"SELECT COUNT(*) FROM {table} t LEFT JOIN dedup_signatures s ON s.seq = t.seq WHERE s.seq IS NULL"
        assert store.db.execute(orphan).fetchone()[0] == 0, table
