//! The second factor: the login challenge (TOTP or a recovery code), TOTP enrolment and recovery codes.

use chrono::{DateTime, Utc};
use domain::messages;
use domain::totp::{normalize_recovery_code, TotpSecret};

use super::{
    new_recovery_code, new_totp_secret, Challenge, MfaStatus, SecondStep, Tx, CHALLENGE_ATTEMPTS,
    CHALLENGE_TTL, RECOVERY_CODES,
};
use crate::users::{actor_from, secret_hash, UserRow, USER_COLS};
use crate::{ts, Actor, Result, Store, StoreError};

impl Store {
    /// The pending second step behind a challenge cookie, if still valid. For enrolment this
    /// also creates (once) the secret to show.
    pub async fn challenge(&self, raw: &str, now: DateTime<Utc>) -> Result<Option<Challenge>> {
        let row: Option<(String, String, String, i64, Option<String>)> = crate::db::query_as(
            "SELECT user_id, purpose, created_at, attempts, ended_at FROM login_challenges WHERE id_hash = $1",
        )
        .bind(secret_hash(raw))
        .fetch_optional(self.pool())
        .await?;
        let Some((user_id, purpose, created, attempts, ended)) = row else {
            return Ok(None);
        };
        let fresh = crate::parse_ts(&created).is_some_and(|c| now - c <= CHALLENGE_TTL);
        if ended.is_some() || !fresh || attempts >= CHALLENGE_ATTEMPTS {
            return Ok(None);
        }
        let row: Option<UserRow> =
            crate::db::query_as(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
                .bind(&user_id)
                .fetch_optional(self.pool())
                .await?;
        let Some((actor, _, 0)) = row.and_then(actor_from) else {
            return Ok(None);
        };
        let pending_secret = if purpose == "enroll" {
            Some(self.pending_secret(&actor).await?)
        } else {
            None
        };
        let center_name: String = crate::db::query_scalar("SELECT name FROM centers WHERE id = $1")
            .bind(&actor.center_id)
            .fetch_one(self.pool())
            .await?;
        Ok(Some(Challenge {
            actor,
            purpose,
            pending_secret,
            center_name,
        }))
    }

    /// The secret being enrolled: created on first ask and kept until confirmed, so reloading the
    /// page shows the same QR code.
    async fn pending_secret(&self, actor: &Actor) -> Result<TotpSecret> {
        let existing: Option<String> =
            crate::db::query_scalar("SELECT totp_pending FROM users WHERE id = $1")
                .bind(&actor.user_id)
                .fetch_one(self.pool())
                .await?;
        if let Some(s) = existing.as_deref().and_then(TotpSecret::parse_base32) {
            return Ok(s);
        }
        let secret = new_totp_secret();
        let mut w = self.begin_write().await?;
        crate::db::query(
            "UPDATE users SET totp_pending = $1 WHERE id = $2 AND totp_pending IS NULL",
        )
        .bind(secret.to_base32())
        .bind(&actor.user_id)
        .execute(&mut w.tx)
        .await?;
        let stored: Option<String> =
            crate::db::query_scalar("SELECT totp_pending FROM users WHERE id = $1")
                .bind(&actor.user_id)
                .fetch_one(&mut w.tx)
                .await?;
        w.commit().await?;
        Ok(stored
            .as_deref()
            .and_then(TotpSecret::parse_base32)
            .unwrap_or(secret))
    }

    /// Second step: a TOTP code (or, for an enrolled user, a recovery code). For an enrolment
    /// challenge the code confirms the pending secret, which becomes the user's, and recovery
    /// codes are issued. Wrong codes count toward the challenge's attempts and the account lock.
    pub async fn complete_challenge(
        &self,
        raw: &str,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<SecondStep> {
        let Some(ch) = self.challenge(raw, now).await? else {
            return Ok(SecondStep::Expired);
        };
        let actor = ch.actor.clone();
        let (secret, last_step): (Option<String>, Option<i64>) =
            crate::db::query_as("SELECT totp_secret, totp_last_step FROM users WHERE id = $1")
                .bind(&actor.user_id)
                .fetch_one(self.pool())
                .await?;
        let unix = now.timestamp();
        let mut w = self.begin_write().await?;
        // Claim the challenge first: two concurrent submissions cannot both succeed.
        let claimed = crate::db::query(
            "UPDATE login_challenges SET attempts = attempts + 1 WHERE id_hash = $1 AND ended_at IS NULL AND attempts < $2",
        )
        .bind(secret_hash(raw))
        .bind(CHALLENGE_ATTEMPTS)
        .execute(&mut w.tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(SecondStep::Expired);
        }
        let (matched, method, recovery_codes) = if ch.purpose == "enroll" {
            let step = ch
                .pending_secret
                .as_ref()
                .and_then(|s| s.verify(typed, unix, None));
            match (step, &ch.pending_secret) {
                (Some(step), Some(s)) => {
                    match self.enroll_tx(&mut w.tx, &actor, s, step, now).await? {
                        Some(codes) => (true, "totp", codes),
                        // Another challenge enrolled this secret first (the same code sent
                        // twice at once): this one counts as a wrong code.
                        None => (false, "totp", Vec::new()),
                    }
                }
                _ => (false, "totp", Vec::new()),
            }
        } else {
            let secret = secret.as_deref().and_then(TotpSecret::parse_base32);
            // `last_step` was read before the transaction, so the check that a step is used
            // once happens again in the write itself: of concurrent submissions of one code,
            // only the one whose UPDATE moves the step forward succeeds; the others are replays.
            let step = secret.and_then(|s| s.verify(typed, unix, last_step));
            let fresh = match step {
                Some(step) => use_totp_step(&mut w.tx, &actor.user_id, step).await?,
                None => false,
            };
            match step {
                Some(_) if fresh => (true, "totp", Vec::new()),
                Some(_) => (false, "totp", Vec::new()),
                None => {
                    let code = normalize_recovery_code(typed);
                    let used = if code.len() == 10 {
                        crate::db::query(
                            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
                        )
                        .bind(ts(now))
                        .bind(&actor.user_id)
                        .bind(secret_hash(&code))
                        .execute(&mut w.tx)
                        .await?
                        .rows_affected()
                    } else {
                        0
                    };
                    (used == 1, "recovery_code", Vec::new())
                }
            }
        };
        if !matched {
            self.count_failure(&mut w.tx, &actor.user_id, now).await?;
            self.audit_tx(
                &mut w.tx,
                Some(&actor),
                now,
                "login.code_failed",
                Some(&actor.user_id),
                format!("purpose={}", ch.purpose),
            )
            .await?;
            w.commit().await?;
            return Ok(SecondStep::WrongCode);
        }
        crate::db::query("UPDATE login_challenges SET ended_at = $1 WHERE id_hash = $2")
            .bind(ts(now))
            .bind(secret_hash(raw))
            .execute(&mut w.tx)
            .await?;
        crate::db::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(&actor.user_id)
            .execute(&mut w.tx)
            .await?;
        let (raw, info) = self.open_session(&mut w.tx, actor, now, method).await?;
        w.commit().await?;
        Ok(SecondStep::Session {
            raw,
            info,
            recovery_codes,
        })
    }

    /// Replace the user's recovery codes with fresh ones (returned raw, shown once).
    async fn issue_recovery_codes(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        crate::db::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(&actor.user_id)
            .execute(&mut *tx)
            .await?;
        let mut codes = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            let code = new_recovery_code();
            // 50 random bits each: a fast hash suffices (nothing to brute-force from a guessable
            // human choice, unlike passwords).
            crate::db::query(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1,$2,$3)",
            )
            .bind(&actor.user_id)
            .bind(secret_hash(&normalize_recovery_code(&code)))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            codes.push(code);
        }
        Ok(codes)
    }

    /// Two-factor state of a user.
    pub async fn mfa_status(&self, actor: &Actor) -> Result<MfaStatus> {
        let enabled_at: Option<String> =
            crate::db::query_scalar("SELECT totp_enabled_at FROM users WHERE id = $1")
                .bind(&actor.user_id)
                .fetch_one(self.pool())
                .await?;
        let left: i64 = crate::db::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(&actor.user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(MfaStatus {
            enabled_at,
            required: self.mfa_required(actor).await?,
            recovery_codes_left: left,
        })
    }

    /// The secret a logged-in user is setting up (account page).
    pub async fn start_mfa_setup(&self, actor: &Actor) -> Result<TotpSecret> {
        self.pending_secret(actor).await
    }

    /// A logged-in user confirms (re-)enrolment with a code from the new secret. Returns the new
    /// recovery codes. A wrong code is a validation error; nothing changes.
    pub async fn confirm_mfa_setup(
        &self,
        actor: &Actor,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        domain::totp::parse_code(typed)?;
        let pending: Option<String> =
            crate::db::query_scalar("SELECT totp_pending FROM users WHERE id = $1")
                .bind(&actor.user_id)
                .fetch_one(self.pool())
                .await?;
        let secret = pending.as_deref().and_then(TotpSecret::parse_base32);
        let Some((secret, step)) =
            secret.and_then(|s| s.verify(typed, now.timestamp(), None).map(|st| (s, st)))
        else {
            return Err(wrong_code());
        };
        let mut w = self.begin_write().await?;
        // `None`: a concurrent confirmation took this secret first; nothing changes here.
        let codes = self
            .enroll_tx(&mut w.tx, actor, &secret, step, now)
            .await?
            .ok_or_else(wrong_code)?;
        w.commit().await?;
        Ok(codes)
    }

    /// Make a confirmed secret the user's (the step it was confirmed with counts as used),
    /// issue fresh recovery codes and audit the enrolment — inside the caller's transaction.
    /// `None` when the secret is no longer the pending one: the write only succeeds while it
    /// is, so of concurrent confirmations with one code exactly one enrols.
    async fn enroll_tx(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        secret: &TotpSecret,
        step: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<String>>> {
        let taken = crate::db::query(
            "UPDATE users SET totp_secret = $1, totp_pending = NULL, totp_enabled_at = $2, totp_last_step = $3 WHERE id = $4 AND totp_pending = $1",
        )
        .bind(secret.to_base32())
        .bind(ts(now))
        .bind(step)
        .bind(&actor.user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken != 1 {
            return Ok(None);
        }
        let codes = self.issue_recovery_codes(tx, actor, now).await?;
        self.audit_tx(
            tx,
            Some(actor),
            now,
            "mfa.enroll",
            Some(&actor.user_id),
            String::new(),
        )
        .await?;
        Ok(Some(codes))
    }

    /// Issue new recovery codes (the old ones stop working). Requires a current TOTP code.
    pub async fn regenerate_recovery_codes(
        &self,
        actor: &Actor,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        domain::totp::parse_code(typed)?;
        let (secret, last): (Option<String>, Option<i64>) =
            crate::db::query_as("SELECT totp_secret, totp_last_step FROM users WHERE id = $1")
                .bind(&actor.user_id)
                .fetch_one(self.pool())
                .await?;
        let step = secret
            .as_deref()
            .and_then(TotpSecret::parse_base32)
            .and_then(|s| s.verify(typed, now.timestamp(), last))
            .ok_or_else(wrong_code)?;
        let mut w = self.begin_write().await?;
        if !use_totp_step(&mut w.tx, &actor.user_id, step).await? {
            // The same code was used meanwhile (sent twice at once): a replay.
            return Err(wrong_code());
        }
        let codes = self.issue_recovery_codes(&mut w.tx, actor, now).await?;
        self.audit_tx(
            &mut w.tx,
            Some(actor),
            now,
            "mfa.recovery_codes",
            Some(&actor.user_id),
            String::new(),
        )
        .await?;
        w.commit().await?;
        Ok(codes)
    }
}

fn wrong_code() -> StoreError {
    messages::accounts::wrong_totp_code().into()
}

/// Mark a TOTP step used, in the caller's transaction, if it is later than the last one used.
/// `false` when it is not (a replay, perhaps a concurrent one): the comparison is part of the
/// UPDATE, so two transactions cannot both pass it (a waiting UPDATE re-checks the committed
/// row on PostgreSQL; SQLite has one writer at a time).
async fn use_totp_step(tx: &mut Tx<'_>, user_id: &str, step: i64) -> Result<bool> {
    let n = crate::db::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(user_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}
