"""The jobs the Prefect flows and the CLI share: data paths and settings (config), cleaning stale raw pages
into corpus.db (clean), placing documents in clusters (dedup), run tables (report) and corpus figures
(stats). Nothing here imports flows/ or the CLI (zhcorpus/)."""
