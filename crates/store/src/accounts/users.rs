//! Centers, users, sessions and API tokens.

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::{DateTime, Duration, Utc};
use domain::{messages, Role};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// A center (tenant).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Center {
    /// centers.id
    pub id: String,
    /// Short slug, e.g. "kochi".
    pub code: String,
    /// Display name.
    pub name: String,
    /// Prefecture or municipality code the center serves.
    pub jurisdiction_code: String,
}

/// Session lifetime rules.
pub const SESSION_IDLE: Duration = Duration::minutes(30);
/// A session ends this long after login whatever the activity.
pub const SESSION_ABSOLUTE: Duration = Duration::hours(12);

/// An authenticated session: the actor plus the session's CSRF token.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    /// Who is logged in.
    pub actor: Actor,
    /// Token every state-changing form must echo.
    pub csrf_token: String,
}

/// A live session as a request resolves it: who, and what every page needs about them — read
/// in one query (the user, the center's name and work, the unread notifications).
#[derive(Clone, Debug)]
pub struct Session {
    /// The actor and the CSRF token.
    pub info: SessionInfo,
    /// The center's name and work, the temporary-password flag.
    pub context: crate::centers::UserContext,
    /// Unread notifications, for the menu.
    pub unread: i64,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    csrf_token: String,
    created_at: String,
    last_seen_at: String,
    ended_at: Option<String>,
    id: String,
    login: String,
    display_name: String,
    center_id: String,
    role: String,
    municipality_codes: String,
    password_hash: String,
    disabled: i64,
    center_name: String,
    runs_dispatch: i64,
    runs_payments: i64,
    must_change_password: i64,
    unread: i64,
}

/// Hash a secret (session id, API token) for storage; the raw value never touches the database.
pub fn secret_hash(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    use base64::Engine;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A fresh random password that passes [`domain::password::Password::parse`] for a user with
/// these context words (login, display name). A random token occasionally contains a short login
/// ("adv" turns up in about one token in a thousand), which the rules refuse; drawing again is
/// the fix, and the draws stay uniformly random over the accepted passwords.
pub fn generate_password(context: &[&str]) -> String {
    first_acceptable(std::iter::repeat_with(random_token), context)
}

fn first_acceptable(candidates: impl Iterator<Item = String>, context: &[&str]) -> String {
    let mut last = String::new();
    // Bounded so a context that refuses everything cannot spin; 64 draws that each fail with
    // probability ~1e-3 do not happen, and the caller's parse reports the (then impossible) case.
    for candidate in candidates.take(64) {
        if domain::password::Password::parse(&candidate, context).is_ok() {
            return candidate;
        }
        last = candidate;
    }
    last
}

/// Hash a password with argon2id (default parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String> {
    hash_password_with(password, &Params::default())
}

/// Hash a password with argon2id and the given parameters (see [`crate::PasswordCost`]).
pub(crate) fn hash_password_with(password: &str, params: &Params) -> Result<String> {
    let fail =
        |e: &dyn std::fmt::Display| StoreError::Config(format!("password hashing failed: {e}"));
    let salt = SaltString::generate(&mut OsRng);
    let mut raw = [0u8; 32];
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| fail(&e))?;
    with_blocks(params.block_count(), |blocks| {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(password.as_bytes(), salt_raw, &mut raw, blocks)
    })
    .map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: params.try_into().map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&raw).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Run argon2 with this thread's reusable block memory (19 MiB at default settings), so hashing
/// never allocates: password work runs on a few long-lived threads (see
/// `Store::password_work`), and memory stays at one block buffer per thread.
fn with_blocks<T>(count: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    thread_local! {
        static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BLOCKS.with(|cell| {
        let mut blocks = cell.borrow_mut();
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        f(&mut blocks[..count])
    })
}

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Some(expected), Some(salt)) =
        (Params::try_from(&parsed), parsed.hash, parsed.salt)
    else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let computed = with_blocks(params.block_count(), |blocks| {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(password.as_bytes(), salt_raw, &mut out, blocks)
    });
    // Output's equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// Why a login name is refused, if it is: 1–64 ASCII letters, digits and `. _ -`.
pub(crate) type UserRow = (String, String, String, String, String, String, String, i64);

pub(crate) fn actor_from(row: UserRow) -> Option<(Actor, String, i64)> {
    let (id, login, display_name, center_id, role, munis, hash, disabled) = row;
    let role = Role::parse(&role)?;
    Some((
        Actor {
            user_id: id,
            login,
            display_name,
            center_id,
            role,
            municipalities: munis
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        },
        hash,
        disabled,
    ))
}

pub(crate) const USER_COLS: &str =
    "u.id, u.login, u.display_name, u.center_id, u.role, u.municipality_codes, u.password_hash, u.disabled";

impl Store {
    /// Create a center (parsed by [`domain::center::NewCenterInput::parse`]). Fails with a
    /// validation error when the code is taken.
    pub async fn add_center(
        &self,
        draft: &domain::center::NewCenterDraft,
        now: DateTime<Utc>,
    ) -> Result<Center> {
        let code = draft.code.as_str();
        let name = draft.name.clone();
        let juris = &draft.jurisdiction;
        let id = new_id();
        let mut w = self.begin_write().await?;
        let exists: Option<String> =
            crate::db::query_scalar("SELECT id FROM centers WHERE code = $1")
                .bind(code)
                .fetch_optional(&mut w.tx)
                .await?;
        if exists.is_some() {
            return Err(messages::accounts::center_code_taken().into());
        }
        crate::db::query("INSERT INTO centers (id, code, name, jurisdiction_code, created_at) VALUES ($1,$2,$3,$4,$5)")
            .bind(&id)
            .bind(code)
            .bind(&name)
            .bind(juris.as_str())
            .bind(ts(now))
            .execute(&mut w.tx)
            .await?;
        append(
            &mut w.tx,
            None,
            now,
            AuditEntry {
                action: "center.create",
                entity: "center",
                entity_id: Some(&id),
                detail: code.to_string(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(Center {
            id,
            code: code.to_string(),
            name,
            jurisdiction_code: juris.as_str().to_string(),
        })
    }

    /// Find a center by slug.
    pub async fn center_by_code(&self, code: &str) -> Result<Option<Center>> {
        let row: Option<(String, String, String, String)> = crate::db::query_as(
            "SELECT id, code, name, jurisdiction_code FROM centers WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(id, code, name, jurisdiction_code)| Center {
            id,
            code,
            name,
            jurisdiction_code,
        }))
    }

    /// Find a center by id.
    pub async fn center(&self, id: &str) -> Result<Option<Center>> {
        let row: Option<(String, String, String, String)> = crate::db::query_as(
            "SELECT id, code, name, jurisdiction_code FROM centers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(id, code, name, jurisdiction_code)| Center {
            id,
            code,
            name,
            jurisdiction_code,
        }))
    }

    /// Number of centers (the demo loader only fills an empty database).
    pub async fn center_count(&self) -> Result<i64> {
        Ok(crate::db::query_scalar("SELECT COUNT(*) FROM centers")
            .fetch_one(self.pool())
            .await?)
    }

    /// Create a user in a center (parsed by [`domain::account::NewUser::parse`]). The password
    /// is hashed with argon2id.
    pub async fn add_user(
        &self,
        u: &domain::account::NewUserDraft,
        now: DateTime<Utc>,
    ) -> Result<Actor> {
        let munis: Vec<String> = u
            .municipalities
            .iter()
            .map(|m| m.as_str().to_string())
            .collect();
        let professions: Vec<&str> = u.professions.iter().map(|p| p.as_str()).collect();
        let center = self
            .center_by_code(&u.center_code)
            .await?
            .ok_or_else(|| StoreError::from(messages::accounts::unknown_center()))?;
        let hash = self
            .hash_new_password(u.password.expose().to_string())
            .await?;
        let id = new_id();
        let display = u.display_name.clone();
        let mut w = self.begin_write().await?;
        let taken: Option<String> =
            crate::db::query_scalar("SELECT id FROM users WHERE login = $1")
                .bind(&u.login)
                .fetch_optional(&mut w.tx)
                .await?;
        if taken.is_some() {
            return Err(messages::accounts::login_taken().into());
        }
        crate::db::query(
            "INSERT INTO users (id, center_id, login, display_name, role, professions, municipality_codes, password_hash, disabled, failed_logins, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,0,0,$9)",
        )
        .bind(&id)
        .bind(&center.id)
        .bind(&u.login)
        .bind(&display)
        .bind(u.role.code())
        .bind(professions.join(","))
        .bind(munis.join(","))
        .bind(&hash)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        let actor = Actor {
            user_id: id.clone(),
            login: u.login.clone(),
            display_name: display,
            center_id: center.id.clone(),
            role: u.role,
            municipalities: munis,
        };
        append(
            &mut w.tx,
            None,
            now,
            AuditEntry {
                action: "user.create",
                entity: "user",
                entity_id: Some(&id),
                detail: format!("{} role={}", u.login, u.role.code()),
            },
        )
        .await?;
        w.commit().await?;
        Ok(actor)
    }

    /// Users of a center (for staff pickers), ordered by display name.
    pub async fn center_users(&self, center_id: &str) -> Result<Vec<(String, String, Role)>> {
        let rows: Vec<(String, String, String)> = crate::db::query_as(
            "SELECT id, display_name, role FROM users WHERE center_id = $1 AND disabled = 0 ORDER BY display_name, id",
        )
        .bind(center_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, name, role)| Role::parse(&role).map(|r| (id, name, r)))
            .collect())
    }

    /// Resolve a session cookie. Enforces idle and absolute timeouts and refreshes last-seen.
    pub async fn session(&self, raw: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let row: Option<SessionRow> = crate::db::query_as(&format!(
            "SELECT s.csrf_token, s.created_at, s.last_seen_at, s.ended_at, {USER_COLS}, \
             {context_cols}, \
             (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) AS unread \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN centers c ON c.id = u.center_id \
             WHERE s.id_hash = $1",
            context_cols = crate::centers::USER_CONTEXT_COLS,
        ))
        .bind(secret_hash(raw))
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        if r.ended_at.is_some() || r.disabled != 0 {
            return Ok(None);
        }
        let (Some(created), Some(seen)) = (
            crate::parse_ts(&r.created_at),
            crate::parse_ts(&r.last_seen_at),
        ) else {
            return Ok(None);
        };
        if now - created > SESSION_ABSOLUTE || now - seen > SESSION_IDLE {
            return Ok(None);
        }
        // Only touch last_seen once a minute: keeps page views from becoming writes.
        // Through the writer lock like every write: on SQLite a write from outside it could
        // commit between another writer's read and write, which then fails with SQLITE_BUSY
        // (seen in the benchmark's write scenario before this).
        if now - seen > Duration::minutes(1) {
            let mut w = self.begin_write().await?;
            crate::db::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(ts(now))
                .bind(secret_hash(raw))
                .execute(&mut w.tx)
                .await?;
            w.commit().await?;
        }
        let context = crate::centers::UserContext::from_columns(
            r.center_name,
            r.runs_dispatch,
            r.runs_payments,
            r.must_change_password,
        );
        let Some((actor, _, _)) = actor_from((
            r.id,
            r.login,
            r.display_name,
            r.center_id,
            r.role,
            r.municipality_codes,
            r.password_hash,
            r.disabled,
        )) else {
            return Ok(None);
        };
        // Scope as of this request: a coordinator's expired dispatch access ends here.
        self.lapse_dispatch_access(&actor, now).await?;
        Ok(Some(Session {
            info: SessionInfo {
                actor,
                csrf_token: r.csrf_token,
            },
            context,
            unread: r.unread,
        }))
    }

    /// End a session server-side (logout).
    pub async fn logout(&self, raw: &str, actor: &Actor, now: DateTime<Utc>) -> Result<()> {
        let mut w = self.begin_write().await?;
        crate::db::query(
            "UPDATE sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL",
        )
        .bind(ts(now))
        .bind(secret_hash(raw))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "logout",
                entity: "user",
                entity_id: Some(&actor.user_id),
                detail: String::new(),
            },
        )
        .await?;
        w.commit().await
    }

    /// The actor behind an active login, for command-line tools that act as a person (so
    /// their reads are authorized and audited like the person's own).
    pub async fn actor_by_login(&self, login: &str) -> Result<Option<Actor>> {
        let row: Option<UserRow> = crate::db::query_as(&format!(
            "SELECT {USER_COLS} FROM users u WHERE u.login = $1 AND u.disabled = 0"
        ))
        .bind(login)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(actor_from).map(|(actor, _, _)| actor))
    }

    /// Issue an API bearer token for a login; returns the raw token (shown once).
    pub async fn create_token(
        &self,
        login: &str,
        expires_days: i64,
        now: DateTime<Utc>,
    ) -> Result<String> {
        if !(1..=3650).contains(&expires_days) {
            return Err(messages::accounts::expiry_out_of_range().into());
        }
        let row: Option<UserRow> = crate::db::query_as(&format!(
            "SELECT {USER_COLS} FROM users u WHERE u.login = $1 AND u.disabled = 0"
        ))
        .bind(login)
        .fetch_optional(self.pool())
        .await?;
        let Some((actor, _, _)) = row.and_then(actor_from) else {
            return Err(messages::accounts::unknown_login().into());
        };
        let raw = format!("tsu_{}", random_token());
        let mut w = self.begin_write().await?;
        crate::db::query(
            "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1,$2,$3,$4)",
        )
        .bind(secret_hash(&raw))
        .bind(&actor.user_id)
        .bind(ts(now))
        .bind(ts(now + Duration::days(expires_days)))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(&actor),
            now,
            AuditEntry {
                action: "token.create",
                entity: "user",
                entity_id: Some(&actor.user_id),
                detail: format!("expires_days={expires_days}"),
            },
        )
        .await?;
        w.commit().await?;
        Ok(raw)
    }

    /// Resolve an API token to its user and the user's center context, in one query. `None`
    /// for an unknown, expired or disabled token.
    pub async fn token_actor(
        &self,
        raw: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Actor, crate::centers::UserContext)>> {
        let row: Option<(String, String, String, String, String, String, String, String, i64, String, i64, i64, i64)> =
            crate::db::query_as(&format!(
                "SELECT t.expires_at, {USER_COLS}, {context_cols} \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN centers c ON c.id = u.center_id \
                 WHERE t.token_hash = $1",
                context_cols = crate::centers::USER_CONTEXT_COLS,
            ))
            .bind(secret_hash(raw))
            .fetch_optional(self.pool())
            .await?;
        let Some((
            exp,
            id,
            login,
            dn,
            center,
            role,
            munis,
            hash,
            disabled,
            name,
            dispatch,
            payments,
            must_change,
        )) = row
        else {
            return Ok(None);
        };
        if disabled != 0 || crate::parse_ts(&exp).is_none_or(|e| e <= now) {
            return Ok(None);
        }
        let Some((actor, _, _)) = actor_from((id, login, dn, center, role, munis, hash, disabled))
        else {
            return Ok(None);
        };
        let context =
            crate::centers::UserContext::from_columns(name, dispatch, payments, must_change);
        // Scope as of this request: a coordinator's expired dispatch access ends here.
        self.lapse_dispatch_access(&actor, now).await?;
        Ok(Some((actor, context)))
    }
}

/// An argon2id hash of a random string, verified against when the login does not exist.
pub(crate) const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3G3H0nQW0Yk2oE4cY0s2Zq0v6vYl4b0Hh6m9b7xg1yA";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn password_hashes_interoperate_with_the_standard_argon2id_format() {
        let ours = hash_password("correct horse battery staple").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse battery staple", &parsed)
            .is_ok());
        let theirs = Argon2::default()
            .hash_password(
                b"another long passphrase",
                &SaltString::generate(&mut OsRng),
            )
            .unwrap()
            .to_string();
        assert!(verify_password("another long passphrase", &theirs));
        assert!(!verify_password("another long passphrasE", &theirs));
        assert!(!verify_password("correct horse battery staple", DUMMY_HASH));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn generated_passwords_skip_draws_that_contain_the_login() {
        // The CI failure this guards: the token drawn for login "adv" happened to contain "aDv".
        let draws = ["Xq7aDv_91kLmNpQrStUvWx", "Zr4_kLmNpQrStUvWxYz012"].map(String::from);
        assert_eq!(
            first_acceptable(draws.into_iter(), &["adv", "adv"]),
            "Zr4_kLmNpQrStUvWxYz012"
        );
        for _ in 0..200 {
            let p = generate_password(&["adv", "kochi"]);
            assert!(domain::password::Password::parse(&p, &["adv", "kochi"]).is_ok());
        }
    }
}
