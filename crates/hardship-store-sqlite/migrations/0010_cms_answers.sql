-- What CMS's QPP Eligibility API answered (issue 15): the latest answer per practice, NPI and year, with
-- its URL, API version and retrieval time. `answer` is the whole record as JSON; the key columns and
-- `retrieved_at` are what the fetch reads to skip NPIs it asked recently.
CREATE TABLE cms_answers (
    tenant TEXT NOT NULL REFERENCES organizations(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    npi TEXT NOT NULL,
    year INTEGER NOT NULL,
    retrieved_at TEXT NOT NULL,
    answer TEXT NOT NULL,
    PRIMARY KEY (practice, npi, year)
);
CREATE INDEX cms_answers_by_year ON cms_answers (tenant, year);
