-- Two-factor authentication (TOTP), per-account soft lock and password changes.

-- Roles that must use two-factor login in this center (comma-separated role codes).
ALTER TABLE centers ADD COLUMN mfa_roles TEXT NOT NULL DEFAULT 'admin,advisor';

-- Base32 TOTP secret once enrolled; the pending one while the user scans the QR code.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TEXT;
-- Last accepted time step: a code works once.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- Soft lock after repeated failures (password or second factor).
ALTER TABLE users ADD COLUMN locked_until TEXT;
ALTER TABLE users ADD COLUMN password_changed_at TEXT;

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);

-- Between a correct password and the second factor: a short-lived challenge, not a session.
CREATE TABLE login_challenges (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    ended_at TEXT
);
CREATE INDEX login_challenges_user ON login_challenges(user_id);
