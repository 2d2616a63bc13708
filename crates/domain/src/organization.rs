//! Organizations the center works with (関係機関: hospitals, providers, schools, offices) as
//! typed or sent to the API, and their one parse into an [`OrganizationDraft`].

use serde::{Deserialize, Serialize};

use crate::municipality::MunicipalityCode;
use crate::text::{optional_email, optional_line, optional_phone, required_line, MAX_LINE};
use crate::vocab::{VocabCode, VocabKind};
use crate::ValidationErrors;

/// An organization as typed (unparsed).
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
#[schema(as = OrganizationInput)]
pub struct OrganizationForm {
    /// Organization kind code.
    #[schema(schema_with = crate::openapi::organization_kind_code, required = true)]
    pub kind: String,
    /// 名称.
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub name: String,
    /// Municipality code (optional).
    #[schema(schema_with = crate::openapi::municipality_code_or_empty)]
    pub municipality_code: String,
    /// 所在地.
    pub address: String,
    /// 電話.
    pub phone: String,
    /// Email.
    pub email: String,
}

/// A parsed organization: built only by [`OrganizationForm::parse`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OrganizationDraft {
    /// Kind (vocabulary `organization_kind`).
    pub kind: VocabCode,
    /// 名称.
    pub name: String,
    /// 所在市町村.
    pub municipality: Option<MunicipalityCode>,
    /// 所在地.
    pub address: Option<String>,
    /// 電話.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

impl OrganizationForm {
    /// Parse every field, collecting all errors.
    pub fn parse(&self) -> Result<OrganizationDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = e.check(VocabCode::parse(
            VocabKind::OrganizationKind,
            "kind",
            &self.kind,
        ));
        let name = e.check(required_line("name", &self.name, MAX_LINE));
        let municipality = if self.municipality_code.trim().is_empty() {
            Some(None)
        } else {
            e.check(MunicipalityCode::parse(
                "municipality_code",
                &self.municipality_code,
            ))
            .map(Some)
        };
        let address = e.check(optional_line("address", &self.address, MAX_LINE));
        let phone = e.check(optional_phone("phone", &self.phone));
        let email = e.check(optional_email("email", &self.email));
        match (kind, name, municipality, address, phone, email) {
            (
                Some(kind),
                Some(name),
                Some(municipality),
                Some(address),
                Some(phone),
                Some(email),
            ) if e.is_empty() => Ok(OrganizationDraft {
                kind,
                name,
                municipality,
                address,
                phone,
                email,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hospital_parses_and_every_bad_field_is_reported() {
        let f = OrganizationForm {
            kind: "hospital".into(),
            name: "県立中央病院".into(),
            ..Default::default()
        };
        let d = f.parse().unwrap();
        assert_eq!(d.kind.as_str(), "hospital");
        assert!(d.municipality.is_none());
        let bad = OrganizationForm {
            kind: "castle".into(),
            municipality_code: "123".into(),
            email: "nope".into(),
            ..Default::default()
        };
        let errs = bad.parse().unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        for f in ["kind", "name", "municipality_code", "email"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }
}
