//! A center's details as typed: by its admin (センター情報: name, contact, opening hours, the
//! work it runs) and by the operator creating it (`center add`: slug, name, jurisdiction).
//! Each has one parse into a draft the store writes.

use serde::Deserialize;

use crate::municipality::MunicipalityCode;
use crate::text::{
    optional_email, optional_line, optional_phone, optional_text, required_line, MAX_LINE,
};
use crate::ValidationErrors;

/// Longest opening-hours text (a few lines: weekdays, Saturdays, holidays).
pub const MAX_HOURS: usize = 500;

/// The center's details as its admin typed them (form fields or JSON body).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CenterForm {
    /// Display name (required).
    pub name: String,
    /// Contact phone (optional).
    pub contact_phone: String,
    /// Contact email (optional).
    pub contact_email: String,
    /// Postal address (optional).
    pub address: String,
    /// Opening hours (optional, several lines allowed).
    pub opening_hours: String,
    /// Runs coordinator dispatch.
    pub runs_dispatch: bool,
    /// Produces the prefecture's payment statements.
    pub runs_payments: bool,
}

/// A parsed [`CenterForm`]: built only by [`CenterForm::parse`]. Empty optional fields are "".
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CenterDraft {
    /// Display name.
    pub name: String,
    /// Contact phone ("" when not given).
    pub contact_phone: String,
    /// Contact email ("" when not given).
    pub contact_email: String,
    /// Postal address ("" when not given).
    pub address: String,
    /// Opening hours ("" when not given).
    pub opening_hours: String,
    /// Runs coordinator dispatch.
    pub runs_dispatch: bool,
    /// Produces the prefecture's payment statements.
    pub runs_payments: bool,
}

impl CenterForm {
    /// Parse every field, collecting all errors.
    pub fn parse(&self) -> Result<CenterDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = e.check(required_line("name", &self.name, MAX_LINE));
        let phone = e.check(optional_phone("contact_phone", &self.contact_phone));
        let email = e.check(optional_email("contact_email", &self.contact_email));
        let address = e.check(optional_line("address", &self.address, MAX_LINE));
        let hours = e.check(optional_text(
            "opening_hours",
            &self.opening_hours,
            MAX_HOURS,
        ));
        match (name, phone, email, address, hours) {
            (Some(name), Some(phone), Some(email), Some(address), Some(hours)) if e.is_empty() => {
                Ok(CenterDraft {
                    name,
                    contact_phone: phone.unwrap_or_default(),
                    contact_email: email.unwrap_or_default(),
                    address: address.unwrap_or_default(),
                    opening_hours: hours.unwrap_or_default(),
                    runs_dispatch: self.runs_dispatch,
                    runs_payments: self.runs_payments,
                })
            }
            _ => Err(e),
        }
    }
}

/// A new center as the operator typed it (`tsunagu center add`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewCenterInput {
    /// Short slug: lowercase ASCII letters, digits and hyphens, at most 40.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Prefecture (or municipality) code of the jurisdiction.
    pub jurisdiction: String,
}

/// A parsed [`NewCenterInput`]: built only by [`NewCenterInput::parse`]. Whether the code is
/// free is for the store to tell.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewCenterDraft {
    /// The slug.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Jurisdiction.
    pub jurisdiction: MunicipalityCode,
}

impl NewCenterInput {
    /// Parse every field, collecting all errors.
    pub fn parse(&self) -> Result<NewCenterDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let code = self.code.as_str();
        let slug_ok = !code.is_empty()
            && code.len() <= 40
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            errs.push(crate::messages::accounts::invalid_center_code());
        }
        let name = errs.check(required_line("name", &self.name, MAX_LINE));
        let juris = errs.check(MunicipalityCode::parse("jurisdiction", &self.jurisdiction));
        match (name, juris) {
            (Some(name), Some(jurisdiction)) if errs.is_empty() => Ok(NewCenterDraft {
                code: code.to_string(),
                name,
                jurisdiction,
            }),
            _ => Err(errs),
        }
    }
}

/// Shorthand for [`NewCenterInput::parse`] from three strings (the CLI, fixtures).
pub fn new_center(
    code: &str,
    name: &str,
    jurisdiction: &str,
) -> Result<NewCenterDraft, ValidationErrors> {
    NewCenterInput {
        code: code.into(),
        name: name.into(),
        jurisdiction: jurisdiction.into(),
    }
    .parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_center_form_parses_and_reports_every_bad_field() {
        let f = CenterForm {
            name: "高知県医療的ケア児支援センター".into(),
            runs_dispatch: true,
            ..Default::default()
        };
        let d = f.parse().unwrap();
        assert_eq!(d.contact_phone, "");
        assert!(d.runs_dispatch);
        let bad = CenterForm {
            contact_email: "nope".into(),
            ..Default::default()
        };
        let fields: Vec<String> = bad
            .parse()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "contact_email"]);
    }

    #[test]
    fn a_new_center_needs_a_slug_a_name_and_a_jurisdiction() {
        let d = new_center("kochi", "高知", "390003").unwrap();
        assert_eq!(d.jurisdiction.as_str(), "390003");
        let errs = new_center("Kochi!", "", "1").unwrap_err();
        assert_eq!(errs.0.len(), 3);
    }
}
