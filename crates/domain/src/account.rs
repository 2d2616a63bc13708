//! User accounts as typed: a user created by the center's admin (利用者の追加), a role change,
//! a user created by the operator (`tsunagu user add`) and one's own new password. Each has one
//! parse into a draft the store writes; the store keeps the checks that need the database
//! (the login is free, the center exists, the role may be granted in this center).

use serde::Deserialize;

use crate::municipality::MunicipalityCode;
use crate::password::Password;
use crate::text::{required_line, MAX_NAME};
use crate::vocab::{VocabCode, VocabKind};
use crate::{messages, FieldError, Role, ValidationErrors};

/// A login name: ASCII letters, digits and `. _ -`, 1‥64 characters.
pub fn login_error(login: &str) -> Option<FieldError> {
    let ok = !login.is_empty()
        && login.len() <= 64
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    (!ok).then(messages::accounts::invalid_login)
}

/// Municipality codes typed as one field (spaces, commas or 、 between them).
fn split_codes(raw: &str) -> Vec<&str> {
    raw.split(|c: char| c.is_whitespace() || c == ',' || c == '、')
        .filter(|s| !s.is_empty())
        .collect()
}

/// Each code parsed (errors on `municipalities`), in the order typed.
fn municipalities<'a>(
    errs: &mut ValidationErrors,
    codes: impl IntoIterator<Item = &'a str>,
) -> Vec<MunicipalityCode> {
    codes
        .into_iter()
        .filter_map(|m| errs.check(MunicipalityCode::parse("municipalities", m)))
        .collect()
}

/// Input for [`Store::create_account`].
#[derive(utoipa::ToSchema, Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
#[schema(as = UserInput)]
pub struct NewAccount {
    /// Login name (ASCII letters, digits, . _ -).
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9._-]+$",
        required = true
    )]
    pub login: String,
    /// Name shown in pages.
    #[schema(min_length = 1, max_length = 50, required = true)]
    pub display_name: String,
    /// Role code (`admin`, `advisor`, …).
    #[schema(schema_with = crate::openapi::grantable_role, required = true)]
    pub role: String,
    /// Municipality codes (municipal users only), separated by spaces or commas.
    pub municipalities: String,
}

/// A parsed [`NewAccount`]: built only by [`NewAccount::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewAccountDraft {
    /// Login name, trimmed.
    pub login: String,
    /// Name shown in pages.
    pub display_name: String,
    /// The role (whether this center may grant it is the store's to tell).
    pub role: Role,
    /// Municipalities: at least one for a municipal user, none for any other role.
    pub municipalities: Vec<MunicipalityCode>,
}

impl NewAccount {
    /// Parse every field, collecting all errors.
    pub fn parse(&self) -> Result<NewAccountDraft, ValidationErrors> {
        let login = self.login.trim().to_string();
        let mut errs = ValidationErrors::new();
        if let Some(e) = login_error(&login) {
            errs.push(e);
        }
        let display = errs.check(required_line("display_name", &self.display_name, MAX_NAME));
        let role = Role::parse(&self.role);
        if role.is_none() {
            errs.push(messages::accounts::unknown_role());
        }
        let codes = split_codes(&self.municipalities);
        let mut munis = municipalities(&mut errs, codes.iter().copied());
        if role == Some(Role::Municipal) && codes.is_empty() {
            errs.push(messages::accounts::municipalities_required());
        }
        match (display, role) {
            (Some(display_name), Some(role)) if errs.is_empty() => {
                if role != Role::Municipal {
                    munis.clear();
                }
                Ok(NewAccountDraft {
                    login,
                    display_name,
                    role,
                    municipalities: munis,
                })
            }
            _ => Err(errs),
        }
    }
}

/// A role change as the admin typed it (page form or `PUT /api/v1/users/{id}/role`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleChange {
    /// Role code.
    pub role: String,
    /// Municipality codes (municipal role), separated by spaces or commas; empty keeps the
    /// user's current ones.
    pub municipalities: String,
}

/// A parsed [`RoleChange`]: built only by [`RoleChange::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoleChangeDraft {
    /// The new role.
    pub role: Role,
    /// Municipalities typed (may be empty: the store keeps the current ones or refuses).
    pub municipalities: Vec<MunicipalityCode>,
}

impl RoleChange {
    /// Parse the role, then the municipality codes. An unknown role is reported alone.
    pub fn parse(&self) -> Result<RoleChangeDraft, ValidationErrors> {
        let Some(role) = Role::parse(&self.role) else {
            return Err(ValidationErrors(vec![messages::accounts::unknown_role()]));
        };
        let mut errs = ValidationErrors::new();
        let municipalities = municipalities(&mut errs, split_codes(&self.municipalities));
        errs.into_result()?;
        Ok(RoleChangeDraft {
            role,
            municipalities,
        })
    }
}

/// A user as the operator creates them (`tsunagu user add`, the demo, test fixtures), with
/// their own password.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    /// Center slug.
    pub center_code: &'a str,
    /// Login name (ASCII letters, digits, . _ -).
    pub login: &'a str,
    /// Shown in pages.
    pub display_name: &'a str,
    /// The one role.
    pub role: Role,
    /// Plain password.
    pub password: &'a str,
    /// Profession codes.
    pub professions: Vec<String>,
    /// Municipality codes covered (municipal users, coordinators).
    pub municipalities: Vec<String>,
}

/// A parsed [`NewUser`]: built only by [`NewUser::parse`]. Whether the center exists and the
/// login is free is the store's to tell.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewUserDraft {
    /// Center slug.
    pub center_code: String,
    /// Login name.
    pub login: String,
    /// Shown in pages.
    pub display_name: String,
    /// The one role.
    pub role: Role,
    /// A password that satisfies the rules.
    pub password: Password,
    /// Professions.
    pub professions: Vec<VocabCode>,
    /// Municipalities covered.
    pub municipalities: Vec<MunicipalityCode>,
}

impl NewUser<'_> {
    /// Parse every field, collecting all errors.
    pub fn parse(&self) -> Result<NewUserDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        if let Some(e) = login_error(self.login) {
            errs.push(e);
        }
        let password = errs.check(Password::parse(
            self.password,
            &[self.login, self.display_name],
        ));
        let display = errs.check(required_line("display_name", self.display_name, MAX_NAME));
        let munis = municipalities(&mut errs, self.municipalities.iter().map(String::as_str));
        let professions: Vec<VocabCode> = self
            .professions
            .iter()
            .filter_map(|p| errs.check(VocabCode::parse(VocabKind::Profession, "professions", p)))
            .collect();
        match (password, display) {
            (Some(password), Some(display_name)) if errs.is_empty() => Ok(NewUserDraft {
                center_code: self.center_code.to_string(),
                login: self.login.to_string(),
                display_name,
                role: self.role,
                password,
                professions,
                municipalities: munis,
            }),
            _ => Err(errs),
        }
    }
}

/// One's own new password, checked against one's login and name.
pub fn new_password(
    raw: &str,
    login: &str,
    display_name: &str,
) -> Result<Password, ValidationErrors> {
    Password::parse(raw, &[login, display_name]).map_err(ValidationErrors::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_account_parses_and_reports_every_bad_field() {
        let d = NewAccount {
            login: " kochi.new ".into(),
            display_name: "新人".into(),
            role: "consultant".into(),
            municipalities: "392014".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(d.login, "kochi.new");
        assert!(
            d.municipalities.is_empty(),
            "only municipal users keep them"
        );
        let errs = NewAccount {
            login: "a b".into(),
            role: "municipal".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let codes: Vec<&str> = errs.0.iter().map(|e| e.code).collect();
        assert!(codes.contains(&"invalid_login"), "{codes:?}");
        assert!(errs.0.iter().any(|e| e.field == "display_name"));
        assert!(errs.0.iter().any(|e| e.field == "municipalities"));
    }

    #[test]
    fn a_role_change_needs_a_known_role() {
        let bad = RoleChange {
            role: "king".into(),
            municipalities: String::new(),
        };
        assert_eq!(bad.parse().unwrap_err().0[0].field, "role");
        let d = RoleChange {
            role: "municipal".into(),
            municipalities: "392014、392014".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(d.municipalities.len(), 2);
    }

    #[test]
    fn a_new_user_needs_a_good_password() {
        let u = NewUser {
            center_code: "kochi",
            login: "kochi.adv",
            display_name: "相談員",
            role: Role::Advisor,
            password: "short",
            professions: vec!["nurse".into()],
            municipalities: vec![],
        };
        assert!(u.parse().is_err());
    }
}
