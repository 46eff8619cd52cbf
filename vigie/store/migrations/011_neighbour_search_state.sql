-- 011: the embedding-neighbour search builds on the last one (issue 9). What each
-- narrative's last search saw (detectors.score_state.Searched): its members with the key
-- and time of each, and the pairs found from each row, as positions in that list.
CREATE TABLE narrative_search_items (
    narrative_id  VARCHAR NOT NULL,
    pos           INTEGER NOT NULL,
    item_id       VARCHAR NOT NULL,
    item_key      VARCHAR NOT NULL,     -- detectors.signals item key (text, language, vector)
    published_s   DOUBLE NOT NULL       -- epoch seconds: the time bucket it was searched in
);
CREATE TABLE narrative_search_pairs (
    narrative_id  VARCHAR NOT NULL,
    row_pos       INTEGER NOT NULL,     -- the member that found the pair
    col_pos       INTEGER NOT NULL,
    cosine        FLOAT NOT NULL
);
