-- Targeted-review cases and data validation and audit requests (issue 16, part 3). A case's request and
-- CMS's handling of it (origin, reasons, statement, sent day and reference, decision) live in one JSON
-- column; the version makes edits optimistic like applications'. A DVA request is one per practice and
-- year: the notice day (45 days to answer) and the auditor's checklist as JSON.
ALTER TABLE targeted_reviews
    ADD COLUMN detail     jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN version    bigint NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz;

CREATE TABLE dva_requests (
    id          uuid PRIMARY KEY,
    tenant      uuid NOT NULL REFERENCES organizations (id),
    practice    uuid NOT NULL,
    year        integer NOT NULL,
    notice_date date NOT NULL,
    items       jsonb NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL,
    updated_at  timestamptz NOT NULL,
    FOREIGN KEY (tenant, practice) REFERENCES practices (tenant, id),
    UNIQUE (tenant, practice, year)
);
