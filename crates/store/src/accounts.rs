//! Account administration for a center's admin (利用者管理): disable and enable users, end their
//! sessions, lift a soft lock, reset two-factor login, choose which roles must use it.
//! Every action is limited to the admin's own center and audited in the same transaction.

use chrono::{DateTime, Utc};
use domain::{FieldError, Role};

use crate::audit::{append, AuditEntry};
use crate::login::end_sessions_tx;
use crate::{ts, Actor, Result, Store, StoreError};

/// One user as the admin page lists them.
#[derive(Clone, Debug, serde::Serialize)]
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

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.role == Role::Admin {
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
        let rows: Vec<(String, String, String, String, i64, Option<String>, Option<String>, i64, i64)> =
            sqlx::query_as(
                "SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.totp_enabled_at, u.locked_until, u.failed_logins, \
                 (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.ended_at IS NULL) \
                 FROM users u WHERE u.center_id = $1 ORDER BY u.disabled, u.role, u.login",
            )
            .bind(&actor.center_id)
            .fetch_all(self.pool())
            .await?;
        let now_ts = ts(now);
        Ok(rows
            .into_iter()
            .filter_map(
                |(id, login, display_name, role, disabled, mfa, locked, failed, sessions)| {
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
                    })
                },
            )
            .collect())
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
            return Err(FieldError::new(
                "user",
                "self_disable",
                "自分自身を利用停止にはできません",
                "You cannot disable your own account",
            )
            .into());
        }
        let mut w = self.begin_write().await?;
        let target: Option<String> =
            sqlx::query_scalar("SELECT login FROM users WHERE id = $1 AND center_id = $2")
                .bind(user_id)
                .bind(&actor.center_id)
                .fetch_optional(&mut *w.tx)
                .await?;
        let Some(login) = target else {
            return Err(StoreError::NotFound);
        };
        let mut detail = format!("login={login}");
        match action {
            AccountAction::Disable => {
                sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
                    .bind(user_id)
                    .execute(&mut *w.tx)
                    .await?;
                let n = end_sessions_tx(&mut w.tx, user_id, now).await?;
                sqlx::query(
                    "UPDATE api_tokens SET expires_at = $1 WHERE user_id = $2 AND expires_at > $1",
                )
                .bind(ts(now))
                .bind(user_id)
                .execute(&mut *w.tx)
                .await?;
                detail.push_str(&format!(" sessions_ended={n}"));
            }
            AccountAction::Enable => {
                sqlx::query("UPDATE users SET disabled = 0, failed_logins = 0, locked_until = NULL WHERE id = $1")
                    .bind(user_id)
                    .execute(&mut *w.tx)
                    .await?;
            }
            AccountAction::EndSessions => {
                let n = end_sessions_tx(&mut w.tx, user_id, now).await?;
                detail.push_str(&format!(" sessions_ended={n}"));
            }
            AccountAction::Unlock => {
                sqlx::query(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
                )
                .bind(user_id)
                .execute(&mut *w.tx)
                .await?;
            }
            AccountAction::ResetMfa => {
                sqlx::query(
                    "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1",
                )
                .bind(user_id)
                .execute(&mut *w.tx)
                .await?;
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *w.tx)
                    .await?;
                // Whoever held the old second factor must not stay logged in with it.
                let n = end_sessions_tx(&mut w.tx, user_id, now).await?;
                detail.push_str(&format!(" sessions_ended={n}"));
            }
        }
        append(
            &mut w.tx,
            self.backend(),
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
            sqlx::query_scalar("SELECT mfa_roles FROM centers WHERE id = $1")
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
        sqlx::query("UPDATE centers SET mfa_roles = $1 WHERE id = $2")
            .bind(codes.join(","))
            .bind(&actor.center_id)
            .execute(&mut *w.tx)
            .await?;
        append(
            &mut w.tx,
            self.backend(),
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
