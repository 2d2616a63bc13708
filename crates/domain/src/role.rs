//! User roles (権限).

use crate::Lang;
use serde::{Deserialize, Serialize};

/// A user's role. Serialized in snake_case (`"admin"`, `"advisor"`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    }
}
