//! Account administration for a center's admin (利用者管理): disable and enable users, end their
//! sessions, lift a soft lock, reset two-factor login, choose which roles must use it.
//! Every action is limited to the admin's own center and audited in the same transaction.

pub mod login;
pub mod users;

use chrono::{DateTime, Utc};
use domain::account::{NewAccountDraft, RoleChangeDraft};
use domain::{messages, Role};

use crate::audit::{append, AuditEntry};
use crate::login::end_sessions_tx;
use crate::users::generate_password;
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// One user as the admin page lists them.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
pub struct UserSummary {
    /// users.id
    pub id: String,
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Disabled (利用停止).
    pub disabled: bool,
    /// Two-factor enrolled since (UTC), if enrolled.
    pub mfa_enabled_at: Option<String>,
    /// Soft-locked until (UTC), if locked now.
    pub locked_until: Option<String>,
    /// Consecutive failed attempts.
    pub failed_logins: i64,
    /// Open sessions (not ended; timeouts are checked on use).
    pub open_sessions: i64,
    /// Holds a temporary password set by an admin (must change it at next login).
    pub must_change_password: bool,
}

/// A user just created, or whose password was just reset, with the temporary password. The
/// password is shown once (page or API answer) and never stored in clear.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
pub struct TemporaryPassword {
    /// The user.
    pub user: UserSummary,
    /// Temporary password; the user must change it at their next login.
    pub temporary_password: String,
}

/// An admin action on a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    /// 利用停止: ends every session at once and expires API tokens.
    Disable,
    /// 利用再開.
    Enable,
    /// 全セッション終了.
    EndSessions,
    /// ロック解除.
    Unlock,
    /// 二要素認証のリセット: the user enrols again at next login (if required).
    ResetMfa,
}

impl AccountAction {
    /// Parse the snake_case code used in URLs and the API.
    pub fn parse(s: &str) -> Option<AccountAction> {
        Some(match s {
            "disable" => AccountAction::Disable,
            "enable" => AccountAction::Enable,
            "end_sessions" | "end-sessions" => AccountAction::EndSessions,
            "unlock" => AccountAction::Unlock,
            "reset_mfa" | "reset-mfa" => AccountAction::ResetMfa,
            _ => return None,
        })
    }

    fn audit_action(self) -> &'static str {
        match self {
            AccountAction::Disable => "user.disable",
            AccountAction::Enable => "user.enable",
            AccountAction::EndSessions => "user.end_sessions",
            AccountAction::Unlock => "user.unlock",
            AccountAction::ResetMfa => "user.reset_mfa",
        }
    }
}

type SummaryRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    i64,
    i64,
    i64,
);

const SUMMARY_COLS: &str = "u.id, u.login, u.display_name, u.role, u.disabled, u.totp_enabled_at, u.locked_until, u.failed_logins, \
     (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.ended_at IS NULL), u.must_change_password";

fn summary(row: SummaryRow, now: DateTime<Utc>) -> Option<UserSummary> {
    let (id, login, display_name, role, disabled, mfa, locked, failed, sessions, must) = row;
    let now_ts = ts(now);
    Some(UserSummary {
        id,
        login,
        display_name,
        role: Role::parse(&role)?,
        disabled: disabled != 0,
        mfa_enabled_at: mfa,
        // RFC 3339 UTC strings of one format compare in time order.
        locked_until: locked.filter(|l| *l > now_ts),
        failed_logins: failed,
        open_sessions: sessions,
        must_change_password: must != 0,
    })
}

/// Does the actor's center dispatch coordinators? (Read in the caller's transaction.)
async fn runs_dispatch(tx: &mut crate::db::Conn, center_id: &str) -> Result<bool> {
    let d: Option<i64> = crate::db::query_scalar("SELECT runs_dispatch FROM centers WHERE id = $1")
        .bind(center_id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(d.unwrap_or(0) != 0)
}

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.may(domain::Action::Administer) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

impl Store {
    /// Users of the admin's center with their security state.
    pub async fn list_accounts(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<UserSummary>> {
        require_admin(actor)?;
        let rows: Vec<SummaryRow> = crate::db::query_as(&format!(
            "SELECT {SUMMARY_COLS} FROM users u WHERE u.center_id = $1 ORDER BY u.disabled, u.role, u.login"
        ))
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().filter_map(|r| summary(r, now)).collect())
    }

    /// Apply an admin action to a user of the admin's own center. Another center's user, or an
    /// unknown id, is "not found". An admin cannot disable themselves (the center would be
    /// left without a way back in).
    pub async fn account_action(
        &self,
        actor: &Actor,
        user_id: &str,
        action: AccountAction,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require_admin(actor)?;
        if action == AccountAction::Disable && user_id == actor.user_id {
            return Err(messages::accounts::cannot_disable_self().into());
        }
        let mut w = self.begin_write().await?;
        let target: Option<String> =
            crate::db::query_scalar("SELECT login FROM users WHERE id = $1 AND center_id = $2")
                .bind(user_id)
                .bind(&actor.center_id)
                .fetch_optional(&mut w.tx)
                .await?;
        let Some(login) = target else {
            return Err(StoreError::NotFound);
        };
        let mut detail = format!("login={login}");
        match action {
            AccountAction::Disable => {
                crate::db::query("UPDATE users SET disabled = 1 WHERE id = $1")
                    .bind(user_id)
                    .execute(&mut w.tx)
                    .await?;
                let n = end_sessions_tx(&mut w.tx, user_id, now).await?;
                crate::db::query(
                    "UPDATE api_tokens SET expires_at = $1 WHERE user_id = $2 AND expires_at > $1",
                )
                .bind(ts(now))
                .bind(user_id)
                .execute(&mut w.tx)
                .await?;
                detail.push_str(&format!(" sessions_ended={n}"));
            }
            AccountAction::Enable => {
                crate::db::query("UPDATE users SET disabled = 0, failed_logins = 0, locked_until = NULL WHERE id = $1")
                    .bind(user_id)
                    .execute(&mut w.tx)
                    .await?;
            }
            AccountAction::EndSessions => {
                let n = end_sessions_tx(&mut w.tx, user_id, now).await?;
                detail.push_str(&format!(" sessions_ended={n}"));
            }
            AccountAction::Unlock => {
                crate::db::query(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
                )
                .bind(user_id)
                .execute(&mut w.tx)
                .await?;
            }
            AccountAction::ResetMfa => {
                crate::db::query(
                    "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1",
                )
                .bind(user_id)
                .execute(&mut w.tx)
                .await?;
                crate::db::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut w.tx)
                    .await?;
                // Whoever held the old second factor must not stay logged in with it.
                let n = end_sessions_tx(&mut w.tx, user_id, now).await?;
                detail.push_str(&format!(" sessions_ended={n}"));
            }
        }
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: action.audit_action(),
                entity: "user",
                entity_id: Some(user_id),
                detail,
            },
        )
        .await?;
        w.commit().await
    }

    /// Roles that must use two-factor login in the actor's center.
    pub async fn center_mfa_roles(&self, center_id: &str) -> Result<Vec<Role>> {
        let roles: Option<String> =
            crate::db::query_scalar("SELECT mfa_roles FROM centers WHERE id = $1")
                .bind(center_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(roles
            .unwrap_or_default()
            .split(',')
            .filter_map(Role::parse)
            .collect())
    }

    /// Set which roles must use two-factor login (admin only). Admin always stays in the set:
    /// the accounts that can change security settings are the last to weaken.
    pub async fn set_center_mfa_roles(
        &self,
        actor: &Actor,
        roles: &[Role],
        now: DateTime<Utc>,
    ) -> Result<Vec<Role>> {
        require_admin(actor)?;
        let mut set: Vec<Role> = Role::all()
            .into_iter()
            .filter(|r| *r == Role::Admin || roles.contains(r))
            .collect();
        set.dedup();
        let codes: Vec<&str> = set.iter().map(|r| r.code()).collect();
        let mut w = self.begin_write().await?;
        crate::db::query("UPDATE centers SET mfa_roles = $1 WHERE id = $2")
            .bind(codes.join(","))
            .bind(&actor.center_id)
            .execute(&mut w.tx)
            .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "center.mfa_roles",
                entity: "center",
                entity_id: Some(&actor.center_id),
                detail: codes.join(","),
            },
        )
        .await?;
        w.commit().await?;
        Ok(set)
    }
}

impl Store {
    /// Refuses as [`Store::create_account`] would before it looks at the form (Forbidden
    /// unless an admin): asked by a handler whose form failed.
    pub async fn check_accounts_admin(&self, actor: &Actor) -> Result<()> {
        require_admin(actor)
    }

    /// Refuses as [`Store::set_role`] would before it looks at the form: Forbidden unless an
    /// admin, NotFound for a user not of the admin's center.
    pub async fn check_user_editable(&self, actor: &Actor, user_id: &str) -> Result<()> {
        require_admin(actor)?;
        let found: Option<String> =
            crate::db::query_scalar("SELECT id FROM users WHERE id = $1 AND center_id = $2")
                .bind(user_id)
                .bind(&actor.center_id)
                .fetch_optional(self.pool())
                .await?;
        found.map(|_| ()).ok_or(StoreError::NotFound)
    }

    /// Create a user in the admin's center (parsed by [`domain::account::NewAccount::parse`])
    /// with a temporary password (returned once, to be shown to the admin) that must be
    /// changed at first login. The duplicate-login and role-for-this-center checks run inside
    /// the write transaction, which also holds the audit row.
    pub async fn create_account(
        &self,
        actor: &Actor,
        f: &NewAccountDraft,
        now: DateTime<Utc>,
    ) -> Result<TemporaryPassword> {
        require_admin(actor)?;
        let (login, display, role) = (&f.login, &f.display_name, f.role);
        let munis: Vec<&str> = f.municipalities.iter().map(|m| m.as_str()).collect();
        let password = generate_password(&[login, display]);
        let hash = self.hash_new_password(password.clone()).await?;
        let id = new_id();
        let mut w = self.begin_write().await?;
        role.grantable_by_admin(runs_dispatch(&mut w.tx, &actor.center_id).await?)?;
        let taken: Option<String> =
            crate::db::query_scalar("SELECT id FROM users WHERE login = $1")
                .bind(login)
                .fetch_optional(&mut w.tx)
                .await?;
        if taken.is_some() {
            return Err(messages::accounts::login_taken().into());
        }
        crate::db::query(
            "INSERT INTO users (id, center_id, login, display_name, role, professions, municipality_codes, password_hash, disabled, failed_logins, created_at, must_change_password) \
             VALUES ($1,$2,$3,$4,$5,'',$6,$7,0,0,$8,1)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(login)
        .bind(display)
        .bind(role.code())
        .bind(munis.join(","))
        .bind(&hash)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "user.create",
                entity: "user",
                entity_id: Some(&id),
                detail: format!("{login} role={}", role.code()),
            },
        )
        .await?;
        let user = self.summary_tx(&mut w.tx, &id, now).await?;
        w.commit().await?;
        Ok(TemporaryPassword {
            user,
            temporary_password: password,
        })
    }

    /// Change the role of a user of the admin's center. Nobody changes their own role (an
    /// admin cannot lock the center out, nor raise or lower themselves); an auditor's role is
    /// not the admin's to change (separation of duties); the new role must be one the admin
    /// may grant in this center. The user's sessions end, so the new role's rules (two-factor
    /// login) apply from their next login.
    pub async fn set_role(
        &self,
        actor: &Actor,
        user_id: &str,
        change: &RoleChangeDraft,
        now: DateTime<Utc>,
    ) -> Result<UserSummary> {
        require_admin(actor)?;
        let role = change.role;
        if user_id == actor.user_id {
            return Err(messages::accounts::cannot_change_own_role().into());
        }
        let munis: Vec<&str> = change.municipalities.iter().map(|m| m.as_str()).collect();
        let mut w = self.begin_write().await?;
        let target: Option<(String, String, String)> = crate::db::query_as(
            "SELECT login, role, municipality_codes FROM users WHERE id = $1 AND center_id = $2",
        )
        .bind(user_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut w.tx)
        .await?;
        let Some((login, old_role, old_munis)) = target else {
            return Err(StoreError::NotFound);
        };
        if Role::parse(&old_role) == Some(Role::Auditor) {
            return Err(auditor_untouchable());
        }
        role.grantable_by_admin(runs_dispatch(&mut w.tx, &actor.center_id).await?)?;
        let munis = if role != Role::Municipal {
            String::new()
        } else if !munis.is_empty() {
            munis.join(",")
        } else if !old_munis.is_empty() {
            old_munis
        } else {
            return Err(messages::accounts::municipalities_required().into());
        };
        crate::db::query("UPDATE users SET role = $1, municipality_codes = $2 WHERE id = $3")
            .bind(role.code())
            .bind(&munis)
            .bind(user_id)
            .execute(&mut w.tx)
            .await?;
        let n = end_sessions_tx(&mut w.tx, user_id, now).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "user.role",
                entity: "user",
                entity_id: Some(user_id),
                detail: format!(
                    "login={login} role={old_role}->{} sessions_ended={n}",
                    role.code()
                ),
            },
        )
        .await?;
        let user = self.summary_tx(&mut w.tx, user_id, now).await?;
        w.commit().await?;
        Ok(user)
    }

    /// Give a user of the admin's center a new temporary password (shown once) that must be
    /// changed at next login. Their sessions end and a soft lock is lifted. An admin cannot
    /// reset their own password this way (they change it on their account page, knowing the
    /// current one) nor an auditor's (the admin would then hold the auditor's login).
    pub async fn reset_password(
        &self,
        actor: &Actor,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<TemporaryPassword> {
        require_admin(actor)?;
        if user_id == actor.user_id {
            return Err(messages::accounts::reset_own_password_elsewhere().into());
        }
        let target: Option<(String, String, String)> = crate::db::query_as(
            "SELECT login, display_name, role FROM users WHERE id = $1 AND center_id = $2",
        )
        .bind(user_id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?;
        let Some((login, display, role)) = target else {
            return Err(StoreError::NotFound);
        };
        if Role::parse(&role) == Some(Role::Auditor) {
            return Err(auditor_untouchable());
        }
        let password = generate_password(&[&login, &display]);
        let hash = self.hash_new_password(password.clone()).await?;
        let mut w = self.begin_write().await?;
        // The role is read again inside the transaction: it may have changed since.
        let still: Option<String> =
            crate::db::query_scalar("SELECT role FROM users WHERE id = $1 AND center_id = $2")
                .bind(user_id)
                .bind(&actor.center_id)
                .fetch_optional(&mut w.tx)
                .await?;
        match still.as_deref().map(Role::parse) {
            None => return Err(StoreError::NotFound),
            Some(Some(Role::Auditor)) => return Err(auditor_untouchable()),
            Some(_) => {}
        }
        crate::db::query(
            "UPDATE users SET password_hash = $1, must_change_password = 1, failed_logins = 0, locked_until = NULL WHERE id = $2",
        )
        .bind(&hash)
        .bind(user_id)
        .execute(&mut w.tx)
        .await?;
        let n = end_sessions_tx(&mut w.tx, user_id, now).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "user.reset_password",
                entity: "user",
                entity_id: Some(user_id),
                detail: format!("login={login} sessions_ended={n}"),
            },
        )
        .await?;
        let user = self.summary_tx(&mut w.tx, user_id, now).await?;
        w.commit().await?;
        Ok(TemporaryPassword {
            user,
            temporary_password: password,
        })
    }

    async fn summary_tx(
        &self,
        tx: &mut crate::db::Conn,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<UserSummary> {
        let row: Option<SummaryRow> = crate::db::query_as(&format!(
            "SELECT {SUMMARY_COLS} FROM users u WHERE u.id = $1"
        ))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        row.and_then(|r| summary(r, now))
            .ok_or(StoreError::NotFound)
    }
}

fn auditor_untouchable() -> StoreError {
    messages::accounts::auditor_untouchable().into()
}
