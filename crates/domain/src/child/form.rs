//! The child form (児童の登録・編集) as typed or sent to the API, and its one parse into a
//! [`ChildDraft`]: the page and the API both call [`ChildForm::parse`], and the store takes
//! only the draft.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{CareSetting, ChildStatus, Sex};
use crate::care_score::{CareScore, WatchLevel};
use crate::ids::{OrganizationId, UserId};
use crate::kana::{normalize_for_search, KanaName};
use crate::messages::child as msg;
use crate::municipality::MunicipalityCode;
use crate::power::{DeviceDraft, DeviceInput};
use crate::text::{optional_email, optional_line, optional_phone, optional_text, required_line};
use crate::vocab::{VocabCode, VocabKind};
use crate::ValidationErrors;

/// A guardian as typed by the user (unparsed).
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
#[schema(as = Guardian)]
pub struct GuardianForm {
    /// 氏名
    pub name: String,
    /// フリガナ (optional)
    pub name_kana: String,
    /// 続柄, e.g. 母
    pub relation: String,
    /// Main phone.
    pub phone: String,
    /// Second phone.
    pub phone2: String,
    /// Email.
    pub email: String,
    /// Primary contact (主たる連絡先).
    pub is_primary: bool,
}

/// A child record as typed by the user or sent to the API: every field raw, parsed by
/// [`ChildForm::parse`]. The same shape is what `GET /api/v1/children/{id}` returns, so a PATCH is
/// "read, overlay the changed keys, parse".
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
#[schema(as = ChildInput)]
pub struct ChildForm {
    /// 姓
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub family_name: String,
    /// 名
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub given_name: String,
    /// セイ
    #[schema(pattern = "^[ぁ-ゖァ-ヺ・ーヽヾ]{1,50}$", required = true)]
    pub family_name_kana: String,
    /// メイ
    #[schema(pattern = "^[ぁ-ゖァ-ヺ・ーヽヾ]{1,50}$", required = true)]
    pub given_name_kana: String,
    /// YYYY-MM-DD
    /// YYYY-MM-DD, from 1900 and not in the future
    #[schema(format = Date, required = true)]
    pub birth_date: String,
    /// female | male | other | unknown
    #[schema(schema_with = crate::openapi::sex)]
    pub sex: String,
    /// 全国地方公共団体コード (6 digits)
    #[schema(schema_with = crate::openapi::child_municipality, required = true)]
    pub municipality_code: String,
    /// 住所
    pub address: String,
    /// 電話
    pub phone: String,
    /// in_nicu | hospitalized | at_home
    #[schema(schema_with = crate::openapi::care_setting)]
    pub care_setting: String,
    /// NICU/hospital discharge date (YYYY-MM-DD), optional.
    #[schema(schema_with = crate::openapi::date_or_blank)]
    pub discharged_on: String,
    /// Primary hospital (organization id), optional.
    pub primary_hospital_id: String,
    /// 主治医
    pub primary_doctor: String,
    /// School or nursery (organization id), optional.
    pub school_id: String,
    /// active | moved_out | adult_services | deceased | closed
    #[schema(schema_with = crate::openapi::child_status)]
    pub status: String,
    /// Date the status took effect (YYYY-MM-DD); defaults to today.
    #[schema(schema_with = crate::openapi::date_or_blank)]
    pub status_since: String,
    /// Medical-care item codes.
    #[schema(schema_with = crate::openapi::medical_care_codes)]
    pub medical_care: Vec<String>,
    /// Free-text detail per medical-care code.
    pub medical_care_details: std::collections::BTreeMap<String, String>,
    /// 見守りスコアの区分 per medical-care code (`high` | `mid` | `low`, only levels the item
    /// has); a missing code = not entered.
    #[schema(schema_with = crate::openapi::watch_levels)]
    pub medical_care_watch: std::collections::BTreeMap<String, String>,
    /// Welfare service codes in use; empty = uses no welfare service.
    #[schema(schema_with = crate::openapi::welfare_service_codes)]
    pub welfare_services: Vec<String>,
    /// Guardians in display order.
    pub guardians: Vec<GuardianForm>,
    /// The child's equipment list (使用している医療機器) in display order: the same list the
    /// power page edits, the estimate, triage and emergency sheet read.
    #[schema(max_items = 20)]
    pub devices: Vec<DeviceInput>,
    /// Coordinator user ids assigned to the child.
    pub coordinator_ids: Vec<String>,
    /// 備考
    pub notes: String,
}

/// A parsed, valid child record ready to store: built only by [`ChildForm::parse`], so every
/// field holds a checked value (kana is kana, the municipality exists, ids are well formed).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ChildDraft {
    /// 姓
    pub family_name: String,
    /// 名
    pub given_name: String,
    /// セイ
    pub family_name_kana: KanaName,
    /// メイ
    pub given_name_kana: KanaName,
    /// 生年月日
    pub birth_date: NaiveDate,
    /// 性別
    pub sex: Sex,
    /// 住所地の市町村
    pub municipality: MunicipalityCode,
    /// 住所
    pub address: Option<String>,
    /// 電話
    pub phone: Option<String>,
    /// 療養の場
    pub care_setting: CareSetting,
    /// NICU/hospital discharge date.
    pub discharged_on: Option<NaiveDate>,
    /// Primary hospital (must be one of the center's organizations: the store checks).
    pub primary_hospital_id: Option<OrganizationId>,
    /// 主治医
    pub primary_doctor: Option<String>,
    /// School or nursery (one of the center's organizations).
    pub school_id: Option<OrganizationId>,
    /// 支援の状況
    pub status: ChildStatus,
    /// Date the status took effect.
    pub status_since: NaiveDate,
    /// Medical-care items with their detail and watch level.
    pub medical_care: Vec<CareItemDraft>,
    /// Welfare services in use.
    pub welfare_services: Vec<VocabCode>,
    /// Guardians in display order.
    pub guardians: Vec<Guardian>,
    /// Equipment list (使用している医療機器).
    pub devices: Vec<DeviceDraft>,
    /// Assigned coordinators (the store checks they are the center's coordinators).
    pub coordinator_ids: Vec<UserId>,
    /// 備考
    pub notes: Option<String>,
}

impl ChildDraft {
    /// Normalised search key over the フリガナ.
    pub fn search_kana(&self) -> String {
        normalize_for_search(&format!(
            "{}{}",
            self.family_name_kana.as_str(),
            self.given_name_kana.as_str()
        ))
    }
    /// Normalised search key over the name.
    pub fn search_name(&self) -> String {
        normalize_for_search(&format!("{}{}", self.family_name, self.given_name))
    }
    /// Search key over the given name's フリガナ (「こはる」 finds 〇〇 こはる).
    pub fn search_given_kana(&self) -> String {
        normalize_for_search(self.given_name_kana.as_str())
    }
    /// Search key over the given name (「花子」 finds 山田 花子).
    pub fn search_given_name(&self) -> String {
        normalize_for_search(&self.given_name)
    }
}

/// One medical care item of a parsed child record.
#[derive(Clone, Debug)]
pub struct CareItemDraft {
    /// Medical-care item code.
    pub code: VocabCode,
    /// Free-text detail.
    pub detail: Option<String>,
    /// 見守りスコアの区分, when entered.
    pub watch: Option<WatchLevel>,
}

/// A stored guardian.
#[derive(Clone, Debug, Serialize)]
pub struct Guardian {
    /// 氏名
    pub name: String,
    /// フリガナ
    pub name_kana: Option<String>,
    /// 続柄
    pub relation: String,
    /// Phone.
    pub phone: Option<String>,
    /// Second phone.
    pub phone2: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Primary contact.
    pub is_primary: bool,
}

fn parse_enum<T>(
    errs: &mut ValidationErrors,
    field: &str,
    raw: &str,
    default: Option<T>,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        if default.is_none() {
            errs.push(crate::messages::common::choose_value(field));
        }
        return default;
    }
    let v = parse(raw);
    if v.is_none() {
        errs.push(crate::messages::common::not_a_choice(field, raw));
    }
    v
}

fn opt_date(errs: &mut ValidationErrors, field: &str, raw: &str) -> Option<NaiveDate> {
    if raw.trim().is_empty() {
        None
    } else {
        errs.check(crate::dates::parse_date(field, raw))
    }
}

/// An optional organization id: blank is none; a malformed one names no organization, and
/// says so as the store's reference check would.
fn opt_org(errs: &mut ValidationErrors, field: &str, raw: &str) -> Option<OrganizationId> {
    if raw.trim().is_empty() {
        return None;
    }
    let id = OrganizationId::parse(raw);
    if id.is_none() {
        errs.push(msg::unknown_organization(field));
    }
    id
}

impl ChildForm {
    /// 医療的ケアスコア（参考） of the ticked items with their watch levels (a level that does
    /// not parse counts as not entered; stored records only hold valid levels).
    pub fn care_score(&self) -> CareScore {
        crate::care_score::score(self.medical_care.iter().map(|c| {
            let level = self
                .medical_care_watch
                .get(c)
                .and_then(|w| WatchLevel::parse(w));
            (c.as_str(), level)
        }))
    }

    /// Parse every field, collecting all errors so the form can show each one inline.
    /// `home_prefecture` is the center's prefecture code: a municipality typed by a name that
    /// several places share is taken when exactly one of them is there
    /// ([`MunicipalityCode::resolve`]).
    pub fn parse(
        &self,
        today: NaiveDate,
        home_prefecture: Option<&str>,
    ) -> std::result::Result<ChildDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let family_name = e.check(required_line(
            "family_name",
            &self.family_name,
            crate::text::MAX_NAME,
        ));
        let given_name = e.check(required_line(
            "given_name",
            &self.given_name,
            crate::text::MAX_NAME,
        ));
        let family_name_kana = e.check(KanaName::parse("family_name_kana", &self.family_name_kana));
        let given_name_kana = e.check(KanaName::parse("given_name_kana", &self.given_name_kana));
        let birth_date = e.check(crate::dates::parse_birth_date(
            "birth_date",
            &self.birth_date,
            today,
        ));
        let sex = parse_enum(&mut e, "sex", &self.sex, Some(Sex::Unknown), Sex::parse);
        let municipality = e.check(MunicipalityCode::resolve(
            "municipality_code",
            &self.municipality_code,
            home_prefecture,
        ));
        let address = e.check(optional_line(
            "address",
            &self.address,
            crate::text::MAX_LINE,
        ));
        let phone = e.check(optional_phone("phone", &self.phone));
        let care_setting = parse_enum(
            &mut e,
            "care_setting",
            &self.care_setting,
            Some(CareSetting::AtHome),
            CareSetting::parse,
        );
        let discharged_on = opt_date(&mut e, "discharged_on", &self.discharged_on);
        if let (Some(d), Some(b)) = (discharged_on, birth_date) {
            if d < b || d > today {
                e.push(msg::discharge_out_of_range());
            }
        }
        let primary_doctor = e.check(optional_line(
            "primary_doctor",
            &self.primary_doctor,
            crate::text::MAX_NAME,
        ));
        let status = parse_enum(
            &mut e,
            "status",
            &self.status,
            Some(ChildStatus::Active),
            ChildStatus::parse,
        );
        let status_since = if self.status_since.trim().is_empty() {
            Some(today)
        } else {
            e.check(crate::dates::parse_date("status_since", &self.status_since))
        };
        if status_since.is_some_and(|d| d > today) {
            e.push(msg::status_since_in_future());
        }
        let mut medical_care = Vec::new();
        for code in dedup(&self.medical_care) {
            if let Some(c) = e.check(VocabCode::parse(
                VocabKind::MedicalCareItem,
                "medical_care",
                &code,
            )) {
                let detail = self
                    .medical_care_details
                    .get(&code)
                    .map(String::as_str)
                    .unwrap_or("");
                let detail = e
                    .check(optional_line(
                        "medical_care_details",
                        detail,
                        crate::text::MAX_LINE,
                    ))
                    .flatten();
                let watch = self
                    .medical_care_watch
                    .get(&code)
                    .map(String::as_str)
                    .unwrap_or("");
                let watch = e
                    .check(crate::care_score::parse_watch(
                        "medical_care_watch",
                        &code,
                        watch,
                    ))
                    .flatten();
                medical_care.push(CareItemDraft {
                    code: c,
                    detail,
                    watch,
                });
            }
        }
        for (code, level) in &self.medical_care_watch {
            if !self.medical_care.contains(code) && !level.trim().is_empty() {
                e.push(msg::watch_without_item());
                break;
            }
        }
        for code in self.medical_care_details.keys() {
            if !self.medical_care.contains(code)
                && !self.medical_care_details[code].trim().is_empty()
            {
                e.push(msg::detail_without_item());
                break;
            }
        }
        let mut welfare_services = Vec::new();
        for code in dedup(&self.welfare_services) {
            if let Some(c) = e.check(VocabCode::parse(
                VocabKind::WelfareService,
                "welfare_services",
                &code,
            )) {
                welfare_services.push(c);
            }
        }
        if self.guardians.len() > 10 || self.coordinator_ids.len() > 10 {
            e.push(crate::messages::common::too_many_entries("guardians"));
        }
        let mut guardians = Vec::new();
        for g in &self.guardians {
            if g == &GuardianForm::default() {
                continue;
            }
            let name = e.check(required_line(
                "guardians.name",
                &g.name,
                crate::text::MAX_NAME,
            ));
            let name_kana = if g.name_kana.trim().is_empty() {
                None
            } else {
                e.check(KanaName::parse("guardians.name_kana", &g.name_kana))
                    .map(|k| k.as_str().to_string())
            };
            let relation = e.check(required_line("guardians.relation", &g.relation, 20));
            let phone = e.check(optional_phone("guardians.phone", &g.phone));
            let phone2 = e.check(optional_phone("guardians.phone2", &g.phone2));
            let email = e.check(optional_email("guardians.email", &g.email));
            if let (Some(name), Some(relation), Some(phone), Some(phone2), Some(email)) =
                (name, relation, phone, phone2, email)
            {
                guardians.push(Guardian {
                    name,
                    name_kana,
                    relation,
                    phone,
                    phone2,
                    email,
                    is_primary: g.is_primary,
                });
            }
        }
        let devices = crate::power::parse_devices(&self.devices, &mut e);
        let notes = e.check(optional_text("notes", &self.notes, crate::text::MAX_TEXT));
        let primary_hospital_id = opt_org(&mut e, "primary_hospital_id", &self.primary_hospital_id);
        let school_id = opt_org(&mut e, "school_id", &self.school_id);
        let mut coordinator_ids = Vec::new();
        for raw in dedup(&self.coordinator_ids) {
            match UserId::parse(&raw) {
                Some(id) => coordinator_ids.push(id),
                None => e.push(msg::unknown_coordinator()),
            }
        }
        e.into_result()?;
        match (
            family_name,
            given_name,
            family_name_kana,
            given_name_kana,
            birth_date,
            sex,
            municipality,
            address,
            phone,
            care_setting,
            primary_doctor,
            status,
            status_since,
            notes,
        ) {
            (
                Some(family_name),
                Some(given_name),
                Some(family_name_kana),
                Some(given_name_kana),
                Some(birth_date),
                Some(sex),
                Some(municipality),
                Some(address),
                Some(phone),
                Some(care_setting),
                Some(primary_doctor),
                Some(status),
                Some(status_since),
                Some(notes),
            ) => Ok(ChildDraft {
                family_name,
                given_name,
                family_name_kana,
                given_name_kana,
                birth_date,
                sex,
                municipality,
                address,
                phone,
                care_setting,
                discharged_on,
                primary_hospital_id,
                primary_doctor,
                school_id,
                status,
                status_since,
                medical_care,
                welfare_services,
                guardians,
                devices,
                coordinator_ids,
                notes,
            }),
            _ => Err(ValidationErrors(vec![
                crate::messages::common::check_the_form(),
            ])),
        }
    }
}

/// The list without repeats, each entry trimmed. A blank entry is kept (once) so that the
/// code parser refuses it: `["", "suction"]` is a mistake to report, not to pass over.
fn dedup(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        let s = s.trim().to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
