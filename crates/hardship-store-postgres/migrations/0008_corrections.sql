-- Corrections that keep history (issue 14): archiving practices and clinicians (who, when, why), a
-- clinician's membership dates (each year has its own roster), and what can be said of a document after
-- its upload (a note, the document that supersedes it; its kind may be re-classified).
ALTER TABLE practices ADD COLUMN archived jsonb;
ALTER TABLE clinicians ADD COLUMN joined_on date;
ALTER TABLE clinicians ADD COLUMN left_on date;
ALTER TABLE clinicians ADD COLUMN archived jsonb;
ALTER TABLE documents ADD COLUMN note text NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN superseded_by uuid;
-- A tenant's practice by TIN (one per TIN, checked under the tenant's write lock).
CREATE INDEX practices_by_tin ON practices (tenant, tin);
