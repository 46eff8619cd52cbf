-- 002: ingestion details (owner: ingest).
-- Why a published_at was estimated: missing | unparsable | future | too_old (NULL when given).
ALTER TABLE items ADD COLUMN date_reason VARCHAR;
-- What `vigie sources status` shows without scanning every fetch.
ALTER TABLE sources ADD COLUMN last_fetch_at TIMESTAMPTZ;
ALTER TABLE sources ADD COLUMN last_error VARCHAR;
ALTER TABLE sources ADD COLUMN feed_title VARCHAR;
-- 1 for the first try of a fetch, 2.. for its retries.
ALTER TABLE fetches ADD COLUMN attempt INTEGER;
