-- 009: what the review desk's case page shows of a narrative's members, computed once per
-- analysis pass (vigie.store.review.summaries) instead of at every page view.
-- A row is valid while ``fingerprint`` (the narrative's size, runs and dates and its flag's
-- run) matches and no member item changed since ``items_watermark``; otherwise the page
-- computes the same figures live and the next pass rebuilds the row.
CREATE TABLE case_summaries (
    narrative_id     VARCHAR PRIMARY KEY,
    fingerprint      VARCHAR NOT NULL,
    items_watermark  TIMESTAMPTZ,                  -- max(items.updated_at) when built
    item_count       BIGINT NOT NULL,
    languages        STRUCT(lang VARCHAR, n BIGINT)[],      -- most frequent first
    minutes          STRUCT(t TIMESTAMPTZ, n BIGINT)[],     -- items per minute (timeline)
    first_items      VARCHAR[],                    -- the earliest members (published_at, item_id)
    evidence_counts  STRUCT(kind VARCHAR, n BIGINT)[],
    sources          STRUCT(source_id VARCHAR, item_count BIGINT, first_item_at TIMESTAMPTZ,
                            first_seen_at TIMESTAMPTZ, lookalike VARCHAR[],
                            new_source VARCHAR[])[],  -- earliest item first
    built_at         TIMESTAMPTZ NOT NULL
);
