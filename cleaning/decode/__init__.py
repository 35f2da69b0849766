"""Stage 1, bytes -> text: detect the encoding from the bytes (encoding), the character statistics that
score readings and guesses (charfreq), mojibake runs re-decoded (mojibake), and text repair (repair)."""
