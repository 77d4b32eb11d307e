-- The size of each stored item as NDJSON text, written with it, so that a page of items can be cut to a byte budget
-- without reading (or detoasting) the items past the cut.
ALTER TABLE verdict ADD COLUMN item_bytes int NOT NULL DEFAULT 0;
UPDATE verdict SET item_bytes = octet_length(item::text);
ALTER TABLE stage_item ADD COLUMN item_bytes int NOT NULL DEFAULT 0;
UPDATE stage_item SET item_bytes = octet_length(item::text);
