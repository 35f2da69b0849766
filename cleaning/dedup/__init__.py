"""Stage 4, documents -> clusters: dedup keys (keys), 文号 and year guards (guards), MinHash over shingles
(minhash), signatures (signatures), the cluster index (index), containment rules (contain) and the engine
that places documents (engine)."""
