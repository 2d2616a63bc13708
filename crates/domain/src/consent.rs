//! Consent to share a child's information (情報提供への同意): who may receive what, given when,
//! how and by whom, until when. A referral to another center needs a matching consent.

use chrono::NaiveDate;

use crate::{FieldError, Lang, ValidationErrors};

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal, $ja:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)* }
        impl $name {
            /// Every value, in display order.
            pub fn all() -> Vec<$name> { vec![$($name::$v),*] }
            /// Stable code (API and storage).
            pub fn code(self) -> &'static str { match self { $($name::$v => $code,)* } }
            /// Label in the user's language.
            pub fn label(self, lang: Lang) -> &'static str { match self { $($name::$v => lang.pick($ja, $en),)* } }
            /// Parse a code.
            pub fn parse(s: &str) -> Option<$name> { match s.trim() { $($code => Some($name::$v),)* _ => None } }
        }
    };
}

code_enum! {
    /// Who receives the information (提供先の種別).
    RecipientKind {
        /// 他の医療的ケア児支援センター — a referral; `recipient_code` is that center's code.
        OtherCenter = "other_center", "他の医療的ケア児支援センター", "Another support center";
        /// 市町村の防災担当（避難行動要支援者名簿・個別避難計画）.
        MunicipalityDisaster = "municipality_disaster", "市町村の防災担当", "Municipal disaster office";
        /// 市町村の福祉・母子保健担当.
        MunicipalityWelfare = "municipality_welfare", "市町村の福祉・母子保健担当", "Municipal welfare / maternal and child health";
        /// 学校・教育委員会・保育所.
        School = "school", "学校・教育委員会・保育所", "School, board of education or nursery";
        /// 医療機関.
        Hospital = "hospital", "医療機関", "Hospital or clinic";
        /// 障害福祉サービス事業所・相談支援事業所.
        Provider = "provider", "福祉サービス・相談支援事業所", "Welfare service or counselling provider";
        /// その他.
        Other = "other", "その他", "Other";
    }
}

code_enum! {
    /// What may be shared (提供する情報).
    SharedItem {
        /// 氏名・生年月日・住所などの基本情報.
        Basic = "basic", "基本情報（氏名・生年月日・住所）", "Basic details (name, birth date, address)";
        /// 疾患・医療的ケアの内容.
        Medical = "medical", "疾患・医療的ケア・医療機器", "Diagnoses, medical care and devices";
        /// 保護者・緊急連絡先.
        Contacts = "contacts", "保護者・緊急連絡先", "Guardians and emergency contacts";
        /// 災害時個別支援計画.
        DisasterPlan = "disaster_plan", "災害時個別支援計画", "Disaster support plan";
        /// 相談記録.
        Consultations = "consultations", "相談記録", "Consultation records";
    }
}

code_enum! {
    /// How consent was given (同意の方法).
    ConsentMethod {
        /// 書面.
        Written = "written", "書面", "In writing";
        /// 口頭（記録者が確認）.
        Verbal = "verbal", "口頭", "Verbally";
        /// 電子（メール等）.
        Electronic = "electronic", "電子（メール等）", "Electronically";
    }
}

/// A validated consent record, ready to store: built only by [`ConsentDraft::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsentDraft {
    /// Who receives.
    pub recipient_kind: RecipientKind,
    /// Center code (referrals) or municipality code, when the kind names one.
    pub recipient_code: Option<String>,
    /// Name of the receiving body or person.
    pub recipient_name: String,
    /// What may be shared (at least one).
    pub items: Vec<SharedItem>,
    /// Date consent was given (not in the future).
    pub given_on: NaiveDate,
    /// Who gave it (e.g. 母 山田花子).
    pub given_by: String,
    /// How.
    pub method: ConsentMethod,
    /// Last day it holds, if limited (after `given_on`).
    pub expires_on: Option<NaiveDate>,
}

/// Raw input for [`ConsentDraft::parse`].
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ConsentInput {
    /// [`RecipientKind`] code.
    #[schema(schema_with = recipient_kind_schema, required = true)]
    pub recipient_kind: String,
    /// Center or municipality code.
    pub recipient_code: String,
    /// Receiving body's name.
    #[schema(schema_with = crate::openapi::nonblank, required = true)]
    pub recipient_name: String,
    /// [`SharedItem`] codes.
    #[schema(schema_with = shared_items_schema, required = true)]
    pub items: Vec<String>,
    /// YYYY-MM-DD.
    #[schema(format = Date, required = true)]
    pub given_on: String,
    /// Who gave consent.
    #[schema(schema_with = crate::openapi::nonblank, required = true)]
    pub given_by: String,
    /// [`ConsentMethod`] code.
    #[schema(schema_with = consent_method_schema, required = true)]
    pub method: String,
    /// YYYY-MM-DD or empty.
    #[schema(schema_with = crate::openapi::date_or_blank)]
    pub expires_on: String,
}

fn date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "invalid_date",
            "日付は YYYY-MM-DD の形で入力してください",
            "Enter the date as YYYY-MM-DD",
        )
    })
}

impl ConsentDraft {
    /// Validate every field, collecting all errors. `today` is the date in Japan.
    pub fn parse(input: &ConsentInput, today: NaiveDate) -> Result<ConsentDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = RecipientKind::parse(&input.recipient_kind);
        if kind.is_none() {
            errs.push(FieldError::new(
                "recipient_kind",
                "invalid",
                "提供先の種別を選んでください",
                "Choose the kind of recipient",
            ));
        }
        let code = input.recipient_code.trim();
        let recipient_code = match kind {
            Some(RecipientKind::OtherCenter) if code.is_empty() => {
                errs.push(FieldError::new(
                    "recipient_code",
                    "required",
                    "紹介先センターを選んでください",
                    "Choose the receiving center",
                ));
                None
            }
            Some(RecipientKind::MunicipalityDisaster | RecipientKind::MunicipalityWelfare) => errs
                .check(crate::municipality::MunicipalityCode::parse(
                    "recipient_code",
                    code,
                ))
                .map(|c| c.as_str().to_string()),
            _ if code.is_empty() => None,
            _ => Some(code.to_string()),
        };
        let name = errs.check(crate::text::required_line(
            "recipient_name",
            &input.recipient_name,
            crate::text::MAX_LINE,
        ));
        let mut items = Vec::new();
        for raw in &input.items {
            match SharedItem::parse(raw) {
                Some(i) if !items.contains(&i) => items.push(i),
                Some(_) => {}
                None => errs.push(FieldError::new(
                    "items",
                    "invalid",
                    "提供する情報の種類が正しくありません",
                    "Unknown kind of information",
                )),
            }
        }
        if items.is_empty() && input.items.is_empty() {
            errs.push(FieldError::new(
                "items",
                "required",
                "提供する情報を1つ以上選んでください",
                "Choose at least one kind of information",
            ));
        }
        let given_on = errs.check(date("given_on", &input.given_on));
        if given_on.is_some_and(|d| d > today) {
            errs.push(FieldError::new(
                "given_on",
                "future",
                "同意日に未来の日付は入力できません",
                "The consent date cannot be in the future",
            ));
        }
        let given_by = errs.check(crate::text::required_line(
            "given_by",
            &input.given_by,
            crate::text::MAX_NAME * 2,
        ));
        let method = ConsentMethod::parse(&input.method);
        if method.is_none() {
            errs.push(FieldError::new(
                "method",
                "invalid",
                "同意の方法を選んでください",
                "Choose how consent was given",
            ));
        }
        let expires_on = if input.expires_on.trim().is_empty() {
            None
        } else {
            errs.check(date("expires_on", &input.expires_on))
        };
        if let (Some(g), Some(e)) = (given_on, expires_on) {
            if e < g {
                errs.push(FieldError::new(
                    "expires_on",
                    "before_given",
                    "有効期限は同意日より後の日付にしてください",
                    "The expiry must be after the consent date",
                ));
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        match (kind, name, given_on, given_by, method) {
            (
                Some(recipient_kind),
                Some(recipient_name),
                Some(given_on),
                Some(given_by),
                Some(method),
            ) => Ok(ConsentDraft {
                recipient_kind,
                recipient_code,
                recipient_name,
                items,
                given_on,
                given_by,
                method,
                expires_on,
            }),
            _ => Err(errs),
        }
    }
}

/// The kind of body a consent names.
pub fn recipient_kind_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::openapi::one_of(
        crate::consent::RecipientKind::all()
            .into_iter()
            .map(|k| k.code()),
    )
}

/// The items a consent covers, at least one.
pub fn shared_items_schema() -> utoipa::openapi::schema::ArrayBuilder {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(crate::openapi::one_of(
            crate::consent::SharedItem::all()
                .into_iter()
                .map(|k| k.code()),
        ))
        .min_items(Some(1))
}

/// How the consent was given.
pub fn consent_method_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::openapi::one_of(
        crate::consent::ConsentMethod::all()
            .into_iter()
            .map(|k| k.code()),
    )
}

/// A referral as typed or sent to the API: the receiving center's code and, without a
/// consent in force, the reason to refer anyway.
#[derive(utoipa::ToSchema, Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReferralInput {
    /// The receiving center's code.
    #[schema(schema_with = crate::openapi::nonblank, required = true)]
    pub to_center: String,
    /// 同意なしで紹介する理由 (advisors and admins only; empty if a consent holds).
    pub override_reason: String,
}

/// A parsed referral: built only by [`ReferralInput::parse`]. Whether the center exists,
/// a consent names it, or the override may be used is for the store to tell.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReferralDraft {
    /// The receiving center's code, trimmed and not empty.
    pub to_center: String,
    /// The override reason, trimmed; empty when none was given.
    pub override_reason: String,
}

impl ReferralInput {
    /// Trim both fields; a referral must name a center.
    pub fn parse(&self) -> Result<ReferralDraft, ValidationErrors> {
        let to_center = self.to_center.trim();
        if to_center.is_empty() {
            return Err(ValidationErrors(vec![
                crate::messages::consent::choose_receiving_center(),
            ]));
        }
        Ok(ReferralDraft {
            to_center: to_center.to_string(),
            override_reason: self.override_reason.trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ConsentInput {
        ConsentInput {
            recipient_kind: "other_center".into(),
            recipient_code: "nara".into(),
            recipient_name: "奈良県医療的ケア児支援センター".into(),
            items: vec!["basic".into(), "medical".into(), "basic".into()],
            given_on: "2026-11-01".into(),
            given_by: "母 試験花子".into(),
            method: "written".into(),
            expires_on: "2027-10-31".into(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    #[test]
    fn a_complete_consent_parses() {
        let d = ConsentDraft::parse(&input(), today()).unwrap();
        assert_eq!(d.items, vec![SharedItem::Basic, SharedItem::Medical]);
        assert_eq!(d.recipient_code.as_deref(), Some("nara"));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = ConsentInput {
            recipient_kind: "friend".into(),
            items: vec!["everything".into()],
            given_on: "2026-12-01".into(),
            method: "telepathy".into(),
            expires_on: "2026-01-01".into(),
            ..Default::default()
        };
        let errs = ConsentDraft::parse(&bad, today()).unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "recipient_kind",
            "recipient_name",
            "items",
            "given_on",
            "given_by",
            "method",
            "expires_on",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn municipal_recipients_need_a_valid_code_and_referrals_a_center() {
        let mut i = input();
        i.recipient_kind = "municipality_disaster".into();
        i.recipient_code = "392015".into();
        assert!(
            ConsentDraft::parse(&i, today()).is_err(),
            "wrong check digit"
        );
        i.recipient_code = "392014".into();
        assert!(ConsentDraft::parse(&i, today()).is_ok());
        let mut i = input();
        i.recipient_code = " ".into();
        assert!(ConsentDraft::parse(&i, today()).is_err());
    }

    #[test]
    fn a_referral_names_a_center() {
        let r = ReferralInput {
            to_center: " nara ".into(),
            override_reason: " 緊急の受診調整のため ".into(),
        };
        let d = r.parse().unwrap();
        assert_eq!(d.to_center, "nara");
        assert_eq!(d.override_reason, "緊急の受診調整のため");
        let errs = ReferralInput::default().parse().unwrap_err();
        assert_eq!(errs.0[0].field, "to_center");
    }
}
