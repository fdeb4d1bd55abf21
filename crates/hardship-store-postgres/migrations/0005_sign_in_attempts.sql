-- A sign-in attempt is reserved (a row per limited key, tagged with the attempt) before the password is
-- checked, so concurrent attempts cannot all pass the limit; a success removes its own rows.
ALTER TABLE sign_in_failures ADD COLUMN attempt uuid;
CREATE INDEX sign_in_failures_by_attempt ON sign_in_failures (attempt);
