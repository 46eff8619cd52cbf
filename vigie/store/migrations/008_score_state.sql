-- 008: what the signals stage last scored, so a pass with nothing new skips the rescoring.
CREATE TABLE score_state (
    key          VARCHAR PRIMARY KEY,     -- 'signals'
    fingerprint  VARCHAR NOT NULL,        -- hash of the inputs and of the detection configuration
    scored_at    TIMESTAMPTZ NOT NULL
);
