-- 013: a narrative's keywords and headline are recomputed only when its size has moved
-- enough since they were (detectors.labels.needs_relabel, [labels] relabel_growth); this is
-- the size they were computed at. NULL (every narrative before this): relabelled next time.
ALTER TABLE narratives ADD COLUMN labelled_size INTEGER;
