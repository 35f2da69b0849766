"""Stage 3, text -> normalised text: script detection and traditional -> simplified conversion (script)."""
