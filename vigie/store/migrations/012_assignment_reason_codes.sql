-- 012: an assignment's reason in parts (reservist_review.route_reasons), rendered in the
-- reader's language on the case page and in emails; `reason` keeps the English sentence.
ALTER TABLE assignments ADD COLUMN reason_codes JSON;   -- [{"code", "params"}, ...]
