"""Stage 2, page -> content and metadata: parsing and element helpers (html), the chrome pass (chrome),
block choice (blocks), rendering (render), line rules (line_rules, lines), per-site templates (templates),
the composed extraction (boilerplate), metadata (meta) and compilation parts (parts)."""
