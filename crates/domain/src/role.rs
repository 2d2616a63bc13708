//! User roles (権限).

use crate::Lang;
use serde::{Deserialize, Serialize};

/// A user's role. Serialized in snake_case (`"admin"`, `"advisor"`, …).
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 管理者 — system administrator of a center.
    Admin,
    /// トータルアドバイザー — senior advisor of the center.
    Advisor,
    /// 相談員 — consultant who records consultations.
    Consultant,
    /// コーディネーター — 医療的ケア児等コーディネーター.
    Coordinator,
    /// 市町村担当 — municipal officer (sees children of their municipality).
    Municipal,
    /// 閲覧者 — read-only.
    Viewer,
    /// 監査担当 — auditor (reads the audit log).
    Auditor,
}

impl Role {
    /// All roles.
    pub fn all() -> [Role; 7] {
        [
            Role::Admin,
            Role::Advisor,
            Role::Consultant,
            Role::Coordinator,
            Role::Municipal,
            Role::Viewer,
            Role::Auditor,
        ]
    }

    /// Parses [`Role::code`] (trimmed, case-insensitive).
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim();
        Role::all()
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(s))
    }

    /// Code: `admin`, `advisor`, `consultant`, `coordinator`, `municipal`, `viewer`, `auditor`.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Advisor => "advisor",
            Role::Consultant => "consultant",
            Role::Coordinator => "coordinator",
            Role::Municipal => "municipal",
            Role::Viewer => "viewer",
            Role::Auditor => "auditor",
        }
    }

    /// Label: 管理者, トータルアドバイザー, 相談員, コーディネーター, 市町村担当, 閲覧者, 監査担当.
    pub fn label(self, lang: Lang) -> &'static str {
        let (ja, en) = match self {
            Role::Admin => ("管理者", "Administrator"),
            Role::Advisor => ("トータルアドバイザー", "Total advisor"),
            Role::Consultant => ("相談員", "Consultant"),
            Role::Coordinator => ("コーディネーター", "Coordinator"),
            Role::Municipal => ("市町村担当", "Municipal officer"),
            Role::Viewer => ("閲覧者", "Viewer"),
            Role::Auditor => ("監査担当", "Auditor"),
        };
        lang.pick(ja, en)
    }
}

impl Role {
    /// The label as a center shows it. トータルアドバイザー is the Kochi model's word for the
    /// person who picks and dispatches coordinators; a center that does not dispatch
    /// coordinators calls its lead センター責任者 instead.
    pub fn label_at(self, lang: Lang, runs_dispatch: bool) -> &'static str {
        if self == Role::Advisor && !runs_dispatch {
            return lang.pick("センター責任者", "Center lead");
        }
        self.label(lang)
    }

    /// May a center's admin give this role to a user of their center?
    ///
    /// - `auditor` never: auditors read the log of what admins did (separation of duties), so
    ///   an admin who could make an auditor — and saw its temporary password — would audit
    ///   themselves. Auditor accounts are created by the operator (`tsunagu user add`).
    /// - `coordinator` only in a center that dispatches coordinators: a coordinator's scope is
    ///   the children dispatched to them, so elsewhere the account would see nothing.
    pub fn grantable_by_admin(self, runs_dispatch: bool) -> Result<(), crate::FieldError> {
        match self {
            Role::Auditor => Err(crate::FieldError::new(
                "role",
                "role_not_grantable",
                "監査担当の権限は管理者には付与できません（運用担当者がコマンドで登録します）",
                "Administrators cannot grant the auditor role (the operator creates auditors)",
            )),
            Role::Coordinator if !runs_dispatch => Err(crate::FieldError::new(
                "role",
                "role_not_in_center",
                "このセンターはコーディネーター派遣を行っていないため、コーディネーターの権限は使えません",
                "This center does not dispatch coordinators, so the coordinator role is not available",
            )),
            _ => Ok(()),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_serde() {
        for r in Role::all() {
            assert_eq!(Role::parse(r.code()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.code()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), r);
        }
        assert_eq!(Role::parse("ADMIN"), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::Advisor.label(Lang::Ja), "トータルアドバイザー");
        assert_eq!(
            Role::Advisor.label_at(Lang::Ja, true),
            "トータルアドバイザー"
        );
        assert_eq!(Role::Advisor.label_at(Lang::Ja, false), "センター責任者");
        assert_eq!(Role::Consultant.label_at(Lang::Ja, false), "相談員");
    }

    #[test]
    fn admins_grant_only_the_roles_their_center_uses() {
        assert!(Role::Auditor.grantable_by_admin(true).is_err());
        assert!(Role::Coordinator.grantable_by_admin(false).is_err());
        assert!(Role::Coordinator.grantable_by_admin(true).is_ok());
        for r in [
            Role::Admin,
            Role::Advisor,
            Role::Consultant,
            Role::Municipal,
            Role::Viewer,
        ] {
            assert!(r.grantable_by_admin(false).is_ok());
        }
    }
}
