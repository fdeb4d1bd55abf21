-- The practice location's five-digit ZIP code: CMS designates automatic extreme-and-uncontrollable-
-- circumstances areas by county, published as ZIP lists.
ALTER TABLE practices ADD COLUMN zip TEXT;
