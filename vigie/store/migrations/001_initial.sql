-- 001: core tables of the Vigie store (see DESIGN.md "Store").
-- Timestamps are TIMESTAMPTZ stored in UTC. Ids are deterministic strings so every stage is idempotent.

CREATE TABLE sources (
    source_id          VARCHAR PRIMARY KEY,      -- stable id: 'feed:<sha1 of url>[:16]' or 'import:<name>'
    kind               VARCHAR NOT NULL,         -- feed | import
    name               VARCHAR NOT NULL,
    url                VARCHAR,                  -- feed URL (kind = feed)
    site_url           VARCHAR,
    domain             VARCHAR,
    registered_domain  VARCHAR,
    language           VARCHAR,                  -- declared language, if any
    region             VARCHAR,
    added_at           TIMESTAMPTZ NOT NULL,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    etag               VARCHAR,                  -- conditional GET validators
    last_modified      VARCHAR,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_fetch_after   TIMESTAMPTZ,              -- back-off for failing sources
    last_status        VARCHAR,
    last_success_at    TIMESTAMPTZ
);

CREATE SEQUENCE fetch_id_seq;
CREATE TABLE fetches (                           -- one row per fetch attempt
    fetch_id       BIGINT PRIMARY KEY DEFAULT nextval('fetch_id_seq'),
    source_id      VARCHAR NOT NULL,
    run_id         VARCHAR,
    started_at     TIMESTAMPTZ NOT NULL,
    duration_ms    DOUBLE,
    status         VARCHAR NOT NULL,             -- ok | not_modified | error
    http_status    INTEGER,
    final_url      VARCHAR,
    bytes          BIGINT,
    entries        INTEGER,
    items_new      INTEGER,
    items_updated  INTEGER,
    bozo           VARCHAR,                      -- feedparser's bozo exception text, if any
    error          VARCHAR                       -- error text, if status = error
);

CREATE TABLE items (
    item_id            VARCHAR PRIMARY KEY,      -- 'it_' + hash of (source_id, identity key)
    source_id          VARCHAR NOT NULL,
    external_id        VARCHAR,                  -- guid for feeds, row id for imports
    guid               VARCHAR,
    url                VARCHAR,
    canonical_url      VARCHAR,
    domain             VARCHAR,
    registered_domain  VARCHAR,
    author             VARCHAR,
    title              VARCHAR,
    text               VARCHAR,                  -- clean plain text (never HTML)
    language           VARCHAR,
    published_at       TIMESTAMPTZ NOT NULL,
    date_estimated     BOOLEAN NOT NULL DEFAULT FALSE,  -- published_at fell back to first_seen_at
    first_seen_at      TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ,
    content_hash       VARCHAR NOT NULL,         -- sha256 of normalised title + text
    version            INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE item_versions (                     -- earlier versions of changed articles
    item_id        VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    title          VARCHAR,
    text           VARCHAR,
    content_hash   VARCHAR NOT NULL,
    seen_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (item_id, version)
);

CREATE TABLE embeddings (                        -- cache: one vector per content and model
    content_hash   VARCHAR NOT NULL,
    model          VARCHAR NOT NULL,
    vector         FLOAT[] NOT NULL,
    PRIMARY KEY (content_hash, model)
);

CREATE TABLE narratives (
    narrative_id   VARCHAR PRIMARY KEY,          -- 'N-' + stable id, never reused
    label          VARCHAR,
    keywords       VARCHAR[],
    headline       VARCHAR,
    languages      VARCHAR[],
    size           INTEGER NOT NULL DEFAULT 0,
    first_seen_at  TIMESTAMPTZ,
    last_seen_at   TIMESTAMPTZ,
    status         VARCHAR NOT NULL DEFAULT 'active',   -- active | faded | merged
    merged_into    VARCHAR,                      -- survivor id when status = merged
    centroid       FLOAT[],
    model          VARCHAR,
    created_run    VARCHAR,
    updated_run    VARCHAR
);

CREATE TABLE narrative_members (
    item_id        VARCHAR PRIMARY KEY,
    narrative_id   VARCHAR NOT NULL,
    similarity     DOUBLE,
    joined_at      TIMESTAMPTZ NOT NULL,
    joined_run     VARCHAR
);

CREATE TABLE narrative_events (                  -- history: created, merged, faded
    narrative_id   VARCHAR NOT NULL,
    event          VARCHAR NOT NULL,
    other_id       VARCHAR,
    event_at       TIMESTAMPTZ NOT NULL,
    run_id         VARCHAR
);

CREATE TABLE signals (                           -- one row per (narrative, kind), replaced each run
    narrative_id   VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,             -- copy_paste | rewording | translation | synchrony | burst | ...
    value          DOUBLE,
    detail         JSON,
    run_id         VARCHAR,
    computed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (narrative_id, kind)
);

CREATE TABLE evidence (                          -- items (or item pairs) behind a signal
    narrative_id   VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    item_id        VARCHAR NOT NULL,
    other_item_id  VARCHAR,
    score          DOUBLE,
    detail         JSON
);

CREATE TABLE source_edges (                      -- co-publication network of sources
    source_a       VARCHAR NOT NULL,
    source_b       VARCHAR NOT NULL,
    weight         DOUBLE NOT NULL,              -- distinct contents co-published
    window_s       DOUBLE,
    community      VARCHAR,
    evidence       JSON,                         -- the item pairs behind the edge
    run_id         VARCHAR,
    PRIMARY KEY (source_a, source_b)
);

CREATE TABLE flags (
    narrative_id     VARCHAR PRIMARY KEY,
    score            DOUBLE NOT NULL,
    flagged          BOOLEAN NOT NULL,
    reasons          VARCHAR[],
    first_flagged_at TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR
);

CREATE TABLE reservists (
    reservist_id   VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    email          VARCHAR,
    role           VARCHAR NOT NULL DEFAULT 'reservist',  -- reservist | coordinator | communication | admin
    languages      VARCHAR[],
    regions        VARCHAR[],
    skills         VARCHAR[],
    capacity       INTEGER NOT NULL DEFAULT 3,
    available      BOOLEAN NOT NULL DEFAULT TRUE,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash  VARCHAR,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE cases (                             -- review status of a flagged narrative
    narrative_id   VARCHAR PRIMARY KEY,
    status         VARCHAR NOT NULL,             -- new | assigned | in_review | confirmed | not_campaign | needs_info | escalated
    opened_at      TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE assignments (
    assignment_id  VARCHAR PRIMARY KEY,
    narrative_id   VARCHAR NOT NULL,
    reservist_id   VARCHAR NOT NULL,
    status         VARCHAR NOT NULL,             -- open | done | escalated | reassigned
    reason         VARCHAR NOT NULL,             -- routing explanation in words
    assigned_at    TIMESTAMPTZ NOT NULL,
    closed_at      TIMESTAMPTZ,
    assigned_by    VARCHAR
);

CREATE TABLE decisions (
    decision_id    VARCHAR PRIMARY KEY,
    narrative_id   VARCHAR NOT NULL,
    reservist_id   VARCHAR NOT NULL,
    verdict        VARCHAR NOT NULL,             -- confirmed | not_campaign | needs_info
    summary        VARCHAR,
    confidence     DOUBLE,
    techniques     VARCHAR[],                    -- DISARM red ids (T0086, ...)
    responses      VARCHAR[],                    -- DISARM response types and communication actions
    comments       VARCHAR,
    decided_at     TIMESTAMPTZ NOT NULL,
    supersedes     VARCHAR                       -- previous decision id when revised
);

CREATE SEQUENCE audit_id_seq;
CREATE TABLE audit_log (
    audit_id       BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    event_at       TIMESTAMPTZ NOT NULL,
    actor          VARCHAR,
    action         VARCHAR NOT NULL,
    target         VARCHAR,
    detail         JSON
);

CREATE TABLE digests (
    digest_date    DATE NOT NULL,
    lang           VARCHAR NOT NULL,
    path           VARCHAR NOT NULL,
    period_start   TIMESTAMPTZ,
    period_end     TIMESTAMPTZ,
    generated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (digest_date, lang)
);

CREATE TABLE runs (
    run_id         VARCHAR PRIMARY KEY,
    kind           VARCHAR NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL,
    stats          JSON
);
