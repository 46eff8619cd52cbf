-- 007: flag reasons in structured form, so readers get them in their language.
-- A JSON list of {"code": ..., "params": {...}} in the order of flags.reasons (which keeps
-- the English sentences, the exchange format). NULL on rows written before this migration:
-- readers then show the stored English sentences.
ALTER TABLE flags ADD COLUMN reason_codes JSON;
