"""The CLI's commands, one module per group: corpus (demo, crawl, clean, stats, search, export), sites,
text (decode, repair-text), page (clean-page) and dedup; each module adds its parsers with add_commands."""
