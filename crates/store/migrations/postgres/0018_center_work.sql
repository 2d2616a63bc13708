-- Center administration in the browser (issue 13): the center's contact details, which work it
-- runs, and temporary passwords.
--
-- runs_dispatch / runs_payments: only centers that dispatch coordinators (コーディネーター派遣)
-- or produce the prefecture's payment statements (県の支払明細) — the Kochi model — show those
-- menus and pages. Existing centers keep both switched on: they may already hold dispatch and
-- payment records, and hiding them silently on upgrade would lose work; an admin switches off
-- what the center does not do.
ALTER TABLE centers ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE centers ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE centers ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE centers ADD COLUMN opening_hours TEXT NOT NULL DEFAULT '';
ALTER TABLE centers ADD COLUMN runs_dispatch INTEGER NOT NULL DEFAULT 1;
ALTER TABLE centers ADD COLUMN runs_payments INTEGER NOT NULL DEFAULT 1;
-- Set when an admin creates the account or resets its password: the password was shown to the
-- admin, so the user must choose their own before using anything else.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
