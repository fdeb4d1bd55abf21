-- What CMS's QPP Eligibility API answered (issue 15): the latest answer per practice, NPI and year, with
-- its URL, API version and retrieval time. `answer` is the whole record; the key columns and
-- `retrieved_at` are what the fetch reads to skip NPIs it asked recently.
CREATE TABLE cms_answers (
    tenant        uuid NOT NULL,
    practice      uuid NOT NULL,
    npi           text NOT NULL CHECK (npi ~ '^[0-9]{10}$'),
    year          integer NOT NULL,
    retrieved_at  timestamptz NOT NULL,
    answer        jsonb NOT NULL,
    PRIMARY KEY (practice, npi, year),
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id)
);
CREATE INDEX cms_answers_by_year ON cms_answers (tenant, year);
