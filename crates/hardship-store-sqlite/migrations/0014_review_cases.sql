-- Targeted-review cases and data validation and audit requests (issue 16, part 3). A case's request and
-- CMS's handling of it (origin, reasons, statement, sent day and reference, decision) live in one JSON
-- column; the version makes edits optimistic like applications'. A DVA request is one per practice and
-- year: the notice day (45 days to answer) and the auditor's checklist as JSON.
ALTER TABLE targeted_reviews ADD COLUMN detail TEXT NOT NULL DEFAULT '{}';
ALTER TABLE targeted_reviews ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE targeted_reviews ADD COLUMN updated_at TEXT;

CREATE TABLE dva_requests (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    year INTEGER NOT NULL,
    notice_date TEXT NOT NULL,
    items TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant, practice, year)
);
