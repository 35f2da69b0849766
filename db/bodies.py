"""Raw bodies compressed for storage and handed back as sent: zstd, with a dictionary per site once it pays."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils
import zstandard

# Body compression. A site's pages repeat its chrome (head, menus, footer), so a zstd dictionary trained on
# a site's own bodies compresses them far better than zstd alone on pages of a few KB (bench/RESULTS.md, "Raw
# body compression"). It is trained when the site has DICT_TRAIN_AT[k] stored bodies (k: dictionaries it has),
# and the site's stored bodies are then re-encoded with it, so early pages gain too.
# `body_codec` values: NULL stored as sent (rows from before compression, and bodies it would not shrink);
# "zstd" a zstd frame; "zstd:<id>" a zstd frame made with the dictionary in raw_dictionaries row <id>.
ZSTD_LEVEL = 9  # ~30 us for a 5 KB page; higher levels gain under 5% here
DICT_TRAIN_AT = (32, 256, 2048)  # bodies of a site at which a (better) dictionary is trained
DICT_SAMPLES = 1024  # the site's latest bodies sampled for training
DICT_SIZE = 16_384  # bytes at most; stored once per training
DICT_SAMPLE_SHARE = 8  # ... and at most an eighth of the sampled bytes (zstd needs far more samples than dictionary)


class BodyCodec:
    """Compress bodies for storage and restore them, with a zstd dictionary per site once it pays."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._plain = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self._compressors: dict[int, zstandard.ZstdCompressor] = {}
        self._decompressors: dict[int | None, zstandard.ZstdDecompressor] = {}
        self._site_dict: dict[str, int | None] = {}  # site -> its latest dictionary id (None: none yet)
        self._bodies: dict[str, int] = {}  # site -> stored bodies, counted once, then kept up to date
        self._next_try: dict[str, float] = {}  # site -> body count at which a dictionary is trained next

    def encode(self, site_id: str, body: bytes) -> tuple[bytes, str | None]:
        """Return (bytes to store, codec): compressed with the site's dictionary if it has one, else plain
        zstd; the body itself with codec None when compression would not shrink it."""
        return self._encode_with(self._dictionary_of(site_id), body)

    def _encode_with(self, dict_id: int | None, body: bytes) -> tuple[bytes, str | None]:
        if dict_id is None:
            blob, codec = self._plain.compress(body), "zstd"
        else:
            blob, codec = self._compressor(dict_id).compress(body), f"zstd:{dict_id}"
        return (blob, codec) if len(blob) < len(body) else (body, None)

    def decode(self, blob: bytes | None, codec: str | None) -> bytes | None:
        """Return the body as sent from stored bytes and their codec."""
        if blob is None or codec is None:
            return blob
        if codec == "zstd":
            return self._decompressor(None).decompress(blob)
        name, _, dict_id = codec.partition(":")
        if name != "zstd" or not dict_id.isdigit():
            raise ValueError(f"unknown body codec {codec!r}")
        return self._decompressor(int(dict_id)).decompress(blob)

    def count_body(self, site_id: str) -> None:
        """Note one more stored body of a site (inside the write transaction that stored it), and train the
        site's next dictionary when it has enough."""
        if site_id not in self._bodies:
            sql = "SELECT COUNT(*) FROM raw_pages WHERE site_id = ? AND body IS NOT NULL AND sha256 IS NOT NULL"
            self._bodies[site_id] = self.db.execute(sql, [site_id]).fetchone()[0]
            trained = self.db.execute("SELECT COUNT(*) FROM raw_dictionaries WHERE site_id = ?", [site_id]).fetchone()
            self._next_try[site_id] = DICT_TRAIN_AT[trained[0]] if trained[0] < len(DICT_TRAIN_AT) else float("inf")
        else:
            self._bodies[site_id] += 1
        n = self._bodies[site_id]
        if n >= self._next_try[site_id]:
            later = [t for t in DICT_TRAIN_AT if t > n]
            if self.train(site_id) is None:
                self._next_try[site_id] = 2 * n  # too few or too small samples: try again when there are more
            else:
                self._next_try[site_id] = later[0] if later else float("inf")

    def train(self, site_id: str) -> int | None:
        """Train a dictionary on a site's latest bodies, store it and re-encode the site's stored bodies with
        it where that makes them smaller; return its id (None: training failed, nothing changed)."""
        sql = """SELECT body, body_codec FROM raw_pages WHERE site_id = ? AND body IS NOT NULL AND sha256 IS NOT NULL
                 ORDER BY fetched_at DESC LIMIT ?"""
        samples = [self.decode(b, c) for b, c in self.db.execute(sql, [site_id, DICT_SAMPLES]).fetchall()]
        size = min(DICT_SIZE, sum(map(len, samples)) // DICT_SAMPLE_SHARE)
        try:
            trained = zstandard.train_dictionary(size, samples)
        except zstandard.ZstdError:
            return None
        cursor = self.db.execute(
            "INSERT INTO raw_dictionaries (site_id, dictionary, samples, trained_at) VALUES (?, ?, ?, ?)",
            [site_id, trained.as_bytes(), len(samples), datetime.now(UTC).isoformat(timespec="seconds")],
        )
        dict_id = cursor.lastrowid
        self._site_dict[site_id] = dict_id
        self._reencode(site_id, dict_id)
        return dict_id

    def _reencode(self, site_id: str, dict_id: int) -> None:
        """Re-encode a site's current bodies with a new dictionary where it shrinks them (checked by decoding
        back: the bytes as sent never change). Earlier dictionaries stay: history rows still use them."""
        sql = "SELECT id, body, body_codec FROM raw_pages WHERE site_id = ? AND body IS NOT NULL"
        updates = []
        for page_id, blob, codec in self.db.execute(sql, [site_id]).fetchall():
            body = self.decode(blob, codec)
            new_blob, new_codec = self._encode_with(dict_id, body)
            if new_codec is not None and len(new_blob) < len(blob) and self.decode(new_blob, new_codec) == body:
                updates.append((new_blob, new_codec, page_id))
        self.db.conn.executemany("UPDATE raw_pages SET body = ?, body_codec = ? WHERE id = ?", updates)

    def _dictionary_of(self, site_id: str) -> int | None:
        if site_id not in self._site_dict:
            row = self.db.execute("SELECT MAX(id) FROM raw_dictionaries WHERE site_id = ?", [site_id]).fetchone()
            self._site_dict[site_id] = row[0]
        return self._site_dict[site_id]

    def _dictionary(self, dict_id: int) -> zstandard.ZstdCompressionDict:
        row = self.db.execute("SELECT dictionary FROM raw_dictionaries WHERE id = ?", [dict_id]).fetchone()
        if row is None:
            raise ValueError(f"body compressed with dictionary {dict_id}, which raw_dictionaries lacks")
        return zstandard.ZstdCompressionDict(row[0])

    def _compressor(self, dict_id: int) -> zstandard.ZstdCompressor:
        if dict_id not in self._compressors:
            self._compressors[dict_id] = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=self._dictionary(dict_id))
        return self._compressors[dict_id]

    def _decompressor(self, dict_id: int | None) -> zstandard.ZstdDecompressor:
        if dict_id not in self._decompressors:
            d = None if dict_id is None else self._dictionary(dict_id)
            self._decompressors[dict_id] = zstandard.ZstdDecompressor(dict_data=d)
        return self._decompressors[dict_id]
