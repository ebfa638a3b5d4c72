"""The peer language: reading files, parsing, building the typed model, printing it back."""
