//! Logging in: password, per-account soft lock, the second factor (TOTP or a recovery code),
//! first-time TOTP enrolment, sessions, password changes.
//!
//! A correct password alone never yields a session for a user who has (or must have) two-factor
//! login: it yields a short-lived *challenge* whose only use is the second step. The session id
//! is minted after the last step, so it changes at login (no fixation).

mod mfa;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use domain::messages;
use domain::password::Password;
use domain::totp::TotpSecret;
use rand::RngCore;

use crate::audit::{append, AuditEntry};
use crate::users::{
    actor_from, random_token, secret_hash, verify_password, SessionInfo, UserRow, DUMMY_HASH,
    USER_COLS,
};
use crate::{ts, Actor, Result, Store};

/// Per-account gates for [`Store::login`]: one async mutex per account that has tried to log
/// in since start-up (a few bytes each; bounded by the number of accounts).
#[derive(Clone, Default)]
pub(crate) struct LoginGates(
    std::sync::Arc<std::sync::Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>>,
);

impl LoginGates {
    fn gate(&self, user_id: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        // A poisoned map only means another attempt panicked while inserting; the map itself
        // is still usable.
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(user_id.to_string()).or_default().clone()
    }
}

/// Consecutive failures before the account is locked for a while.
pub const LOCK_AFTER: i64 = 5;
/// Longest soft lock; the lock doubles from one minute per further failure up to this.
pub const LOCK_MAX_MINUTES: i64 = 60;
/// A challenge (between password and code) lasts this long.
pub const CHALLENGE_TTL: Duration = Duration::minutes(10);
/// Wrong codes allowed on one challenge before it ends.
pub const CHALLENGE_ATTEMPTS: i64 = 5;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// What a correct or incorrect password leads to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in: the raw session id for the cookie.
    Session {
        /// Raw session id.
        raw: String,
        /// The session.
        info: SessionInfo,
    },
    /// Password correct; the user must now type a code. The raw challenge id for a cookie.
    NeedsCode {
        /// Raw challenge id.
        challenge: String,
    },
    /// Password correct; the user's role requires two-factor login and none is set up yet.
    MustEnroll {
        /// Raw challenge id.
        challenge: String,
    },
    /// Unknown login, wrong password, disabled or locked: the caller shows one message.
    Failed,
}

/// A pending second step, as the code page needs it.
#[derive(Clone, Debug)]
pub struct Challenge {
    /// The user.
    pub actor: Actor,
    /// `code` (enrolled user types a code) or `enroll` (set up first).
    pub purpose: String,
    /// For enrolment: the secret to show as QR code and text.
    pub pending_secret: Option<TotpSecret>,
    /// Center name, for the authenticator app's label.
    pub center_name: String,
}

/// Result of the second step.
#[derive(Debug)]
pub enum SecondStep {
    /// Logged in. `recovery_codes` holds the codes to show once, after enrolment.
    Session {
        /// Raw session id.
        raw: String,
        /// The session.
        info: SessionInfo,
        /// Freshly issued recovery codes (enrolment only).
        recovery_codes: Vec<String>,
    },
    /// Wrong code; the challenge continues.
    WrongCode,
    /// The challenge is unknown, used, expired or out of attempts: start again at the password.
    Expired,
}

/// Two-factor state of one user, for the account and admin pages.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MfaStatus {
    /// Enrolled (UTC timestamp) or not.
    pub enabled_at: Option<String>,
    /// Does this user's role require it in their center?
    pub required: bool,
    /// Unused recovery codes left.
    pub recovery_codes_left: i64,
}

/// One attempt counted toward the soft lock.
#[derive(Clone, Copy, Debug)]
struct Attempt {
    /// Consecutive failures including this attempt.
    failures: i64,
    /// The lock this attempt set, if it reached [`LOCK_AFTER`].
    locks: Option<DateTime<Utc>>,
}

fn lock_minutes(failures: i64) -> i64 {
    let over = (failures - LOCK_AFTER).clamp(0, 6);
    (1i64 << over).min(LOCK_MAX_MINUTES)
}

fn new_totp_secret() -> TotpSecret {
    let mut b = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut b);
    TotpSecret::from_bytes(b)
}

/// `xxxxx-xxxxx` from an alphabet without look-alikes (no 0/o, 1/l/i).
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut b = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let s: String = b
        .iter()
        .map(|x| char::from(ALPHABET[usize::from(*x) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &s[..5], &s[5..])
}

type Tx<'c> = crate::db::Conn;

impl Store {
    async fn user_by_login(&self, login: &str) -> Result<Option<(Actor, String, i64)>> {
        let row: Option<UserRow> = crate::db::query_as(&format!(
            "SELECT {USER_COLS} FROM users u WHERE u.login = $1"
        ))
        .bind(login)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(actor_from))
    }

    async fn audit_tx(
        &self,
        tx: &mut Tx<'_>,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
        action: &str,
        entity_id: Option<&str>,
        detail: String,
    ) -> Result<()> {
        append(
            tx,
            actor,
            now,
            AuditEntry {
                action,
                entity: "user",
                entity_id,
                detail,
            },
        )
        .await
    }

    /// Does this user's role require two-factor login in their center?
    pub async fn mfa_required(&self, actor: &Actor) -> Result<bool> {
        let roles: Option<String> =
            crate::db::query_scalar("SELECT mfa_roles FROM centers WHERE id = $1")
                .bind(&actor.center_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(roles
            .unwrap_or_default()
            .split(',')
            .any(|r| r == actor.role.code()))
    }

    /// First step: check the password. Every attempt on an account counts toward its soft lock
    /// *before* the password is checked, in one conditional statement that refuses while the
    /// account is locked, so concurrent guesses cannot all read "not locked" first: at most
    /// [`LOCK_AFTER`] guesses are ever checked before the lock (then one per lock period). A
    /// correct password resets the count. While locked the password is not checked, but the same
    /// argon2 work is done (against a dummy hash, as for an unknown login), so the answer takes
    /// as long as a wrong password's. Success and failure are audited.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome> {
        let found = self.user_by_login(login).await?;
        // The attempt is counted before the password is checked, so concurrent guesses cannot
        // pass the lock; but then concurrent *right* passwords of one account (the same person
        // on two devices, a burst in the benchmark) could count up to a lock before any of
        // them resets the count. In this process an account's attempts therefore take turns;
        // the atomic count in the database still bounds guesses across processes.
        let _turn = match &found {
            Some((a, _, _)) => Some(self.login_gates.gate(&a.user_id).lock_owned().await),
            None => None,
        };
        // An unknown login runs the same statement against no row, so it costs the same
        // database round trip as a known one.
        let user_id = found
            .as_ref()
            .map(|(a, _, _)| a.user_id.clone())
            .unwrap_or_default();
        let attempt = self.reserve_attempt(&user_id, now).await?;
        let locked = found.is_some() && attempt.is_none();
        let hash = match (&found, locked) {
            (Some((_, h, _)), false) => h.clone(),
            _ => DUMMY_HASH.to_string(),
        };
        let password = password.to_string();
        let verified = self
            .password_work(move || verify_password(&password, &hash))
            .await?;
        let ok = verified && !locked;
        let totp: Option<String> = match &found {
            Some((a, _, 0)) if ok => {
                crate::db::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
                    .bind(&a.user_id)
                    .fetch_one(self.pool())
                    .await?
            }
            _ => None,
        };
        let needs_mfa = match &found {
            Some((a, _, 0)) if ok => totp.is_some() || self.mfa_required(a).await?,
            _ => false,
        };
        let mut w = self.begin_write().await?;
        match found {
            Some((actor, _, 0)) if ok => {
                crate::db::query(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
                )
                .bind(&actor.user_id)
                .execute(&mut w.tx)
                .await?;
                if needs_mfa {
                    let purpose = if totp.is_some() { "code" } else { "enroll" };
                    let raw = random_token();
                    crate::db::query(
                        "INSERT INTO login_challenges (id_hash, user_id, purpose, created_at, attempts) VALUES ($1,$2,$3,$4,0)",
                    )
                    .bind(secret_hash(&raw))
                    .bind(&actor.user_id)
                    .bind(purpose)
                    .bind(ts(now))
                    .execute(&mut w.tx)
                    .await?;
                    self.audit_tx(
                        &mut w.tx,
                        Some(&actor),
                        now,
                        "login.password_ok",
                        Some(&actor.user_id),
                        format!("second_step={purpose}"),
                    )
                    .await?;
                    w.commit().await?;
                    return Ok(if purpose == "code" {
                        LoginOutcome::NeedsCode { challenge: raw }
                    } else {
                        LoginOutcome::MustEnroll { challenge: raw }
                    });
                }
                let (raw, info) = self.open_session(&mut w.tx, actor, now, "password").await?;
                w.commit().await?;
                Ok(LoginOutcome::Session { raw, info })
            }
            other => {
                let user_id = other.as_ref().map(|(a, _, _)| a.user_id.clone());
                let reason = match &other {
                    None => "unknown login",
                    Some((_, _, d)) if *d != 0 => "disabled",
                    _ if locked => "locked",
                    _ => "wrong password",
                };
                // The attempt was counted up front; a lock it set is audited now that the
                // guess is known to be wrong.
                if let (
                    Some(id),
                    Some(Attempt {
                        failures,
                        locks: Some(until),
                    }),
                ) = (&user_id, attempt)
                {
                    self.audit_lock(&mut w.tx, id, now, failures, until).await?;
                }
                self.audit_tx(
                    &mut w.tx,
                    None,
                    now,
                    "login.failed",
                    user_id.as_deref(),
                    format!("login={login} reason={reason}"),
                )
                .await?;
                w.commit().await?;
                Ok(LoginOutcome::Failed)
            }
        }
    }

    /// Count one password attempt on an account before its password is checked, unless the
    /// account is locked (then `None`). Its own short transaction, committed before the slow
    /// argon2 check, so that concurrent attempts see each other's counts: the conditional
    /// UPDATE is atomic on both engines (SQLite: one writer at a time; PostgreSQL: the row lock
    /// makes a waiting UPDATE re-check its WHERE against the committed row). The attempt that
    /// reaches [`LOCK_AFTER`] sets the lock in the same transaction, so no further guess is
    /// checked meanwhile; its audit row follows with the outcome (a correct password lifts it).
    /// An attempt whose outcome is never written (the process stops) stays counted: fail safe.
    async fn reserve_attempt(&self, user_id: &str, now: DateTime<Utc>) -> Result<Option<Attempt>> {
        let mut w = self.begin_write().await?;
        let attempt = self.bump_failures(&mut w.tx, user_id, now, true).await?;
        w.commit().await?;
        Ok(attempt)
    }

    /// One more consecutive failure; from [`LOCK_AFTER`] on, lock the account for a while.
    /// With `unless_locked`, a locked account is left alone (`None`). Atomic in the caller's
    /// transaction: the count is read back from the UPDATE itself, never read first.
    async fn bump_failures(
        &self,
        tx: &mut Tx<'_>,
        user_id: &str,
        now: DateTime<Utc>,
        unless_locked: bool,
    ) -> Result<Option<Attempt>> {
        let failures: Option<i64> = if unless_locked {
            // Timestamps are `ts` text (fixed width, UTC), so text order is time order.
            crate::db::query_scalar(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING failed_logins",
            )
            .bind(user_id)
            .bind(ts(now))
            .fetch_optional(&mut *tx)
            .await?
        } else {
            crate::db::query_scalar(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
            )
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
        };
        let Some(failures) = failures else {
            return Ok(None);
        };
        let locks = if failures >= LOCK_AFTER {
            let until = now + Duration::minutes(lock_minutes(failures));
            crate::db::query("UPDATE users SET locked_until = $1 WHERE id = $2")
                .bind(ts(until))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            Some(until)
        } else {
            None
        };
        Ok(Some(Attempt { failures, locks }))
    }

    /// One more consecutive failure (a wrong code), counted and its lock audited in the caller's
    /// transaction.
    async fn count_failure(
        &self,
        tx: &mut Tx<'_>,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if let Some(Attempt {
            failures,
            locks: Some(until),
        }) = self.bump_failures(tx, user_id, now, false).await?
        {
            self.audit_lock(tx, user_id, now, failures, until).await?;
        }
        Ok(())
    }

    /// The `user.locked` audit row.
    async fn audit_lock(
        &self,
        tx: &mut Tx<'_>,
        user_id: &str,
        now: DateTime<Utc>,
        failures: i64,
        until: DateTime<Utc>,
    ) -> Result<()> {
        append(
            tx,
            None,
            now,
            AuditEntry {
                action: "user.locked",
                entity: "user",
                entity_id: Some(user_id),
                detail: format!("failures={failures} until={}", ts(until)),
            },
        )
        .await
    }

    /// Mint a session (new random id) inside the caller's transaction and audit the login.
    async fn open_session(
        &self,
        tx: &mut Tx<'_>,
        actor: Actor,
        now: DateTime<Utc>,
        method: &str,
    ) -> Result<(String, SessionInfo)> {
        let raw = random_token();
        let csrf = random_token();
        crate::db::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ($1,$2,$3,$4,$4)",
        )
        .bind(secret_hash(&raw))
        .bind(&actor.user_id)
        .bind(&csrf)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        self.audit_tx(
            tx,
            Some(&actor),
            now,
            "login.ok",
            Some(&actor.user_id),
            format!("method={method}"),
        )
        .await?;
        Ok((
            raw,
            SessionInfo {
                actor,
                csrf_token: csrf,
            },
        ))
    }

    /// Change one's own password: the current one is checked; the new one was parsed against
    /// the user's login and name ([`domain::account::new_password`]). Every session of the
    /// user ends (including this one); the caller gets a fresh session so the person stays
    /// logged in on this device only.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &Password,
        now: DateTime<Utc>,
    ) -> Result<(String, SessionInfo)> {
        let hash: String = crate::db::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(&actor.user_id)
            .fetch_one(self.pool())
            .await?;
        let current_again = current.to_string();
        let current = current.to_string();
        if !self
            .password_work(move || verify_password(&current, &hash))
            .await?
        {
            return Err(messages::accounts::wrong_current_password().into());
        }
        // A temporary password was seen by the admin who set it: keeping it is not a change.
        let reused = current_again == new.expose();
        if reused {
            return Err(messages::accounts::same_password().into());
        }
        let new_hash = self.hash_new_password(new.expose().to_string()).await?;
        let mut w = self.begin_write().await?;
        crate::db::query("UPDATE users SET password_hash = $1, password_changed_at = $2, must_change_password = 0 WHERE id = $3")
            .bind(&new_hash)
            .bind(ts(now))
            .bind(&actor.user_id)
            .execute(&mut w.tx)
            .await?;
        end_sessions_tx(&mut w.tx, &actor.user_id, now).await?;
        self.audit_tx(
            &mut w.tx,
            Some(actor),
            now,
            "user.password_change",
            Some(&actor.user_id),
            String::new(),
        )
        .await?;
        let out = self
            .open_session(&mut w.tx, actor.clone(), now, "password_change")
            .await?;
        w.commit().await?;
        Ok(out)
    }
}

/// End every open session and API token of a user (inside the caller's transaction).
pub(crate) async fn end_sessions_tx(
    tx: &mut Tx<'_>,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    let n = crate::db::query(
        "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL",
    )
    .bind(ts(now))
    .bind(user_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    crate::db::query(
        "UPDATE login_challenges SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL",
    )
    .bind(ts(now))
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use domain::totp::normalize_recovery_code;

    #[test]
    fn lock_grows_then_caps() {
        assert_eq!(lock_minutes(5), 1);
        assert_eq!(lock_minutes(6), 2);
        assert_eq!(lock_minutes(9), 16);
        assert_eq!(lock_minutes(11), LOCK_MAX_MINUTES);
        assert_eq!(lock_minutes(500), LOCK_MAX_MINUTES);
    }

    /// A locked account and an unknown login are checked against `DUMMY_HASH`: it must cost
    /// the same argon2 work as a real hash, or the answer's timing would tell them apart.
    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        use argon2::{Params, PasswordHash};
        let real = crate::users::hash_password("a fictional long passphrase").unwrap();
        let (dummy, real) = (
            PasswordHash::new(DUMMY_HASH).unwrap(),
            PasswordHash::new(&real).unwrap(),
        );
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(
            Params::try_from(&dummy).unwrap(),
            Params::try_from(&real).unwrap()
        );
        assert_eq!(dummy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
        assert!(!verify_password("a fictional long passphrase", DUMMY_HASH));
    }

    #[test]
    fn recovery_codes_look_right() {
        let c = new_recovery_code();
        assert_eq!(c.len(), 11);
        assert_eq!(&c[5..6], "-");
        assert_eq!(normalize_recovery_code(&c).len(), 10);
        assert_ne!(new_recovery_code(), c);
    }
}
