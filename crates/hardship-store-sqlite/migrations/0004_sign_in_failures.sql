-- Failed sign-ins, one row each, so that every app instance's limiter counts the same failures.
CREATE TABLE sign_in_failures (
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at);
CREATE INDEX sign_in_failures_by_age ON sign_in_failures (at);
