-- Targeted-review candidates (issue 16): opened when CMS's final feedback disagrees with the product's
-- decision; one per subject (TIN, or TIN/NPI; npi '' for the group) and year, so a re-import opens none.
CREATE TABLE targeted_reviews (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES organizations(id),
    practice TEXT NOT NULL REFERENCES practices(id),
    year INTEGER NOT NULL,
    tin TEXT NOT NULL,
    npi TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'decided')),
    codes TEXT NOT NULL,
    summary TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (tenant, year, tin, npi)
);
