-- 010: incremental scoring (issue 9). The signals stage hashes only new contents and scores
-- only the narratives whose inputs changed since their last scoring.
-- MinHash signature of each content's normalised text, per signature configuration.
CREATE TABLE minhash_signatures (
    content_hash  VARCHAR NOT NULL,
    params        VARCHAR NOT NULL,     -- e.g. 'perm=64;shingle=5;seed=1'
    key_hash      VARCHAR NOT NULL,     -- sha1 of the normalised text signed (checked on use)
    signature     BLOB NOT NULL,        -- num_perm little-endian uint32
    PRIMARY KEY (content_hash, params)
);
-- What each narrative's last scoring read (detectors.signals.ScoreState): digests of its
-- items and of all its inputs, and the content-joining embedding-neighbour pairs it found.
CREATE TABLE narrative_score_state (
    narrative_id   VARCHAR PRIMARY KEY,
    block_digest   VARCHAR NOT NULL,
    inputs_digest  VARCHAR NOT NULL,
    links          JSON,                -- [[item_a, item_b], ...]
    run_id         VARCHAR,
    scored_at      TIMESTAMPTZ
);
