"""Ingestion: fetch feeds over HTTP, parse, clean, canonicalise and identify items.

Pure helpers live here (no SQL); ``vigie.store.sources`` / ``vigie.store.items`` hold the
queries and ``flows.ingest`` wires fetching, parsing and storing together.
"""
