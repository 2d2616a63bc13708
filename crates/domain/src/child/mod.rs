//! Attributes of a child's record: sex (性別), status (支援の状況) and care setting (療養の場).

use crate::Lang;
use serde::{Deserialize, Serialize};

pub mod form;
pub use form::{CareItemDraft, ChildDraft, ChildForm, Guardian, GuardianForm};

macro_rules! code_enum_impl {
    ($ty:ident, $n:literal, [$($v:ident => $code:literal, $ja:literal, $en:literal;)*]) => {
        impl $ty {
            /// All values, in display order.
            pub fn all() -> [$ty; $n] {
                [$($ty::$v),*]
            }

            /// Parses the snake_case code (trimmed, case-insensitive).
            pub fn parse(s: &str) -> Option<$ty> {
                let s = s.trim();
                $ty::all().into_iter().find(|v| v.code().eq_ignore_ascii_case(s))
            }

            /// Stable snake_case code (same as the serde form).
            pub fn code(self) -> &'static str {
                match self {
                    $($ty::$v => $code,)*
                }
            }

            /// Label in the given language.
            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($ty::$v, Lang::Ja) => $ja, ($ty::$v, Lang::En) => $en,)*
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

/// 性別. Serialized as `female`, `male`, `other`, `unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 女
    Female,
    /// 男
    Male,
    /// その他
    Other,
    /// 不明
    Unknown,
}

code_enum_impl!(Sex, 4, [
    Female => "female", "女", "Female";
    Male => "male", "男", "Male";
    Other => "other", "その他", "Other";
    Unknown => "unknown", "不明", "Unknown";
]);

/// 支援の状況 (status of the child's record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildStatus {
    /// 支援中 — currently supported.
    Active,
    /// 転出 — moved out of the area.
    MovedOut,
    /// 成人期へ移行 — transitioned to adult services.
    AdultServices,
    /// 死亡 — deceased.
    Deceased,
    /// 終結 — support closed.
    Closed,
}

code_enum_impl!(ChildStatus, 5, [
    Active => "active", "支援中", "Active";
    MovedOut => "moved_out", "転出", "Moved out";
    AdultServices => "adult_services", "成人期へ移行", "Moved to adult services";
    Deceased => "deceased", "死亡", "Deceased";
    Closed => "closed", "終結", "Closed";
]);

impl ChildStatus {
    /// True for [`ChildStatus::Active`] (counted in current caseload).
    pub fn is_active(self) -> bool {
        self == ChildStatus::Active
    }
}

/// 療養の場 (where the child currently lives/receives care).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CareSetting {
    /// NICU入院中
    InNicu,
    /// 入院中 (other than NICU)
    Hospitalized,
    /// 在宅
    AtHome,
}

code_enum_impl!(CareSetting, 3, [
    InNicu => "in_nicu", "NICU入院中", "In NICU";
    Hospitalized => "hospitalized", "入院中", "In hospital";
    AtHome => "at_home", "在宅", "At home";
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for v in Sex::all() {
            assert_eq!(Sex::parse(v.code()), Some(v));
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                format!("\"{}\"", v.code())
            );
        }
        for v in ChildStatus::all() {
            assert_eq!(ChildStatus::parse(v.code()), Some(v));
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                format!("\"{}\"", v.code())
            );
        }
        for v in CareSetting::all() {
            assert_eq!(CareSetting::parse(v.code()), Some(v));
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                format!("\"{}\"", v.code())
            );
        }
        assert_eq!(Sex::Female.label(Lang::Ja), "女");
        assert_eq!(ChildStatus::AdultServices.label(Lang::Ja), "成人期へ移行");
        assert_eq!(CareSetting::InNicu.label(Lang::Ja), "NICU入院中");
        assert_eq!(CareSetting::parse("x"), None);
    }
}
