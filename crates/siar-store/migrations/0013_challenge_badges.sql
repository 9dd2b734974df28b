-- A challenge's own badges (issue 7: staff create and edit badges), one per
-- line as "30 Kutu Buku Cilik"; empty keeps the standard three.
ALTER TABLE challenges ADD COLUMN badges TEXT NOT NULL DEFAULT '';
