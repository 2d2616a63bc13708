-- Search that finds people (issue 13). Until now a child was found only by a prefix of the
-- whole name (family name first), so 「こはる」 did not find 「〇〇 こはる」. Two more keys,
-- the given name's reading and the given name, each with a (center, key, id) index like
-- search_kana/search_name, so a prefix of either is a range scan of its own index.
ALTER TABLE children ADD COLUMN search_given_kana TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN search_given_name TEXT NOT NULL DEFAULT '';

-- The reading is stored as normalised katakana with ASCII spaces (KanaName), so its search
-- key is the reading without spaces. search_name is the normalised family name followed by
-- the normalised given name; its tail as long as the given name (without spaces) is the
-- given name's key. Both equal what the store computes for names whose characters NFKC does
-- not merge or split (kanji, kana, full-width letters); the store's start-up then recomputes
-- every key in Rust once (store_meta search_key_version), and every write keeps them.
UPDATE children SET
    search_given_kana = REPLACE(given_name_kana, ' ', ''),
    search_given_name = SUBSTR(search_name,
        MAX(1, LENGTH(search_name) - LENGTH(REPLACE(REPLACE(given_name, ' ', ''), '　', '')) + 1));

CREATE INDEX children_given_kana ON children(center_id, search_given_kana, id);
CREATE INDEX children_given_name ON children(center_id, search_given_name, id);

-- One unregistered person is one person: within a center a named person whose normalised
-- name and reading match an existing one is that person (store::consultations). The keys are
-- NULL for anonymous persons, who never match. Existing rows get the keys as far as SQL can
-- compute them (spaces removed; the reading is already normalised katakana) and exactly at
-- the store's next start-up (width, hiragana/katakana, variant kanji); existing
-- duplicates are not merged here, as a migration cannot ask whether two records are one
-- person — new consultations link to the earliest of them.
ALTER TABLE persons ADD COLUMN search_name TEXT;
ALTER TABLE persons ADD COLUMN search_kana TEXT;
UPDATE persons SET
    search_name = REPLACE(REPLACE(name, ' ', ''), '　', ''),
    search_kana = COALESCE(REPLACE(name_kana, ' ', ''), '')
WHERE anonymous = 0 AND name IS NOT NULL;
CREATE INDEX persons_same ON persons(center_id, search_name, search_kana);
