-- 見守りスコアの区分 per medical care item, chosen by the child's doctor (high / mid / low);
-- NULL = not entered (the 医療的ケアスコア（参考） then says it is incomplete).
ALTER TABLE child_medical_care ADD COLUMN watch TEXT;
